"""Reply notifications end to end: gunicorn with production settings, the real task worker
(`manage.py db_worker`, database backend) and a local SMTP listener that records what it receives."""

import json
import re
import time
from urllib.parse import urlsplit

import psycopg
import pytest

from tests.hardening.servers import (
    PASSWORD,
    Gunicorn,
    Reader,
    TaskWorker,
    free_port,
    manage,
    production_env,
    smtp_listener,
)

SEED = """
import json
from comments.models import Comment
from tests.factories import make_article, make_user

article = make_article(title="Night trains return")
users = {{name: make_user(username=name, display_name=name.title(), email=f"{{name}}@example.org",
                          password={password!r}) for name in ("alice", "bob", "carol", "dana")}}
comments = {{name: Comment.objects.create(article=article, author=users[name], body=f"{{name}} thinks so").pk
             for name in ("alice", "carol", "dana")}}
print(json.dumps({{"slug": article.slug, "comments": comments}}))
"""


@pytest.fixture
def smtp():
    with smtp_listener() as listener:
        yield listener


def wait_for_tasks(database, worker, timeout=30):
    """Until the worker has run every queued task (the mails a task queues included)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with psycopg.connect(database) as connection:
            statuses = dict(
                connection.execute(
                    "SELECT status, count(*) FROM django_tasks_database_dbtaskresult GROUP BY status"
                )
            )
        if not statuses.get("READY") and not statuses.get("RUNNING"):
            assert not statuses.get("FAILED"), worker.output()
            return statuses
        assert worker.process.poll() is None, worker.output()
        time.sleep(0.05)
    raise AssertionError(f"tasks still waiting: {statuses}\n{worker.output()}")


def query(database, sql, *params):
    with psycopg.connect(database) as connection:
        return connection.execute(sql, params).fetchall()


def text_and_html(message):
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def test_a_reply_is_mailed_once_with_working_links_and_unsubscribes_work(
    fresh_database, collected_static, smtp
):
    controller, recorder = smtp
    port = free_port()
    env = production_env(
        fresh_database,
        COMMENTS_MIN_INTERVAL_SECONDS="0",
        COMMENTS_MAX_PER_HOUR="0",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(controller.port),
        EMAIL_USE_TLS="0",
        NEWSBLOG_SITE_URL=f"http://127.0.0.1:{port}",
        NEWSBLOG_NOTIFICATION_DELAY_SECONDS="0",
    )
    data = json.loads(
        manage("shell", "-c", SEED.format(password=PASSWORD), env=env).stdout.strip().splitlines()[-1]
    )
    article_path = f"/articles/{data['slug']}/"
    comment_path = f"/articles/{data['slug']}/comments/"
    server = Gunicorn(env, workers=1, port=port).start()
    worker = TaskWorker(env)
    try:
        bob, alice = Reader(), Reader()
        assert bob.log_in(server, "bob")[0] == 302
        assert alice.log_in(server, "alice")[0] == 302

        def post_reply(reader, parent, body):
            status, headers, _ = reader.post_form(
                server, article_path, comment_path, body=body, parent=data["comments"][parent]
            )
            assert status == 302, body
            return int(headers["Location"].rsplit("#comment-", 1)[1])

        reply_id = post_reply(bob, "alice", "Bob says <yes> to Alice")
        post_reply(bob, "dana", "Bob answers Dana")
        post_reply(alice, "alice", "Alice adds to her own comment")
        hidden_id = post_reply(bob, "carol", "Bob's rude answer to Carol")
        # A moderator hides it before the worker gets to it.
        query(
            fresh_database,
            "UPDATE comments_comment SET state = 'hidden' WHERE id = %s RETURNING id",
            hidden_id,
        )

        worker.start()
        wait_for_tasks(fresh_database, worker)
        assert sorted(to for to, _ in recorder.received()) == [["alice@example.org"], ["dana@example.org"]]
        mails = {to[0]: message for to, message in recorder.received()}

        # Alice's mail: the reply's text, a link to it that works, and the unsubscribe link.
        message = mails["alice@example.org"]
        text, html = text_and_html(message)
        assert message["Subject"].strip() == "Bob replied to your comment on “Night trains return”"
        assert "Bob says <yes> to Alice" in text and "Bob says &lt;yes&gt; to Alice" in html
        assert "Dana" not in text and "own comment" not in text and "rude" not in text
        link = re.search(r"Read it and reply: (\S+)", text).group(1)
        assert link == f"http://127.0.0.1:{port}{article_path}#comment-{reply_id}"
        status, _, body = server.request("GET", urlsplit(link).path)
        assert status == 200 and f'id="comment-{reply_id}"' in body.decode()

        unsubscribe = re.search(r"<(http://[^>]+)>", message["List-Unsubscribe"]).group(1)
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert unsubscribe in text and f'href="{unsubscribe}"' in html
        path = urlsplit(unsubscribe).path

        # By link: opening it only asks (as a mail scanner would), the button unsubscribes.
        status, _, body = server.request("GET", path)
        assert status == 200 and b">Unsubscribe</button>" in body
        assert query(fresh_database, "SELECT notify_replies FROM accounts_user WHERE username = 'alice'") == [
            (True,)
        ]
        status, _, body = server.request("POST", path, headers={"Content-Length": "0"})
        assert status == 200 and b"You're unsubscribed" in body

        # By the mail client's one-click POST: no cookie, no CSRF token.
        assert "Bob answers Dana" in text_and_html(mails["dana@example.org"])[0]
        dana_link = re.search(r"<(http://[^>]+)>", mails["dana@example.org"]["List-Unsubscribe"]).group(1)
        status, _, _ = server.request(
            "POST",
            urlsplit(dana_link).path,
            body="List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert status == 200
        settings_now = query(
            fresh_database,
            "SELECT username, notify_replies FROM accounts_user WHERE username IN ('alice', 'dana') "
            "ORDER BY username",
        )
        assert settings_now == [("alice", False), ("dana", False)]

        # Unsubscribed: the next replies are not mailed.
        post_reply(bob, "alice", "Bob again, to Alice")
        post_reply(bob, "dana", "Bob again, to Dana")
        wait_for_tasks(fresh_database, worker)
        assert len(recorder.received()) == 2
        outcomes = query(
            fresh_database,
            "SELECT outcome, count(*) FROM comments_commentnotification GROUP BY outcome ORDER BY 1",
        )
        # Carol's hidden reply was skipped; nobody is queued to be told anything once unsubscribed.
        assert outcomes == [("sent", 2), ("skipped", 1)]
        assert "Traceback" not in worker.output() + server.output()
    finally:
        worker.stop()
        server.stop()
