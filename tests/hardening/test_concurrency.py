"""Many people at once on the real database: every accepted write lands exactly once, none is a 500."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections
from django.test import Client

from comments.models import Comment
from tests.factories import make_article, make_user

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL's row locks and real concurrency (CI runs it)",
    ),
]

USERS = 20
POSTS = 200


@pytest.fixture(autouse=True)
def _no_rate_limit_fast_hashing(settings):
    settings.COMMENTS_MIN_INTERVAL_SECONDS = 0
    settings.COMMENTS_MAX_PER_HOUR = 0
    settings.SIGNUP_MAX_PER_HOUR_PER_IP = 0  # every sign-up here comes from 127.0.0.1
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run_at_once(jobs):
    """Run every job in its own thread, released together; each thread closes its own connection."""
    barrier = threading.Barrier(len(jobs))

    def run(job):
        try:
            barrier.wait(timeout=30)
            return job()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(run, jobs))


def test_200_comments_from_20_users_at_once_are_200_rows():
    article = make_article()
    users = [make_user() for _ in range(USERS)]
    url = f"/articles/{article.slug}/comments/"

    def poster(user, n):
        def post_ten():
            client = Client()
            client.force_login(user)
            return [client.post(url, {"body": f"{user.username} says {i}"}).status_code for i in range(n)]

        return post_ten

    results = run_at_once([poster(user, POSTS // USERS) for user in users])
    statuses = [status for batch in results for status in batch]
    assert statuses == [302] * POSTS
    bodies = list(Comment.objects.filter(article=article).values_list("body", flat=True))
    assert len(bodies) == POSTS
    assert len(set(bodies)) == POSTS
    article.refresh_from_db()
    if hasattr(article, "comment_count"):
        assert article.comment_count == POSTS


def test_20_simultaneous_signups_with_one_username_make_one_account():
    def signup(n):
        def post():
            response = Client().post(
                "/accounts/signup/",
                {
                    # The same name in different cases: one person to readers, so one account.
                    "username": "Newcomer" if n % 2 else "newcomer",
                    "email": f"newcomer{n}@example.org",
                    "display_name": f"Newcomer {n}",
                    "password1": "a sturdy passphrase 42",
                    "password2": "a sturdy passphrase 42",
                },
            )
            return response.status_code, response.content.decode()

        return post

    results = run_at_once([signup(n) for n in range(20)])
    statuses = sorted(status for status, _ in results)
    assert statuses == [302] + [400] * 19
    # Each refusal explains itself on the form (the wording in the race window is the model's own).
    assert all("field-error" in body or "form-errors" in body for status, body in results if status == 400)
    assert get_user_model().objects.filter(username__iexact="newcomer").count() == 1
