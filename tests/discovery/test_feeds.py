"""RSS 2.0 and Atom feeds, site-wide and per category: valid, latest 20 published, full content."""

from datetime import timedelta

import feedparser
import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from tests.factories import make_article, make_category, make_staff, make_user

pytestmark = pytest.mark.django_db

FEEDS = ["articles:feed", "articles:feed-atom"]


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return response, feed


@pytest.mark.parametrize("name", FEEDS)
def test_feed_is_valid_and_has_the_article(client, name):
    author = make_user(display_name="Ada Writer", is_staff=True)
    article = make_article(
        title="Tides & </script> times",
        author=author,
        summary="High tide at noon.\nLow tide at <six>.",
        body="Full **body** text.\n\n<script>alert(1)</script>",
    )
    response, feed = parse(client, reverse(name))
    assert feed.version in ("rss20", "atom10")
    [entry] = feed.entries
    assert entry.title == "Tides & </script> times"
    assert entry.link == "http://testserver" + article.get_absolute_url()
    assert entry.author == "Ada Writer"
    assert entry.published_parsed[:6] == article.published_at.utctimetuple()[:6]
    assert "updated" in entry and entry.updated_parsed[:6] == article.updated_at.utctimetuple()[:6]
    assert "<li>High tide at noon.</li>" in entry.summary
    assert "&lt;six&gt;" in entry.summary  # bullets are text, escaped inside the HTML
    [content] = entry.content
    assert "<strong>body</strong>" in content.value
    assert "<script>" not in content.value  # the sanitised body, not the Markdown


def test_rss_uses_content_encoded(client):
    make_article(body="Every word.")
    content = client.get(reverse("articles:feed")).content.decode()
    assert 'xmlns:content="http://purl.org/rss/1.0/modules/content/"' in content
    assert "<content:encoded>" in content
    assert client.get(reverse("articles:feed"))["Content-Type"].startswith("application/rss+xml")


def test_atom_content_is_html(client):
    make_article()
    content = client.get(reverse("articles:feed-atom")).content.decode()
    assert '<content type="html">' in content


@pytest.mark.parametrize("name", FEEDS)
def test_feed_has_the_latest_20_published_only(client, name):
    category, author = make_category(), make_staff()
    now = timezone.now()
    for i in range(22):
        make_article(
            title=f"Live {i}", category=category, author=author, published_at=now - timedelta(hours=i + 1)
        )
    make_article(title="Draft", status=Article.Status.DRAFT, published_at=None)
    make_article(title="Scheduled", published_at=now + timedelta(hours=1))
    _, feed = parse(client, reverse(name))
    assert [e.title for e in feed.entries] == [f"Live {i}" for i in range(20)]


@pytest.mark.parametrize("name", ["articles:category-feed", "articles:category-feed-atom"])
def test_category_feed_has_only_that_category(client, name):
    sport, weather = make_category(name="Sport"), make_category(name="Weather")
    make_article(title="Match report", category=sport)
    make_article(title="Rain again", category=weather)
    _, feed = parse(client, reverse(name, args=[sport.slug]))
    assert [e.title for e in feed.entries] == ["Match report"]
    assert "Sport" in feed.feed.title


def test_unknown_category_feed_is_404(client):
    assert client.get(reverse("articles:category-feed", args=["nope"])).status_code == 404


def test_control_characters_do_not_break_the_feed(client):
    make_article(title="Bell\x07 title", body="Form\x0cfeed")
    _, feed = parse(client, reverse("articles:feed"))
    assert feed.entries[0].title == "Bell title"


def test_home_and_category_pages_link_their_feeds(client):
    article = make_article()
    home = client.get("/").content.decode()
    assert f'type="application/rss+xml" title="newsblog (RSS)" href="{reverse("articles:feed")}"' in home
    assert (
        f'type="application/atom+xml" title="newsblog (Atom)" href="{reverse("articles:feed-atom")}"' in home
    )
    category = client.get(article.category.get_absolute_url()).content.decode()
    assert f'href="{reverse("articles:category-feed", args=[article.category.slug])}"' in category
    assert f'href="{reverse("articles:category-feed-atom", args=[article.category.slug])}"' in category
