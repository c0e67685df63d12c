"""A newsletter to 2,000 subscribers, sent by the real task worker (`manage.py db_worker`, the database
backend) to a local SMTP listener; the worker is killed (SIGKILL) mid-send and started again the way
production starts it (`newsletter_resume`, then `db_worker`). Each subscriber ends up with exactly one
newsletter: one Message-ID each, and at most one extra copy of that same message for the kill (the
message in flight when the worker died; see newsletter/sending.py for why no SMTP client can do better).
Runs on SQLite and on PostgreSQL."""

import email
import email.policy
import os
import sqlite3
import time
from collections import defaultdict
from urllib.parse import urlsplit

import psycopg
import pytest

from tests.hardening.servers import TaskWorker, clean_env, manage, smtp_listener

SUBSCRIBERS = 2000
SITE_URL = "https://news.example"

SEED = f"""
from django.utils import timezone
from newsletter.models import Subscriber
from tests.factories import make_article

now = timezone.now()
Subscriber.objects.bulk_create(
    [Subscriber(email=f"reader{{n}}@example.com", confirmed_at=now) for n in range({SUBSCRIBERS})]
)
article = make_article(title="Two thousand readers", send_to_subscribers=True)
print(article.pk)
"""


@pytest.fixture
def smtp():
    with smtp_listener() as listener:
        yield listener


def postgres_url(name):
    base = os.environ.get("DATABASE_URL", "") or "postgres://postgres@127.0.0.1:5432/postgres"
    parts = urlsplit(base)
    if not parts.scheme.startswith("postgres"):
        parts = urlsplit("postgres://postgres@127.0.0.1:5432/postgres")
    admin_url = parts._replace(path="/postgres").geturl()
    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable: {error}")
        pytest.skip(f"PostgreSQL is not reachable: {error}")
    return parts._replace(path=f"/{name}").geturl(), admin_url


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'newsletter.sqlite3'}"
        return
    name = f"newsblog_newsletter_killed_{os.getpid()}"
    url, admin_url = postgres_url(name)
    yield url
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def query(database_url, sql):
    if database_url.startswith("sqlite:///"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=20) as connection:
            return connection.execute(sql).fetchall()
    with psycopg.connect(database_url) as connection:
        return connection.execute(sql).fetchall()


def wait_for(condition, what, timeout, worker):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if worker.process.poll() is not None:
            raise AssertionError(f"the worker exited while waiting for {what}:\n{worker.output()}")
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}:\n{worker.output()}")


def test_a_send_killed_midway_and_restarted_mails_each_subscriber_exactly_once(database, smtp):
    controller, recorder = smtp
    env = clean_env(
        DATABASE_URL=database,
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(controller.port),
        EMAIL_USE_TLS="0",
        NEWSBLOG_SITE_URL=SITE_URL,
        NEWSLETTER_MAX_PER_MINUTE="1000000",
        NEWSLETTER_BATCH_SIZE="100",
        NEWSLETTER_CLAIM_SECONDS="4",
        DJANGO_LOG_LEVEL="WARNING",
    )
    started = time.monotonic()
    manage("migrate", "--noinput", env=env)
    manage("shell", "-c", SEED, env=env)
    print(f"migrated and seeded in {time.monotonic() - started:.1f} s")
    started = time.monotonic()

    first = TaskWorker(env).start()
    try:
        wait_for(lambda: recorder.count() >= SUBSCRIBERS // 3, "a third of the mail", 120, first)
        first.kill()
    finally:
        first.stop()
    at_kill = recorder.count()
    print(f"{at_kill} messages before the kill, in {time.monotonic() - started:.1f} s")
    assert at_kill < SUBSCRIBERS, "the worker finished before it could be killed: nothing was tested"

    manage("newsletter_resume", env=env)
    second = TaskWorker(env).start()
    try:
        finished = "SELECT count(*) FROM newsletter_send WHERE finished_at IS NOT NULL"
        wait_for(lambda: query(database, finished) == [(1,)], "the send to finish", 180, second)
    finally:
        second.stop()

    print(f"{recorder.count()} messages in all, in {time.monotonic() - started:.1f} s")
    statuses = dict(query(database, "SELECT status, count(*) FROM newsletter_delivery GROUP BY status"))
    assert statuses == {"sent": SUBSCRIBERS}

    ids_by_recipient = defaultdict(set)
    copies = 0
    for recipients, content in recorder.messages:
        message = email.message_from_bytes(content, policy=email.policy.default)
        assert message["List-Unsubscribe"].strip().startswith(f"<{SITE_URL}/newsletter/unsubscribe/")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert sorted(part.get_content_type() for part in message.walk() if not part.is_multipart()) == [
            "text/html",
            "text/plain",
        ]
        for recipient in recipients:
            ids_by_recipient[recipient].add(message["Message-ID"])
            copies += 1
    assert sorted(ids_by_recipient) == sorted(f"reader{n}@example.com" for n in range(SUBSCRIBERS))
    assert {len(ids) for ids in ids_by_recipient.values()} == {1}, "one message per subscriber"
    # The one message in flight when the worker died may have reached the relay before its "sent" was
    # written: it is sent again, with the same Message-ID. Never more than that one.
    assert SUBSCRIBERS <= copies <= SUBSCRIBERS + 1, (copies, at_kill)
