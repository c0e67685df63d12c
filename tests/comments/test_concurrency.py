"""Concurrent posting on the real database: every accepted comment is saved exactly once."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from django.test import Client

from comments.models import Comment
from tests.factories import make_article, make_user

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks (CI runs it)"),
]


def post_as(user, url, body):
    try:
        client = Client()
        client.force_login(user)
        return client.post(url, {"body": body}).status_code
    finally:
        connections.close_all()


def test_threads_posting_at_once_save_exactly_that_many_rows():
    article = make_article()
    users = [make_user() for _ in range(8)]
    url = f"/articles/{article.slug}/comments/"
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda i: post_as(users[i % 8], url, f"Comment {i}"), range(40)))
    assert statuses == [302] * 40
    assert Comment.objects.filter(article=article).count() == 40


def test_a_double_submit_from_two_tabs_saves_one_comment():
    article = make_article()
    user = make_user()
    url = f"/articles/{article.slug}/comments/"
    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(lambda _: post_as(user, url, "Same words"), range(6)))
    assert sorted(statuses) == [302] + [409] * 5
    assert Comment.objects.filter(article=article).count() == 1
