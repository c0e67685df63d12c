"""Mail leaves the request: views queue it here and the task worker sends it.

A relay that hangs or refuses then blocks a worker process, never a reader's request, and a request
does the same small amount of work whatever happens to the mail. A failed send is tried again later
(each wait twice as long as the one before); one that still fails after the last try is logged as an
error and stays in the task results as failed, so it is never lost silently.
"""

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger("newsblog.mail")


def send_mail_later(*, to, subject, body, html_body=None, headers=None):
    """Queue one message for the task worker. `to` is a list of addresses."""
    return send_email.enqueue(to=list(to), subject=subject, body=body, html_body=html_body, headers=headers)


@task()
def send_email(*, to, subject, body, html_body=None, headers=None, attempt=1):
    message = EmailMultiAlternatives(subject, body, to=to, headers=headers or {})
    if html_body:
        message.attach_alternative(html_body, "text/html")
    try:
        message.send()
    except (OSError, smtplib.SMTPException) as error:
        _retry_or_give_up(
            error, to=to, subject=subject, body=body, html_body=html_body, headers=headers, attempt=attempt
        )
        raise  # this attempt is recorded as failed in the task results


def _retry_or_give_up(error, *, attempt, **message):
    attempts = settings.NEWSBLOG_MAIL_ATTEMPTS
    if attempt >= attempts or not send_email.get_backend().supports_defer:
        logger.error(
            "Mail %r to %d recipient(s) failed %d time(s), giving up: %s",
            message["subject"],
            len(message["to"]),
            attempt,
            error,
        )
        return
    delay = timedelta(seconds=settings.NEWSBLOG_MAIL_RETRY_SECONDS * 2 ** (attempt - 1))
    send_email.using(run_after=timezone.now() + delay).enqueue(**message, attempt=attempt + 1)
    logger.warning(
        "Mail %r failed (%s); try %d of %d in %d s",
        message["subject"],
        error,
        attempt + 1,
        attempts,
        delay.total_seconds(),
    )
