from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article, Category
from articles.roles import EDITOR, WRITER
from tests.factories import image_upload, make_article, make_category, make_member, make_staff, make_user

pytestmark = pytest.mark.django_db


def test_home_lists_latest_published_articles_newest_first(client):
    older = make_article(title="Older story", published_at=timezone.now() - timedelta(days=2))
    newer = make_article(title="Newer story", published_at=timezone.now() - timedelta(hours=1))
    make_article(title="Secret draft", status=Article.Status.DRAFT)
    response = client.get("/")
    assert response.status_code == 200
    content = response.content.decode()
    assert content.index(newer.title) < content.index(older.title)
    assert "Secret draft" not in content
    assert newer.category.name in content
    assert newer.author.display_name in content
    assert "First point of the story." in content


def test_home_paginates_ten_a_page(client):
    category, author = make_category(), make_staff()
    for i in range(12):
        make_article(title=f"Story {i:02d}", category=category, author=author,
                     published_at=timezone.now() - timedelta(hours=i + 1))  # fmt: skip
    first = client.get("/")
    shown = [article.title for article in [first.context["lead"], *first.context["stories"]]]
    assert shown == [f"Story {i:02d}" for i in range(10)]
    assert '<a href="?page=2">More news →</a>' in first.content.decode()
    second = client.get("/?page=2")
    assert second.content.decode().count('<article class="card') == 2
    assert b"Story 11" in second.content


@pytest.mark.parametrize("page", ["3", "0", "-1", "abc", "1e9", "99999999999999999999"])
def test_bad_page_numbers_are_404_not_500(client, page):
    make_article()
    response = client.get("/", {"page": page})
    assert response.status_code == 404


def test_article_page_shows_what_the_design_describes(client):
    article = make_article(
        title="Harbour ferry timetable changes",
        summary="Ferries run every 20 minutes.\nThe night service is new.",
        body="## Details\n\nThe **new** timetable starts Monday.",
        published_at=timezone.now() - timedelta(days=1),
    )
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<h1 id="article-title" class="article-title">{article.title}</h1>' in html
    assert article.category.name in html
    assert f'href="/authors/{article.author.username}/"' in html
    assert f"@{article.author.username}" in html
    assert "Published on: <time datetime=" in html
    assert "Updated on: <time datetime=" in html  # shown even when it is the publication date
    assert "<li>Ferries run every 20 minutes.</li>" in html
    assert "<strong>new</strong>" in html
    assert "Log in to leave a comment" in html
    assert f"/accounts/login/?next={article.get_absolute_url()}%23comments" in html


def test_updated_date_moves_after_a_real_edit(client):
    article = make_article(published_at=timezone.now() - timedelta(days=3))
    article.body = "Corrected figures."
    article.save()
    html = client.get(article.get_absolute_url()).content.decode()
    assert f'Updated on: <time datetime="{timezone.localtime().date().isoformat()}' in html


def test_lead_image_has_srcset_and_dimensions(client):
    article = make_article(lead_image=image_upload(size=(1600, 900)), lead_image_alt="Ferry at dusk",
                           lead_image_caption="The new night ferry.")  # fmt: skip
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'alt="Ferry at dusk"' in html
    assert 'width="1600" height="900"' in html
    assert "480w" in html and "960w" in html
    assert "The new night ferry." in html


@pytest.mark.parametrize("kind", ["draft", "scheduled", "unknown"])
def test_unpublished_and_unknown_articles_are_404_for_readers(client, kind):
    if kind == "draft":
        url = make_article(status=Article.Status.DRAFT).get_absolute_url()
    elif kind == "scheduled":
        url = make_article(published_at=timezone.now() + timedelta(days=1)).get_absolute_url()
    else:
        url = "/articles/no-such-article/"
    assert client.get(url).status_code == 404
    client.force_login(make_user())
    assert client.get(url).status_code == 404


def test_staff_preview_of_a_draft_has_a_banner_and_is_never_cached(client):
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    client.force_login(make_member(EDITOR))
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Draft — not public" in html
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    # Nobody may comment on a draft: no form whose Post would fail (it used to give a 404).
    assert 'id="comments"' not in html and "<textarea" not in html
    assert response["X-Robots-Tag"] == "noindex" and '<meta name="robots" content="noindex">' in html


def test_staff_preview_is_for_editors_and_the_article_s_own_writer(client):
    writer = make_member(WRITER)
    article = make_article(author=writer, status=Article.Status.REVIEW, published_at=None)
    for user, status in ((writer, 200), (make_member(WRITER), 404), (make_staff(), 404), (make_user(), 404)):
        client.force_login(user)
        assert client.get(article.get_absolute_url()).status_code == status


def test_category_page_lists_only_its_articles(client):
    mine, other = make_category(name="Science"), make_category()
    make_article(title="In science", category=mine)
    make_article(title="Elsewhere", category=other)
    response = client.get(mine.get_absolute_url())
    assert response.status_code == 200
    assert b"In science" in response.content
    assert b"Elsewhere" not in response.content
    assert client.get("/category/no-such-section/").status_code == 404
    assert client.get(mine.get_absolute_url() + "?page=5").status_code == 404


def test_author_page_shows_name_bio_and_articles(client):
    author = make_staff(display_name="Ada Writer", bio="Writes about trains.")
    make_article(title="Trains at night", author=author)
    make_article(title="Not hers")
    response = client.get(f"/authors/{author.username}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ada Writer" in html and "Writes about trains." in html
    assert "Trains at night" in html and "Not hers" not in html
    assert client.get("/authors/nobody-here/").status_code == 404


def test_display_names_and_titles_are_escaped(client):
    author = make_staff(display_name="<script>alert(1)</script>")
    article = make_article(title="<b>Bold</b> & brave", author=author)
    for url in ("/", article.get_absolute_url(), author.get_absolute_url()):
        html = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<b>Bold</b>" not in html


def test_reader_pages_refuse_post(client):
    article = make_article()
    assert client.post(article.get_absolute_url()).status_code == 405
    assert client.post("/").status_code == 405


def test_section_menu_lists_only_sections_with_published_articles_a_to_z_whatever_the_case(client):
    for name in ("World", "blog", "Arts"):
        make_article(category=make_category(name=name))
    make_category(name="Empty")
    make_article(category=make_category(name="Drafts only"), status=Article.Status.DRAFT)
    make_article(category=make_category(name="Scheduled"), published_at=timezone.now() + timedelta(hours=1))
    html = client.get("/").content.decode()
    start = html.index('aria-label="Sections"')
    menu = html[start : html.index("</nav>", start)]
    names = [part.split("<")[0] for part in menu.split('/">')[1:]]
    assert names == ["Arts", "blog", "World", "RSS feed"]
    assert list(Category.objects.in_menu().values_list("name", flat=True)) == ["Arts", "blog", "World"]


def test_feed_link_and_labelled_search_box_are_on_every_page(client):
    make_article()
    html = client.get("/").content.decode()
    assert '<a class="feed-link" href="/feed/">RSS feed</a>' in html
    assert '<label for="header-q">Search articles</label>' in html


def test_credit_is_shown_as_written(client):
    article = make_article(
        lead_image=image_upload(), lead_image_alt="A drawing", lead_image_caption="The new bridge.",
        lead_image_credit="Illustration: newsblog",
    )  # fmt: skip
    html = client.get(article.get_absolute_url()).content.decode()
    assert '<span class="credit">Illustration: newsblog</span>' in html
    assert "Photo:" not in html


def test_share_links_are_plain_links_to_this_article(client):
    article = make_article(title="Ferries & trains")
    html = client.get(article.get_absolute_url()).content.decode()
    share = html[html.index('class="share"') : html.index("</nav>", html.index('class="share"'))]
    url = "http%3A%2F%2Ftestserver%2Farticles%2F" + article.slug + "%2F"
    assert f'href="mailto:?subject=Ferries%20%26%20trains&amp;body={url}"' in share
    assert f'href="http://testserver{article.get_absolute_url()}"' in share
    assert f'href="https://www.facebook.com/sharer/sharer.php?u={url}"' in share
    for network in ("Bluesky", "X", "LinkedIn", "Reddit", "WhatsApp"):
        assert f">{network}</a>" in share
    assert "<script" not in share and "<img" not in share and "<iframe" not in share


def test_only_people_who_publish_have_an_author_page(client):
    reader = make_user(username="reader")
    staff_without_articles = make_staff(username="newhire")
    drafter = make_staff(username="drafter")
    make_article(author=drafter, status=Article.Status.DRAFT)
    author = make_staff(username="Ada")
    make_article(author=author)
    for user in (reader, staff_without_articles, drafter):
        assert client.get(f"/authors/{user.username}/").status_code == 404
    assert client.get("/authors/Ada/").status_code == 200  # the permanent URL, as spelt


def test_comment_author_names_link_only_to_authors_who_publish(client):
    from tests.factories import make_comment

    author = make_staff(username="writer", display_name="Writer")
    article = make_article(author=author)
    reader = make_user(username="talker", display_name="Talker")
    make_comment(article=article, author=reader)
    make_comment(article=article, author=author)
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'class="comment-author"><bdi>Talker</bdi></span>' in html
    assert "/authors/talker/" not in html
    assert 'class="comment-author" href="/authors/writer/"><bdi>Writer</bdi></a>' in html


def test_a_section_joins_the_menu_when_its_first_article_is_published(client):
    make_article(category=make_category(name="Arts"))
    section = make_category(name="Science")
    draft = make_article(category=section, status=Article.Status.DRAFT)
    assert ">Science</a>" not in client.get("/").content.decode()
    draft.status = Article.Status.PUBLISHED
    draft.save()
    assert ">Science</a>" in client.get("/").content.decode()
