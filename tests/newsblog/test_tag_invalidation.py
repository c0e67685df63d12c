"""Tags and the page cache: a renamed tag, and a tag added to or taken from an article (from either
side, or in the admin), show on the very next request on every page that shows them, and leave the
other tags' pages cached. Runs with both cache setups, like tests/newsblog/test_invalidation.py."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from tests.factories import article_admin_form, make_article, make_category, make_staff, make_tag
from tests.newsblog.test_cache import backend  # noqa: F401 - every test runs with both cache setups
from tests.newsblog.test_invalidation import signed_in, stays_cached

pytestmark = pytest.mark.django_db


@pytest.fixture
def tagged():
    """Two tags with an article each, and a third tag on an article of its own."""
    iran, russia, oil = make_tag(name="Iran"), make_tag(name="Russia"), make_tag(name="Oil")
    first = make_article(title="Tehran talks", tags=[iran])
    second = make_article(title="Moscow summit", tags=[russia], category=make_category(), author=make_staff())
    third = make_article(title="Crude prices", tags=[oil], category=make_category(), author=make_staff())
    return first, second, third, (iran, russia, oil)


def text(client, url):
    return client.get(url).content.decode()


def test_a_renamed_tag_shows_on_its_articles_and_its_page(client, tagged, django_assert_max_num_queries):
    first, second, _, (iran, russia, _) = tagged
    text(client, first.get_absolute_url())
    text(client, iran.get_absolute_url())
    text(client, reverse("articles:feed"))
    other = client.get(russia.get_absolute_url())
    iran.name = "Islamic Republic of Iran"
    iran.save()
    assert 'rel="tag">Islamic Republic of Iran<' in text(client, first.get_absolute_url())
    assert "Islamic Republic of Iran</h1>" in text(client, iran.get_absolute_url())
    assert "<category>Islamic Republic of Iran</category>" in text(client, reverse("articles:feed"))
    stays_cached(client, russia.get_absolute_url(), other["ETag"], django_assert_max_num_queries)


def test_a_tag_added_to_an_article_shows_on_the_article_and_the_tag_page(
    client, tagged, django_assert_max_num_queries
):
    first, _, _, (iran, russia, oil) = tagged
    assert 'rel="tag">Russia<' not in text(client, first.get_absolute_url())
    assert "Tehran talks" not in text(client, russia.get_absolute_url())
    other = client.get(oil.get_absolute_url())
    first.tags.add(russia)
    assert 'rel="tag">Russia<' in text(client, first.get_absolute_url())
    assert "Tehran talks" in text(client, russia.get_absolute_url())
    stays_cached(client, oil.get_absolute_url(), other["ETag"], django_assert_max_num_queries)


def test_a_tag_taken_from_an_article_leaves_the_article_and_the_old_tag_page(client, tagged):
    first, _, _, (iran, _, oil) = tagged
    first.tags.add(oil)
    assert "Tehran talks" in text(client, oil.get_absolute_url())
    assert 'rel="tag">Oil<' in text(client, first.get_absolute_url())
    first.tags.remove(oil)
    assert "Tehran talks" not in text(client, oil.get_absolute_url())
    assert 'rel="tag">Oil<' not in text(client, first.get_absolute_url())
    first.tags.clear()
    assert client.get(iran.get_absolute_url()).status_code == 404  # its only article left it
    assert 'rel="tag"' not in text(client, first.get_absolute_url())


def test_tagging_from_the_tag_side_moves_the_same_pages(client, tagged):
    first, _, _, (_, russia, _) = tagged
    text(client, first.get_absolute_url())
    text(client, russia.get_absolute_url())
    russia.articles.add(first)
    assert 'rel="tag">Russia<' in text(client, first.get_absolute_url())
    assert "Tehran talks" in text(client, russia.get_absolute_url())
    russia.articles.clear()
    assert 'rel="tag">Russia<' not in text(client, first.get_absolute_url())
    assert client.get(russia.get_absolute_url()).status_code == 404


def test_tags_changed_in_the_admin_move_the_old_and_new_tag_pages(client, tagged):
    first, _, _, (iran, russia, _) = tagged
    editor = signed_in(make_staff(is_superuser=True))
    text(client, first.get_absolute_url())
    text(client, russia.get_absolute_url())
    data = article_admin_form(first, tags="Russia, Sanctions")
    response = editor.post(reverse("admin:articles_article_change", args=[first.pk]), data)
    assert response.status_code == 302
    page = text(client, first.get_absolute_url())
    assert 'rel="tag">Russia<' in page and 'rel="tag">Sanctions<' in page and 'rel="tag">Iran<' not in page
    assert "Tehran talks" in text(client, russia.get_absolute_url())
    assert "Tehran talks" in text(client, "/tags/sanctions/")
    assert client.get(iran.get_absolute_url()).status_code == 404


def test_a_published_tagged_draft_appears_on_the_tag_page(client, tagged, django_assert_max_num_queries):
    first, _, _, (iran, russia, _) = tagged
    draft = make_article(
        title="Late breaking",
        tags=[iran],
        category=first.category,
        status=Article.Status.DRAFT,
        published_at=None,
    )
    assert "Late breaking" not in text(client, iran.get_absolute_url())
    other = client.get(russia.get_absolute_url())
    draft.status = Article.Status.PUBLISHED
    draft.save()
    assert "Late breaking" in text(client, iran.get_absolute_url())
    stays_cached(client, russia.get_absolute_url(), other["ETag"], django_assert_max_num_queries)


def test_a_deleted_tag_leaves_its_articles_and_its_page_is_gone(client, tagged):
    first, _, _, (iran, _, _) = tagged
    text(client, first.get_absolute_url())
    text(client, iran.get_absolute_url())
    iran.delete()
    assert 'rel="tag">Iran<' not in text(client, first.get_absolute_url())
    assert client.get("/tags/iran/").status_code == 404


def test_a_deleted_article_leaves_every_page_of_its_tag(client):
    iran, now = make_tag(), timezone.now()
    newest_first = [make_article(tags=[iran], published_at=now - timedelta(hours=n)) for n in range(1, 13)]
    page_two = text(client, iran.get_absolute_url() + "?page=2")
    moving_up = newest_first[10]
    assert f">{moving_up.title}<" in page_two
    newest_first[0].delete()  # page 2 does not show it, but its first row moves up to page 1
    assert f">{moving_up.title}<" not in text(client, iran.get_absolute_url() + "?page=2")
    assert f">{moving_up.title}<" in text(client, iran.get_absolute_url())


def test_sharing_a_new_tag_moves_related_reading(client, tagged):
    first, second, _, (iran, _, _) = tagged
    article = make_article(title="Reader's story", tags=[iran], category=make_category())
    for _ in range(3):
        make_article(title="Filler", category=article.category)
    assert "Moscow summit" not in text(client, article.get_absolute_url())
    second.tags.add(iran)
    assert "Moscow summit" in text(client, article.get_absolute_url())
