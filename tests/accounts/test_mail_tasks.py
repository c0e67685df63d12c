"""Mail is sent by the task worker: queued in the request, retried when the relay fails, and kept as a
failed task (and logged) when it keeps failing."""

import logging

import pytest
from django.core import mail
from django_tasks_db.models import DBTaskResult

from accounts.tasks import send_mail_later
from tests.accounts.conftest import run_worker


def test_in_tests_queued_mail_is_sent_at_once():
    send_mail_later(to=["reader@example.com"], subject="Hello", body="Text", html_body="<p>Text</p>")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert (message.to, message.subject, message.body) == (["reader@example.com"], "Hello", "Text")
    assert message.alternatives[0][0] == "<p>Text</p>"


@pytest.mark.django_db(transaction=True)
def test_queued_mail_waits_for_the_worker(database_tasks):
    send_mail_later(to=["reader@example.com"], subject="Hello", body="Text")
    assert mail.outbox == []
    assert DBTaskResult.objects.get().status == "READY"
    run_worker()
    assert [m.subject for m in mail.outbox] == ["Hello"]
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


@pytest.mark.django_db(transaction=True)
def test_a_silent_relay_fails_the_try_and_queues_a_later_one(database_tasks, silent_relay, settings, caplog):
    send_mail_later(to=["reader@example.com"], subject="Reset", body="Link")
    with caplog.at_level(logging.WARNING, logger="newsblog.mail"):
        run_worker()
    assert silent_relay, "the worker never reached the relay"
    failed, retry = DBTaskResult.objects.order_by("enqueued_at")
    assert failed.status == "FAILED"
    assert retry.status == "READY" and retry.args_kwargs["kwargs"]["attempt"] == 2
    wait = (retry.run_after - failed.enqueued_at).total_seconds()
    assert settings.NEWSBLOG_MAIL_RETRY_SECONDS <= wait < settings.NEWSBLOG_MAIL_RETRY_SECONDS + 30
    assert "try 2 of 5" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_the_last_failed_try_is_logged_and_kept(database_tasks, silent_relay, settings, caplog):
    from accounts.tasks import send_email

    send_email.enqueue(
        to=["reader@example.com"], subject="Reset", body="Link", attempt=settings.NEWSBLOG_MAIL_ATTEMPTS
    )
    with caplog.at_level(logging.ERROR, logger="newsblog.mail"):
        run_worker()
    assert [r.status for r in DBTaskResult.objects.all()] == ["FAILED"]
    assert "giving up" in caplog.text
    assert mail.outbox == []
