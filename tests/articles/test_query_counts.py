"""Every reader page runs a fixed number of queries, however many articles there are."""

import pytest

from tests.factories import image_upload, make_article, make_category, make_staff

# Counts what building the page costs, so the anonymous page cache is off here.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_page_cache")]


def make_articles(count, category, author):
    for _ in range(count):
        make_article(category=category, author=author)


@pytest.mark.parametrize("count", [3, 30])
def test_home_queries_do_not_grow(client, django_assert_num_queries, count):
    make_articles(count, make_category(), make_staff())
    client.get("/")  # warms the cached section list in the header
    # the section menu's version, page of articles + authors + categories (no count)
    with django_assert_num_queries(2):
        assert client.get("/").status_code == 200


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


def test_article_page_query_budget(client, django_assert_num_queries):
    article = make_article(lead_image=image_upload(), lead_image_alt="A photo")
    client.get("/")
    # the section menu's version, article + author + category, related articles, comment thread
    # count, comment threads
    with django_assert_num_queries(5):
        assert client.get(article.get_absolute_url()).status_code == 200


def test_signed_in_reader_adds_only_session_and_user(client, django_assert_num_queries):
    article = make_article()
    client.force_login(make_staff())
    client.get("/")
    # the section menu's version, session, user, then the four above
    with django_assert_num_queries(7):
        assert client.get(article.get_absolute_url()).status_code == 200
