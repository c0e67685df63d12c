"""Per-object invalidation: a change shows on the very next request on every page that shows it,
and leaves every other cached page, its ETag and its 304s alone. Runs with local memory (versions in
the database) and with Redis, like tests/newsblog/test_cache.py."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from articles.models import Article
from comments.models import Comment
from comments.services import moderate_comments
from tests.factories import make_article, make_category, make_comment, make_staff, make_user
from tests.newsblog.test_cache import backend  # noqa: F401 - every test runs with both cache setups

pytestmark = pytest.mark.django_db


def stays_cached(client, url, etag, django_assert_max_num_queries):
    """The page is still the stored copy: same ETag, a 304 on revalidation, no rendering."""
    with django_assert_max_num_queries(1):  # the tag versions (none at all with Redis)
        again = client.get(url)
    assert again["ETag"] == etag
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304


def signed_in(user):
    browser = Client()
    browser.force_login(user)
    return browser


@pytest.fixture
def two_articles():
    first = make_article(title="First story")
    second = make_article(title="Second story", category=make_category(), author=make_staff())
    make_comment(article=first, body="Original words")
    return first, second


def post(article):
    signed_in(make_user()).post(f"/articles/{article.slug}/comments/", {"body": "A new comment"})
    return "A new comment"


def edit(article):
    comment = Comment.objects.get(article=article)
    signed_in(comment.author).post(f"/comments/{comment.pk}/edit/", {"body": "Edited words"})
    return "Edited words"


def hide(article):
    moderate_comments(comments=Comment.objects.filter(article=article), hide=True)
    return "hidden by a moderator"


def delete(article):
    comment = Comment.objects.get(article=article)
    signed_in(comment.author).post(f"/comments/{comment.pk}/delete/")
    return "deleted by its author"


@pytest.mark.parametrize("change", [post, edit, hide, delete])
def test_a_comment_change_shows_on_its_article_and_leaves_other_articles_cached(
    client, two_articles, change, django_assert_max_num_queries
):
    first, second = two_articles
    before = client.get(first.get_absolute_url())
    other = client.get(second.get_absolute_url())
    expected = change(first)
    after = client.get(first.get_absolute_url(), HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert expected in after.content.decode()
    stays_cached(client, second.get_absolute_url(), other["ETag"], django_assert_max_num_queries)


def test_a_comment_moves_the_count_on_lists_that_show_the_article_only(
    client, two_articles, django_assert_max_num_queries
):
    first, second = two_articles
    client.get(first.category.get_absolute_url())
    other_section = client.get(second.category.get_absolute_url())
    post(first)
    assert "2 comments" in client.get(first.category.get_absolute_url()).content.decode()
    stays_cached(
        client, second.category.get_absolute_url(), other_section["ETag"], django_assert_max_num_queries
    )


def test_an_edited_article_shows_at_once_and_other_sections_stay_cached(
    client, two_articles, django_assert_max_num_queries
):
    first, second = two_articles
    client.get(first.get_absolute_url())
    client.get("/")
    other_section = client.get(second.category.get_absolute_url())
    first.title = "First story, corrected"
    first.save()
    assert "First story, corrected" in client.get(first.get_absolute_url()).content.decode()
    assert "First story, corrected" in client.get("/").content.decode()
    stays_cached(
        client, second.category.get_absolute_url(), other_section["ETag"], django_assert_max_num_queries
    )


def test_a_published_draft_appears_on_the_lists_and_other_sections_stay_cached(
    client, two_articles, django_assert_max_num_queries
):
    first, second = two_articles
    draft = make_article(title="Late breaking", category=first.category, status=Article.Status.DRAFT)
    assert "Late breaking" not in client.get(first.category.get_absolute_url()).content.decode()
    other_section = client.get(second.category.get_absolute_url())
    draft.status = Article.Status.PUBLISHED
    draft.save()
    assert "Late breaking" in client.get(first.category.get_absolute_url()).content.decode()
    assert "Late breaking" in client.get("/").content.decode()
    stays_cached(
        client, second.category.get_absolute_url(), other_section["ETag"], django_assert_max_num_queries
    )


def test_an_article_moved_to_another_section_leaves_the_old_one(client, two_articles):
    first, second = two_articles
    assert "First story" in client.get(first.category.get_absolute_url()).content.decode()
    old_section = first.category
    first.category = second.category
    first.save()
    assert "First story" not in client.get(old_section.get_absolute_url()).content.decode()
    assert "First story" in client.get(second.category.get_absolute_url()).content.decode()


def test_a_scheduled_article_goes_live_on_time_on_every_list(client, monkeypatch):
    soon = timezone.now() + timedelta(minutes=5)
    article = make_article(title="Embargoed story", published_at=soon)
    for url in ("/", article.category.get_absolute_url(), "/feed/"):
        assert b"Embargoed story" not in client.get(url).content
    monkeypatch.setattr(timezone, "now", lambda: soon + timedelta(seconds=1))
    for url in ("/", article.category.get_absolute_url(), "/feed/"):
        assert b"Embargoed story" in client.get(url).content


def test_a_new_display_name_shows_on_the_authors_pages_only(
    client, two_articles, django_assert_max_num_queries
):
    first, second = two_articles
    commenter = Comment.objects.get(article=first).author
    client.get(first.get_absolute_url())
    other = client.get(second.get_absolute_url())
    signed_in(commenter).post("/accounts/profile/", {"display_name": "Renamed Reader", "bio": ""})
    assert "Renamed Reader" in client.get(first.get_absolute_url()).content.decode()
    stays_cached(client, second.get_absolute_url(), other["ETag"], django_assert_max_num_queries)


def test_a_renamed_author_shows_in_their_bylines(client, two_articles):
    first, _ = two_articles
    client.get(first.get_absolute_url())
    client.get("/")
    first.author.display_name = "A New Byline"
    first.author.save()
    assert "A New Byline" in client.get(first.get_absolute_url()).content.decode()
    assert "A New Byline" in client.get("/").content.decode()


def test_a_new_section_appears_in_the_menu_with_its_first_published_article(
    client, two_articles, django_assert_max_num_queries
):
    first, second = two_articles
    client.get(first.get_absolute_url())
    section = make_category(name="Brand New Section", slug="brand-new-section")
    assert "Brand New Section" not in client.get(first.get_absolute_url()).content.decode()  # empty
    draft = make_article(category=section, status=Article.Status.DRAFT)
    assert "Brand New Section" not in client.get("/accounts/login/").content.decode()
    draft.status = Article.Status.PUBLISHED
    draft.save()
    assert "Brand New Section" in client.get(first.get_absolute_url()).content.decode()
    assert "Brand New Section" in client.get("/accounts/login/").content.decode()
    other_section = client.get(second.category.get_absolute_url())
    draft.title = "An edit that keeps it published"  # the menu stays as it is
    draft.save()
    stays_cached(
        client, second.category.get_absolute_url(), other_section["ETag"], django_assert_max_num_queries
    )


def test_a_renamed_section_shows_everywhere_it_is_named(client, two_articles, django_assert_max_num_queries):
    first, second = two_articles
    client.get(first.get_absolute_url())
    category = first.category
    category.name = "Renamed Section"
    category.save()
    assert "Renamed Section" in client.get(first.get_absolute_url()).content.decode()
    assert "Renamed Section" in client.get(second.get_absolute_url()).content.decode()  # the menu


def test_a_login_changes_no_page(client, two_articles, django_assert_max_num_queries):
    first, _ = two_articles
    page = client.get(first.get_absolute_url())
    signed_in(first.author)  # saves the author's last_login only
    stays_cached(client, first.get_absolute_url(), page["ETag"], django_assert_max_num_queries)
