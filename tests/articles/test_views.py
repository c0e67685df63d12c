from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article
from tests.factories import image_upload, make_article, make_category, make_staff, make_user

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
    assert first.content.decode().count('class="card"') == 10
    second = client.get("/?page=2")
    assert second.content.decode().count('class="card"') == 2
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
    assert "Published on <time datetime=" in html
    assert "Updated on" not in html
    assert "<li>Ferries run every 20 minutes.</li>" in html
    assert "<strong>new</strong>" in html
    assert "Log in to leave a comment" in html
    assert f"/accounts/login/?next={article.get_absolute_url()}%23comments" in html


def test_updated_date_shows_after_a_real_edit(client):
    article = make_article(published_at=timezone.now() - timedelta(days=1))
    article.body = "Corrected figures."
    article.save()
    assert b"Updated on" in client.get(article.get_absolute_url()).content


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
    client.force_login(make_staff())
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert "Draft — not public" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


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
