"""Every reader page runs a fixed number of queries, however many articles there are."""

import pytest

from articles.models import Correction
from tests.factories import image_upload, make_article, make_category, make_staff, make_tag

# Counts what building the page costs, so the anonymous page cache is off here.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_page_cache")]


def make_articles(count, category, author):
    for _ in range(count):
        make_article(category=category, author=author)


@pytest.mark.parametrize(("count", "sections"), [(3, 1), (30, 3), (60, 12)])
def test_front_page_queries_do_not_grow(client, django_assert_num_queries, count, sections):
    author = make_staff()
    categories = [make_category() for _ in range(sections)]
    for i in range(count):
        image = {"lead_image": image_upload(), "lead_image_alt": "A photo"} if i % 3 == 0 else {}
        make_article(category=categories[i % sections], author=author, **image)
    client.get("/")  # warms the cached section list in the header
    # the section menu's version; the newest stories + authors + categories; the sections in the
    # menu (6 shown at most); the newest stories of every shown section + authors + categories (one
    # UNION, or one window)
    with django_assert_num_queries(4):
        response = client.get("/")
    assert response.status_code == 200
    assert len(response.context["sections"]) <= 6


@pytest.mark.parametrize("count", [13, 40])
def test_later_home_pages_queries_do_not_grow(client, django_assert_num_queries, count):
    make_articles(count, make_category(), make_staff())
    client.get("/")
    # the section menu's version, page of articles + authors + categories (no count)
    with django_assert_num_queries(2):
        assert client.get("/?page=2").status_code == 200


@pytest.mark.parametrize("count", [3, 30])
def test_category_queries_do_not_grow(client, django_assert_num_queries, count):
    category = make_category()
    make_articles(count, category, make_staff())
    client.get("/")
    # the section menu's version, category, page of articles + authors + categories (no count)
    with django_assert_num_queries(3):
        assert client.get(category.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("count", [3, 30])
def test_author_queries_do_not_grow(client, django_assert_num_queries, count):
    author = make_staff()
    make_articles(count, make_category(), author)
    client.get("/")
    # the section menu's version, author, page of articles + authors + categories (no count)
    with django_assert_num_queries(3):
        assert client.get(author.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("tags", [0, 1, 8])
def test_article_page_query_budget(client, django_assert_num_queries, tags):
    category, author = make_category(), make_staff()
    shared = [make_tag() for _ in range(tags)]
    image = {"lead_image": image_upload(), "lead_image_alt": "A photo"}
    article = make_article(category=category, tags=shared, **image)
    for _ in range(5):
        make_article(category=category, author=author, tags=shared)
    client.get("/")
    # the section menu's version, article + author + category, its tags, its corrections, related
    # articles (one query however many tags), comment thread count, comment threads
    with django_assert_num_queries(7):
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert len(response.context["related_articles"]) == 3


@pytest.mark.parametrize("count", [3, 30])
def test_tag_queries_do_not_grow(client, django_assert_num_queries, count):
    tag, category, author = make_tag(), make_category(), make_staff()
    for _ in range(count):
        make_article(category=category, author=author, tags=[tag, make_tag()])
    client.get("/")
    # the section menu's version, tag (with a published article), page of articles + authors +
    # categories (no count)
    with django_assert_num_queries(3):
        assert client.get(tag.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("corrections", [0, 1, 12])
def test_article_page_costs_the_same_with_any_corrections(client, django_assert_num_queries, corrections):
    article = make_article(lead_image=image_upload(), lead_image_alt="A photo")
    for n in range(corrections):
        Correction.objects.create(article=article, text=f"Correction number {n}.")
    client.get("/")
    # the section menu's version, article + author + category, its tags, its corrections, related
    # articles, comment thread count, comment threads
    with django_assert_num_queries(7):
        assert client.get(article.get_absolute_url()).status_code == 200


def test_signed_in_reader_adds_only_session_and_user(client, django_assert_num_queries):
    article = make_article()
    client.force_login(make_staff())
    client.get("/")
    # session, user, then the seven of an anonymous reader's article page (above)
    with django_assert_num_queries(9):
        assert client.get(article.get_absolute_url()).status_code == 200
