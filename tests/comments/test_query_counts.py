"""The article page costs the same number of queries with 5 or 200 comments."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_article, make_comment, make_user

pytestmark = pytest.mark.django_db


def article_with_comments(count):
    article = make_article()
    authors = [make_user() for _ in range(5)]
    threads = []
    for i in range(count):
        parent = threads[i % len(threads)] if threads and i % 3 == 0 else None
        comment = make_comment(article=article, author=authors[i % 5], parent=parent)
        if parent is None:
            threads.append(comment)
    return article


def queries_for(client, url):
    client.get(url)  # warm the cached section list
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("signed_in", [False, True])
def test_article_page_queries_do_not_grow_with_comments(client, signed_in):
    if signed_in:
        client.force_login(make_user())
    few, many = article_with_comments(5), article_with_comments(200)
    assert queries_for(client, few.get_absolute_url()) == queries_for(client, many.get_absolute_url())


def test_article_page_query_budget(client, django_assert_num_queries):
    article = article_with_comments(200)
    client.get(article.get_absolute_url())
    # article + author + category, related articles, comment counts, page of threads + authors,
    # their replies + authors
    with django_assert_num_queries(5):
        client.get(article.get_absolute_url())


def test_signed_in_article_page_query_budget(client, django_assert_num_queries):
    article = article_with_comments(200)
    client.force_login(make_user())
    client.get(article.get_absolute_url())
    # session, user, then the five above
    with django_assert_num_queries(7):
        client.get(article.get_absolute_url())


def test_home_page_comment_counts_cost_no_extra_queries(client, django_assert_num_queries):
    for _ in range(12):
        make_comment(article=make_article())
    client.get("/")
    # count, page of articles + authors + categories + comment counts
    with django_assert_num_queries(2):
        client.get("/")
