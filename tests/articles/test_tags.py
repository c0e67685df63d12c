"""Tags: the tag page and its feeds, tags on the article page, in JSON-LD, the sitemap, related
reading, and the admin's tag field."""

import json
from datetime import timedelta

import feedparser
import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Tag
from tests.discovery.test_crawlers import sitemap_entries
from tests.discovery.test_metadata import head
from tests.factories import article_admin_form, make_article, make_category, make_staff, make_tag

pytestmark = pytest.mark.django_db
BASE = "http://testserver"


@pytest.fixture
def iran():
    return make_tag(name="Iran", slug="iran")


def test_tag_page_lists_its_published_articles_newest_first(client, iran):
    now = timezone.now()
    older = make_article(title="Older Iran story", tags=[iran], published_at=now - timedelta(days=2))
    newer = make_article(title="Newer Iran story", tags=[iran], published_at=now - timedelta(hours=2))
    make_article(title="Draft Iran story", tags=[iran], status=Article.Status.DRAFT, published_at=None)
    make_article(title="Scheduled Iran story", tags=[iran], published_at=now + timedelta(hours=2))
    make_article(title="Untagged story")
    response = client.get("/tags/iran/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 id="listing-title" class="listing-title">Iran</h1>' in html
    assert html.index(newer.title) < html.index(older.title)
    for hidden in ("Draft Iran story", "Scheduled Iran story", "Untagged story"):
        assert hidden not in html
    assert f'<link rel="canonical" href="{BASE}/tags/iran/">' in html
    assert 'type="application/rss+xml" title="Iran (RSS)" href="/tags/iran/feed/"' in html


def test_tag_page_is_paginated_like_the_sections(client, iran):
    for _ in range(12):
        make_article(tags=[iran])
    first = client.get("/tags/iran/")
    assert len(first.context["page"]) == 10
    assert first.context["page"].has_next()
    second = client.get("/tags/iran/", {"page": 2})
    assert second.status_code == 200
    assert len(second.context["page"]) == 2
    assert f'<link rel="canonical" href="{BASE}/tags/iran/?page=2">' in second.content.decode()
    assert client.get("/tags/iran/", {"page": 3}).status_code == 404
    assert client.get("/tags/iran/", {"page": "abc"}).status_code == 404


def test_unknown_or_empty_tags_are_404(client, iran):
    assert client.get("/tags/nothing-here/").status_code == 404
    assert client.get("/tags/iran/").status_code == 404  # no article at all
    make_article(tags=[iran], status=Article.Status.DRAFT, published_at=None)
    assert client.get("/tags/iran/").status_code == 404  # only a draft
    assert client.get("/tags/iran/feed/").status_code == 404
    assert client.get("/tags/iran/feed/atom/").status_code == 404


@pytest.mark.parametrize("name", ["articles:tag-feed", "articles:tag-feed-atom"])
def test_tag_feeds_are_valid_and_list_only_the_tag(client, iran, name):
    tagged = make_article(title="Tehran talks", tags=[iran, make_tag(name="Diplomacy")])
    make_article(title="Not about Iran")
    response = client.get(reverse(name, args=["iran"]))
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert "Iran" in feed.feed.title
    [entry] = feed.entries
    assert entry.title == "Tehran talks"
    assert entry.link == BASE + tagged.get_absolute_url()
    # The section first, then the tags A to Z.
    assert [term.term for term in entry.tags] == [tagged.category.name, "Diplomacy", "Iran"]


def test_site_feed_items_carry_the_tags_as_categories(client, iran):
    make_article(tags=[iran])
    feed = feedparser.parse(client.get(reverse("articles:feed")).content)
    assert "Iran" in [term.term for term in feed.entries[0].tags]


def test_article_page_links_its_tags_and_names_them_in_json_ld(client, iran):
    article = make_article(tags=[make_tag(name="russia", slug="russia"), iran])
    html = client.get(article.get_absolute_url()).content.decode()
    assert '<a href="/tags/iran/" rel="tag">Iran</a>' in html
    assert '<a href="/tags/russia/" rel="tag">russia</a>' in html
    assert html.index('rel="tag">Iran<') < html.index('rel="tag">russia<')  # A to Z whatever the case
    page = head(client, article.get_absolute_url())
    assert json.loads(page.json_ld[0])["keywords"] == ["Iran", "russia"]


def test_article_without_tags_has_no_tag_list_nor_keywords(client):
    article = make_article()
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'rel="tag"' not in html
    assert "keywords" not in json.loads(head(client, article.get_absolute_url()).json_ld[0])


def test_sitemap_lists_tags_with_a_published_article(client, iran):
    make_article(tags=[iran])
    draft_only = make_tag(name="Draft only")
    make_article(tags=[draft_only], status=Article.Status.DRAFT, published_at=None)
    unused = make_tag(name="Unused")
    locations = sitemap_entries(client)
    assert BASE + "/tags/iran/" in locations
    assert BASE + draft_only.get_absolute_url() not in locations
    assert BASE + unused.get_absolute_url() not in locations


def test_related_reading_prefers_more_shared_tags_then_the_section_then_the_newest():
    now = timezone.now()
    city, world = make_category(), make_category()
    iran, russia, oil = make_tag(), make_tag(), make_tag()
    article = make_article(category=world, tags=[iran, russia, oil], published_at=now - timedelta(days=1))
    make_article(title="Newest, nothing shared", category=city, published_at=now - timedelta(minutes=1))
    make_article(title="Same section", category=world, published_at=now - timedelta(hours=1))
    make_article(title="One tag", category=city, tags=[oil], published_at=now - timedelta(hours=2))
    make_article(title="Two tags", category=city, tags=[iran, russia], published_at=now - timedelta(days=30))
    make_article(
        title="Draft, three tags", tags=[iran, russia, oil], status=Article.Status.DRAFT, published_at=None
    )
    assert [a.title for a in article.related()] == ["Two tags", "One tag", "Same section"]
    assert [a.title for a in article.related(limit=4)][-1] == "Newest, nothing shared"


def test_related_reading_of_an_untagged_article_is_section_then_newest():
    city, world = make_category(), make_category()
    article = make_article(category=world)
    make_article(title="Newest elsewhere", category=city)
    make_article(title="Same section", category=world, published_at=timezone.now() - timedelta(days=3))
    assert [a.title for a in article.related()][:2] == ["Same section", "Newest elsewhere"]


# The admin


@pytest.fixture
def category():
    return make_category()


def article_form(category, author, **overrides):
    fields = {
        "title": "Sanctions tighten",
        "slug": "sanctions-tighten",
        "author": author,
        "category": category,
        "summary": "New sanctions.",
        "body": "Text.",
        "status": "draft",
    }
    return article_admin_form(**(fields | overrides))


def test_editor_types_tags_and_missing_ones_are_created(staff_client, category, iran):
    data = article_form(category, staff_client.staff, tags="iran, Russia , Oil & gas,russia,")
    response = staff_client.post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    article = Article.objects.get(slug="sanctions-tighten")
    assert [tag.name for tag in article.tags.all()] == [
        "Iran",
        "Oil & gas",
        "Russia",
    ]  # existing "Iran" reused
    assert Tag.objects.get(name="Oil & gas").slug == "oil-gas"
    assert Tag.objects.count() == 3
    form = staff_client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()
    assert 'value="Iran, Oil &amp; gas, Russia"' in form


def test_editor_removes_a_tag_by_deleting_its_name(staff_client, category, iran):
    article = make_article(slug="kept", category=category, author=staff_client.staff, tags=[iran, make_tag()])
    data = article_form(category, staff_client.staff, slug="kept", status="published", tags="Iran")
    response = staff_client.post(reverse("admin:articles_article_change", args=[article.pk]), data)
    assert response.status_code == 302
    assert [tag.name for tag in article.tags.all()] == ["Iran"]


def test_a_new_tag_gets_a_free_slug(staff_client, category):
    make_tag(name="C", slug="c")
    data = article_form(category, staff_client.staff, tags="C!")
    assert staff_client.post(reverse("admin:articles_article_add"), data).status_code == 302
    assert Tag.objects.get(name="C!").slug == "c-2"


def test_too_many_or_too_long_tags_are_refused_with_a_message(staff_client, category):
    many = ", ".join(f"tag {n}" for n in range(11))
    response = staff_client.post(
        reverse("admin:articles_article_add"), article_form(category, staff_client.staff, tags=many)
    )
    assert response.status_code == 200
    assert "Give at most 10 tags (11 given)." in response.content.decode()
    long = "x" * 61
    response = staff_client.post(
        reverse("admin:articles_article_add"), article_form(category, staff_client.staff, tags=long)
    )
    assert "A tag is at most 60 characters" in response.content.decode()
    assert not Tag.objects.exists() and not Article.objects.exists()


def test_staff_without_the_add_tag_permission_uses_existing_tags_only(client, category, iran):
    writer = make_staff()
    writer.user_permissions.set(
        Permission.objects.filter(codename__in=["add_article", "change_article", "view_article", "view_tag"])
    )
    client.force_login(writer)
    refused = client.post(
        reverse("admin:articles_article_add"), article_form(category, writer, tags="Iran, Brand new")
    )
    assert refused.status_code == 200
    assert "ask an editor to add “Brand new”" in refused.content.decode()
    assert not Tag.objects.filter(name="Brand new").exists()
    accepted = client.post(reverse("admin:articles_article_add"), article_form(category, writer, tags="iran"))
    assert accepted.status_code == 302
    assert [tag.name for tag in Article.objects.get().tags.all()] == ["Iran"]


def test_tag_admin_lists_article_counts_and_searches(staff_client, iran):
    make_article(tags=[iran])
    make_article(tags=[iran])
    make_tag(name="Batteries")
    response = staff_client.get(reverse("admin:articles_tag_changelist"), {"q": "ira"})
    html = response.content.decode()
    assert "Iran" in html and "Batteries" not in html
    assert '<td class="field-article_count">2</td>' in html
    add = staff_client.get(reverse("admin:articles_tag_add")).content.decode()
    assert "prepopulated" in add


def test_article_list_in_the_admin_finds_articles_by_tag(staff_client, iran):
    make_article(title="Tehran talks", tags=[iran])
    make_article(title="Tram line opens")
    html = staff_client.get(reverse("admin:articles_article_changelist"), {"q": "iran"}).content.decode()
    assert "Tehran talks" in html and "Tram line opens" not in html
