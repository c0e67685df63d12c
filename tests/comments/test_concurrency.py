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


def test_task_runs_racing_for_the_same_reader_mail_each_reply_once(settings):
    """Two workers (or a repeated task) at once: one run takes every waiting reply, the others none."""
    from threading import Barrier

    from django_tasks_db.models import DBTaskResult

    from comments.notifications import send_comment_notifications
    from comments.services import post_comment
    from tests.factories import make_comment

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    alice = make_user()
    comment = make_comment(author=alice)
    for n in range(5):
        post_comment(article=comment.article, author=make_user(), body=f"Reply {n}", parent=comment)
    start = Barrier(6)

    def run(_):
        try:
            start.wait()
            return send_comment_notifications.call(recipient_id=alice.pk, kind="reply")
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=6) as pool:
        told = sorted(pool.map(run, range(6)))
    assert told == [0, 0, 0, 0, 0, 5]
    assert DBTaskResult.objects.filter(task_path="accounts.tasks.send_email").count() == 1
