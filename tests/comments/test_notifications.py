"""Reply notifications and editors' comment notifications: who gets a mail, what it says, and that each
comment is mailed once, decided when the task runs (comments/notifications.py)."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.mail import read_unsubscribe_token
from comments.models import Comment, CommentNotification
from comments.notifications import send_comment_notifications
from comments.services import delete_comment, moderate_comments, post_comment
from tests.accounts.conftest import database_tasks, run_worker  # noqa: F401 (a fixture)
from tests.factories import make_article, make_comment, make_staff, make_user

pytestmark = pytest.mark.django_db

SITE = "https://news.example.org"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.NEWSBLOG_SITE_URL = SITE


@pytest.fixture
def thread():
    """Alice's comment on an article by an editor who has not asked about comments."""
    article = make_article(title="Rivers & <Bridges>")
    alice = make_user(username="alice", display_name="Alice", email="alice@example.org")
    comment = make_comment(article=article, author=alice, body="Bridges matter.")
    return article, alice, comment


def reply(parent, author=None, body="I <b>agree</b>,\nand more."):
    return post_comment(
        article=parent.article, author=author or make_user(display_name="Bob"), body=body, parent=parent
    )


def due_now():
    """Make every waiting task due, as if the delay had passed."""
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now() - timedelta(seconds=1))


# What one reply sends (tasks run at once in tests)


def test_a_reply_mails_the_comment_author_once_with_its_text_and_link(thread):
    article, alice, comment = thread
    answer = reply(comment)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.org"]
    assert message.subject == "Bob replied to your comment on “Rivers & <Bridges>”"
    link = f"{SITE}/articles/{article.slug}/#comment-{answer.pk}"
    assert "I <b>agree</b>,\nand more." in message.body and link in message.body
    html = message.alternatives[0][0]
    assert message.alternatives[0][1] == "text/html"
    assert "I &lt;b&gt;agree&lt;/b&gt;,<br>and more." in html and "<b>agree" not in html
    assert "Rivers &amp; &lt;Bridges&gt;" in html
    assert f'href="{link}"' in html
    assert CommentNotification.objects.get().outcome == CommentNotification.Outcome.SENT


def test_every_mail_has_the_unsubscribe_link_and_one_click_headers(thread):
    _, alice, comment = thread
    reply(comment)
    message = mail.outbox[0]
    url = re.search(r"<(https://[^>]+)>", message.extra_headers["List-Unsubscribe"]).group(1)
    assert url.startswith(f"{SITE}/accounts/unsubscribe/")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert url in message.body and f'href="{url}"' in message.alternatives[0][0]
    kind, recipient = read_unsubscribe_token(url.rstrip("/").rsplit("/", 1)[1])
    assert (kind.name, recipient) == ("replies", str(alice.pk))
    assert "Staff" not in message.body


def test_a_reply_to_a_reply_mails_the_person_answered(thread):
    _, alice, comment = thread
    bob = make_user(display_name="Bob", email="bob@example.org")
    first = reply(comment, author=bob)
    reply(first, author=alice, body="Thanks Bob")
    assert [m.to for m in mail.outbox] == [["alice@example.org"], ["bob@example.org"]]
    assert "Thanks Bob" in mail.outbox[1].body


def test_own_replies_are_not_mailed(thread):
    _, alice, comment = thread
    reply(comment, author=alice, body="Replying to myself")
    assert mail.outbox == []
    assert not CommentNotification.objects.exists()


def test_a_reader_who_turned_replies_off_gets_none(thread):
    _, alice, comment = thread
    alice.notify_replies = False
    alice.save()
    reply(comment)
    assert mail.outbox == []


def test_a_staff_replier_is_marked_as_staff(thread):
    _, _, comment = thread
    reply(comment, author=make_staff(display_name="Ed"))
    assert "Ed (Staff)" in mail.outbox[0].body


# Decided when the task runs, after the delay (database backend, as in production)


@pytest.mark.django_db(transaction=True)
def test_the_task_waits_the_delay_before_running(database_tasks, thread, settings):  # noqa: F811
    settings.NEWSBLOG_NOTIFICATION_DELAY_SECONDS = 180
    _, _, comment = thread
    before = timezone.now()
    reply(comment)
    task = DBTaskResult.objects.get()
    assert task.task_path == "comments.notifications.send_comment_notifications"
    assert timedelta(seconds=179) <= task.run_after - before <= timedelta(seconds=190)
    run_worker()
    assert mail.outbox == [] and DBTaskResult.objects.get().status == "READY"
    due_now()
    run_worker()
    assert len(mail.outbox) == 1
    # The notification task queued the mail, which the worker then sent (with send_email's retries).
    done = DBTaskResult.objects.order_by("enqueued_at").values_list("task_path", "status")
    assert list(done) == [
        ("comments.notifications.send_comment_notifications", "SUCCESSFUL"),
        ("accounts.tasks.send_email", "SUCCESSFUL"),
    ]


@pytest.mark.django_db(transaction=True)
def test_a_reply_hidden_before_the_task_runs_is_not_mailed(database_tasks, thread):  # noqa: F811
    _, _, comment = thread
    answer = reply(comment)
    moderate_comments(comments=Comment.objects.filter(pk=answer.pk), hide=True)
    due_now()
    run_worker()
    assert mail.outbox == []
    assert CommentNotification.objects.get().outcome == CommentNotification.Outcome.SKIPPED
    # Shown again later: still not mailed, the moment has passed.
    moderate_comments(comments=Comment.objects.filter(pk=answer.pk), hide=False)
    send_comment_notifications.call(recipient_id=comment.author_id, kind="reply")
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_a_reply_deleted_before_the_task_runs_is_not_mailed(database_tasks, thread):  # noqa: F811
    _, _, comment = thread
    answer = reply(comment)
    delete_comment(comment=answer, user=answer.author)
    due_now()
    run_worker()
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_replies_turned_off_before_the_task_runs_are_not_mailed(database_tasks, thread):  # noqa: F811
    _, alice, comment = thread
    reply(comment)
    alice.notify_replies = False
    alice.save()
    due_now()
    run_worker()
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_replies_within_the_delay_arrive_as_one_digest(database_tasks, thread):  # noqa: F811
    _, alice, comment = thread
    other = make_comment(article=make_article(title="Second story"), author=alice, body="Another view")
    reply(comment, body="First answer")
    reply(comment, author=make_user(display_name="Carol"), body="Second answer")
    hidden = reply(other, body="Spam answer")
    moderate_comments(comments=Comment.objects.filter(pk=hidden.pk), hide=True)
    reply(other, author=make_user(display_name="Dan"), body="Third answer")
    assert DBTaskResult.objects.count() == 4
    due_now()
    run_worker()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "3 new replies to your comments on newsblog"
    for body in ("First answer", "Second answer", "Third answer"):
        assert body in message.body and body in message.alternatives[0][0]
    assert "Spam answer" not in message.body
    assert message.body.index("First answer") < message.body.index("Third answer")
    assert [r.status for r in DBTaskResult.objects.all()] == ["SUCCESSFUL"] * 5  # 4 notifications, 1 mail
    outcomes = sorted(CommentNotification.objects.values_list("outcome", flat=True))
    assert outcomes == ["sent", "sent", "sent", "skipped"]


def test_each_reply_is_mailed_once_however_often_the_task_runs(thread, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    _, alice, comment = thread
    reply(comment)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    assert send_comment_notifications.call(recipient_id=alice.pk, kind="reply") == 1
    assert send_comment_notifications.call(recipient_id=alice.pk, kind="reply") == 0
    assert len(mail.outbox) == 1


# Editors


@pytest.fixture
def editor_article():
    editor = make_staff(
        username="ed", display_name="Ed", email="ed@example.org", notify_article_comments=True
    )
    return editor, make_article(author=editor, title="Budget day")


def test_an_editor_who_asked_is_told_of_each_new_comment(editor_article):
    editor, article = editor_article
    post_comment(article=article, author=make_user(display_name="Rita"), body="Good piece")
    assert [m.to for m in mail.outbox] == [["ed@example.org"]]
    message = mail.outbox[0]
    assert message.subject == "New comment from Rita on “Budget day”"
    assert "Good piece" in message.body
    kind, recipient = read_unsubscribe_token(
        message.extra_headers["List-Unsubscribe"][1:-1].rsplit("/", 2)[1]
    )
    assert (kind.name, recipient) == ("article-comments", str(editor.pk))


def test_an_editor_is_not_told_of_their_own_comments(editor_article):
    editor, article = editor_article
    post_comment(article=article, author=editor, body="Editor's note")
    assert mail.outbox == []


def test_editors_are_not_told_unless_they_ask(editor_article):
    editor, article = editor_article
    editor.notify_article_comments = False
    editor.save()
    post_comment(article=article, author=make_user(), body="Hello")
    assert mail.outbox == []


def test_a_reply_to_the_editor_on_their_article_is_one_mail_as_a_reply(editor_article):
    editor, article = editor_article
    note = post_comment(article=article, author=editor, body="Editor's note")
    post_comment(article=article, author=make_user(display_name="Rita"), body="Thanks", parent=note)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Rita replied to your comment on “Budget day”"


def test_a_reply_tells_both_the_person_answered_and_the_editor(editor_article, thread):
    editor, article = editor_article
    alice = thread[1]
    comment = make_comment(article=article, author=alice)
    reply(comment)
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "ed@example.org"]
