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
from django.contrib.auth.forms import PasswordResetForm
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from accounts.models import User
from accounts.services import confirmation_token, unconfirmed_accounts

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


# Account mail. The request queues one of these with what it was given (an address, a new account's
# id) and the worker looks everything else up, so a request does the same work whether or not an
# address has an account, and the answer can't tell.


def _link(path, *, domain, use_https):
    return f"{'https' if use_https else 'http'}://{domain}{path}"


def _account_mail(template, user, **context):
    context.update(user=user, site_name=settings.SITE_NAME)
    subject, body = render_to_string(template, context).split("\n", 1)
    send_mail_later(to=[user.email], subject=subject.strip(), body=body.lstrip("\n"))


def _mail_existing_account(user, links):
    _account_mail(
        "accounts/email/signup_existing.txt",
        user,
        login_url=_link(reverse("accounts:login"), **links),
        reset_url=_link(reverse("accounts:password_reset"), **links),
    )


def _mail_signup(user, links, next_url=""):
    """The confirmation link; or, if the address already has an account, a note saying so instead."""
    existing = User.objects.filter(awaiting_confirmation=False, email__iexact=user.email).first()
    if existing is not None:
        _mail_existing_account(existing, links)
        return
    token = confirmation_token(user=user, next_url=next_url)
    _account_mail(
        "accounts/email/signup_confirm.txt",
        user,
        confirm_url=_link(reverse("accounts:signup-confirm", args=[token]), **links),
        resend_url=_link(reverse("accounts:signup-resend"), **links),
        valid_days=settings.SIGNUP_CONFIRM_DAYS,
    )


@task()
def send_signup_mail(*, user_id, domain, use_https, next_url=""):
    """After a sign-up: mail its address (nothing if the account was confirmed or deleted meanwhile)."""
    user = unconfirmed_accounts().filter(pk=user_id).first()
    if user is not None:
        _mail_signup(user, {"domain": domain, "use_https": use_https}, next_url)


@task()
def resend_signup_mail(*, email, domain, use_https):
    """ "Send the link again": to each waiting sign-up with this address, or a note to its account if it
    has one (a reader who forgot they signed up); nothing for an address nobody uses."""
    links = {"domain": domain, "use_https": use_https}
    waiting = list(unconfirmed_accounts().filter(email__iexact=email).order_by("-date_joined")[:3])
    for user in waiting:
        _mail_signup(user, links)
    if not waiting:
        existing = User.objects.filter(awaiting_confirmation=False, email__iexact=email).first()
        if existing is not None:
            _mail_existing_account(existing, links)


class _QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form (finds the active accounts using the address, makes each a one-time link),
    with every message queued for send_email, so each gets its retries."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, **kwargs):
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        send_mail_later(to=[to_email], subject=subject, body=render_to_string(email_template_name, context))


@task()
def send_password_reset(*, email, domain, use_https):
    """A reset link to every active account using `email` (to nobody if none does)."""
    form = _QueuedPasswordResetForm({"email": email})
    if form.is_valid():
        form.save(
            domain_override=domain,
            use_https=use_https,
            subject_template_name="registration/password_reset_subject.txt",
            email_template_name="registration/password_reset_email.txt",
            extra_email_context={
                "site_name": settings.SITE_NAME,
                "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
            },
        )
