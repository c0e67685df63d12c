"""Mail is sent by the task worker: queued in the request, retried when the relay fails, and kept as a
failed task (and logged) when it keeps failing."""

import logging
import socket
import threading

import pytest
from django.core import mail
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from accounts.tasks import send_mail_later

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = DATABASE_TASKS


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


@pytest.fixture
def silent_relay(settings):
    """An SMTP relay that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted = []

    def accept():
        while True:
            try:
                accepted.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = server.getsockname()
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 0.2
    yield accepted
    server.close()
    for connection in accepted:
        connection.close()


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
