"""The article page costs the same number of queries with 5 or 200 comments."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_article, make_comment, make_staff, make_user

# Counts what building the page costs, so the anonymous page cache is off here.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_page_cache")]


def article_with_comments(count):
    article = make_article()
    # Staff among them: their "Staff" badge reads the author rows already fetched.
    authors = [make_user() for _ in range(4)] + [make_staff()]
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
    # article + author + category, its tags, its corrections, related articles, comment counts, page
    # of threads + authors, the section menu's version, their replies + authors
    with django_assert_num_queries(8):
        client.get(article.get_absolute_url())


def test_signed_in_article_page_query_budget(client, django_assert_num_queries):
    article = article_with_comments(200)
    client.force_login(make_user())
    client.get(article.get_absolute_url())
    # session, user, then the eight above
    with django_assert_num_queries(10):
        client.get(article.get_absolute_url())


def test_home_page_comment_counts_cost_no_extra_queries(client, django_assert_num_queries):
    for _ in range(12):
        make_comment(article=make_article())
    client.get("/")
    # the section menu's version; the front page's three (newest stories, sections, section
    # stories); comment counts are on the rows
    with django_assert_num_queries(4):
        client.get("/")


def bulk_comments(article, count):
    from comments.models import Comment, update_article_counters

    authors = [make_user() for _ in range(9)] + [make_staff()]
    threads = Comment.objects.bulk_create(
        Comment(article=article, author=authors[i % 10], body=f"Thread {i}", body_html=f"<p>Thread {i}</p>")
        for i in range(count // 2)
    )
    Comment.objects.bulk_create(
        Comment(
            article=article,
            author=authors[i % 10],
            parent=threads[i % len(threads)],
            body=f"Reply {i}",
            body_html=f"<p>Reply {i}</p>",
        )  # fmt: skip
        for i in range(count - count // 2)
    )
    update_article_counters([article.pk])


def test_article_page_costs_the_same_with_10_or_1000_comments(client):
    few, many = make_article(), make_article()
    bulk_comments(few, 10)
    bulk_comments(many, 1000)
    assert queries_for(client, few.get_absolute_url()) == queries_for(client, many.get_absolute_url()) == 8


def test_home_costs_the_same_with_10_or_1000_articles(client):
    from articles.models import Article

    category, author = make_article().category, make_user()
    client.get("/")
    small = queries_for(client, "/")
    Article.objects.bulk_create(
        Article(
            title=f"Bulk {i}",
            slug=f"bulk-{i}",
            author=author,
            category=category,
            summary="Point",
            body="Body",
            body_html="<p>Body</p>",
            status="published",
            published_at=few_hours_ago(),
        )  # fmt: skip
        for i in range(1000)
    )
    # the front page: the section menu's version, newest stories, sections, section stories;
    # a section: the menu's version, category, page (no count)
    assert queries_for(client, "/") == small == 4
    assert queries_for(client, category.get_absolute_url()) == 3


def few_hours_ago():
    from datetime import timedelta

    from django.utils import timezone

    return timezone.now() - timedelta(hours=3)
