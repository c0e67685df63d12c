"""Mail the site sends on its own (notifications; later newsletters): links and unsubscribing.

Every such mail belongs to a *kind* ("replies to your comments") and carries a link that stops that
kind for its recipient without logging in: a signed token naming the kind and the recipient. Opening
the link shows a confirmation page with a button (mail scanners that fetch every link unsubscribe
nobody); a POST to the same address unsubscribes: that button, or a mail client's one-click
unsubscribe (RFC 8058), which carries no CSRF token and no cookie. The same address goes in the
`List-Unsubscribe` header with `List-Unsubscribe-Post: List-Unsubscribe=One-Click`.

A kind registers here with `register_kind()`: how it is described and how to stop it for one
recipient. A recipient is named by a string: an account's id for account mail; a newsletter may
name its subscribers its own way.

Mail goes out from the task worker: tasks build it with `send_kind_mail()`, which queues it for
accounts.tasks.send_email (retries included).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.models import User
from accounts.tasks import send_mail_later

UNSUBSCRIBE_SALT = "newsblog.mail.unsubscribe"


@dataclass(frozen=True)
class MailKind:
    name: str
    description: str  # completes "You will no longer get …": "emails when someone replies to …"
    is_subscribed: Callable[[str], bool]
    unsubscribe: Callable[[str], None]


_kinds = {}


def register_kind(name, *, description, is_subscribed, unsubscribe):
    _kinds[name] = MailKind(name, description, is_subscribed, unsubscribe)
    return _kinds[name]


class BadUnsubscribeLink(Exception):
    pass


def absolute_url(path):
    """A link for mail: tasks have no request to take the host from (NEWSBLOG_SITE_URL)."""
    return f"{settings.NEWSBLOG_SITE_URL}{path}"


def unsubscribe_token(kind, recipient):
    """Signed, so nobody can make one for someone else's address or another kind; no expiry: a mail
    read a year later must still be able to stop the next one."""
    if kind not in _kinds:
        raise KeyError(f"unknown kind of mail: {kind}")
    return signing.dumps({"kind": kind, "to": str(recipient)}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token):
    """(MailKind, recipient) from a token, or BadUnsubscribeLink."""
    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature as error:
        raise BadUnsubscribeLink(str(error)) from error
    if not isinstance(payload, dict) or payload.get("kind") not in _kinds or not payload.get("to"):
        raise BadUnsubscribeLink("unknown kind of mail")
    return _kinds[payload["kind"]], str(payload["to"])


def unsubscribe_url(kind, recipient):
    return absolute_url(reverse("accounts:unsubscribe", args=[unsubscribe_token(kind, recipient)]))


def unsubscribe_headers(url):
    """RFC 2369 and RFC 8058: mail clients show an "Unsubscribe" button that POSTs to `url`."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def send_kind_mail(*, kind, recipient, to, template, context):
    """Queue one mail of `kind` to the address `to`, rendered from `<template>_subject.txt`,
    `<template>.txt` and `<template>.html` with the unsubscribe link in both parts and the headers."""
    url = unsubscribe_url(kind, recipient)
    context = {
        **context,
        "site_name": settings.SITE_NAME,
        "site_url": absolute_url("/"),
        "profile_url": absolute_url(reverse("accounts:profile")),
        "unsubscribe_url": url,
        "kind": _kinds[kind],
    }
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    return send_mail_later(
        to=[to],
        subject=subject,
        body=render_to_string(f"{template}.txt", context),
        html_body=render_to_string(f"{template}.html", context),
        headers=unsubscribe_headers(url),
    )


# Account mail kinds: a setting on the account, also shown in the profile.


def _account_setting(field):
    def is_subscribed(recipient):
        return recipient.isdigit() and User.objects.filter(pk=int(recipient), **{field: True}).exists()

    def unsubscribe(recipient):
        user = User.objects.filter(pk=int(recipient)).first() if recipient.isdigit() else None
        if user is not None and getattr(user, field):
            setattr(user, field, False)
            # A save, not .update(): the signed-in user is cached under their tag, which a save moves.
            user.save(update_fields=[field])

    return {"is_subscribed": is_subscribed, "unsubscribe": unsubscribe}


REPLIES = register_kind(
    "replies",
    description="emails when someone replies to your comments",
    **_account_setting("notify_replies"),
)
ARTICLE_COMMENTS = register_kind(
    "article-comments",
    description="emails about new comments on your articles",
    **_account_setting("notify_article_comments"),
)
