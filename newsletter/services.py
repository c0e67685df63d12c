"""Subscribing, confirming, choosing sections and leaving; the signed links in newsletter mail; and
whether a published article is to be mailed."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from newsletter.models import Delivery, SectionSetting, Send, Subscriber, SubscriberSection

CONFIRM_SALT = "newsletter.confirm"
MANAGE_SALT = "newsletter.manage"


def site_url(path):
    """An absolute link to this site, for mail (the worker has no request to read the host from)."""
    return settings.NEWSBLOG_SITE_URL + path


# Links. The confirmation link expires; the manage/unsubscribe link works for as long as the
# subscription exists (RFC 8058 asks that an old mail's unsubscribe keeps working). Both carry the
# address, so a link for a row that was deleted and made again for someone else does nothing.


def confirm_token(subscriber):
    return signing.dumps({"s": subscriber.pk, "e": subscriber.email.casefold()}, salt=CONFIRM_SALT)


def manage_token(subscriber):
    return signing.Signer(salt=MANAGE_SALT).sign_object(
        {"s": subscriber.pk, "e": subscriber.email.casefold()}
    )


def _subscriber(data):
    if not isinstance(data, dict):
        return None
    subscriber = Subscriber.objects.filter(pk=data.get("s")).first()
    if subscriber is None or subscriber.email.casefold() != data.get("e"):
        return None
    return subscriber


def read_confirm_token(token):
    """The pending subscriber for a good, unexpired link; None for a forged, expired or used one."""
    try:
        data = signing.loads(
            token, salt=CONFIRM_SALT, max_age=timedelta(days=settings.NEWSLETTER_CONFIRM_DAYS)
        )
    except signing.BadSignature:
        return None
    subscriber = _subscriber(data)
    if subscriber is None or subscriber.confirmed_at or subscriber.unsubscribed_at:
        return None
    return subscriber


def read_manage_token(token):
    try:
        data = signing.Signer(salt=MANAGE_SALT).unsign_object(token)
    except signing.BadSignature:
        return None
    return _subscriber(data)


def manage_url(subscriber):
    return site_url(reverse("newsletter:manage", args=[manage_token(subscriber)]))


def unsubscribe_url(subscriber):
    return site_url(reverse("newsletter:unsubscribe", args=[manage_token(subscriber)]))


# Subscriptions


def _choose(subscriber, *, all_sections, sections):
    subscriber.all_sections = all_sections
    SubscriberSection.objects.filter(subscriber=subscriber).delete()
    if not all_sections:
        SubscriberSection.objects.bulk_create(
            [SubscriberSection(subscriber=subscriber, category=category) for category in sections]
        )


def _find_or_create(email):
    """The row for this address (any case), made if missing; safe when two requests race."""
    subscriber = Subscriber.objects.filter(email__iexact=email).first()
    if subscriber is not None:
        return subscriber, False
    try:
        with transaction.atomic():
            return Subscriber.objects.create(email=email), True
    except IntegrityError:
        return Subscriber.objects.get(email__iexact=email), False


def forget_expired_requests():
    """Addresses that were typed in but never confirmed in time (and never received a newsletter)."""
    expired = Subscriber.objects.filter(
        confirmed_at__isnull=True, requested_at__lt=Subscriber.pending_cutoff()
    ).exclude(pk__in=Delivery.objects.values("subscriber"))
    return expired.delete()[0]


def request_subscription(*, email, all_sections, sections):
    """A subscribe form sent with an address only: (subscriber, whether it must confirm). A confirmed
    subscriber's choice is not changed from outside (anyone can type an address): they get their manage
    link instead. Anyone else waits for the confirmation link, nothing is sent to them before it."""
    forget_expired_requests()
    subscriber, _ = _find_or_create(email)
    if subscriber.is_subscribed:
        return subscriber, False
    with transaction.atomic():
        subscriber.requested_at = timezone.now()
        subscriber.confirmed_at = None
        subscriber.unsubscribed_at = None
        _choose(subscriber, all_sections=all_sections, sections=sections)
        subscriber.save()
    return subscriber, True


def subscribe_account(*, user, all_sections, sections):
    """A signed-in reader: their account's address is confirmed already, so they are subscribed now."""
    subscriber, _ = _find_or_create(user.email)
    with transaction.atomic():
        subscriber.user = user
        if not subscriber.is_subscribed:
            subscriber.confirmed_at = timezone.now()
            subscriber.unsubscribed_at = None
        _choose(subscriber, all_sections=all_sections, sections=sections)
        subscriber.save()
    return subscriber


def confirm_subscription(*, subscriber):
    subscriber.confirmed_at = timezone.now()
    subscriber.save(update_fields=["confirmed_at"])


def change_sections(*, subscriber, all_sections, sections):
    with transaction.atomic():
        _choose(subscriber, all_sections=all_sections, sections=sections)
        subscriber.save(update_fields=["all_sections"])


def unsubscribe(*, subscriber):
    """Leave at once: the sending worker checks every recipient just before mailing them, and what is
    still queued for this address is dropped now."""
    if subscriber.unsubscribed_at is None:
        subscriber.unsubscribed_at = timezone.now()
        subscriber.save(update_fields=["unsubscribed_at"])
    Delivery.objects.filter(subscriber=subscriber, status=Delivery.Status.QUEUED).update(
        status=Delivery.Status.SKIPPED
    )


def resubscribe(*, subscriber):
    """Back on the list from the manage link: it was mailed to this address, which proves the mailbox
    as the confirmation link does."""
    subscriber.unsubscribed_at = None
    subscriber.confirmed_at = subscriber.confirmed_at or timezone.now()
    subscriber.save(update_fields=["unsubscribed_at", "confirmed_at"])


def subscription_of(user):
    """The signed-in reader's own subscription (by their account's address), or None."""
    if not user.is_authenticated or not user.email:
        return None
    return Subscriber.objects.filter(email__iexact=user.email).first()


# Sending


def wants_sending(article):
    """Whether this article is to be mailed: the editor ticked the box, or its section sends every
    article first published since that was switched on."""
    if article.send_to_subscribers:
        return True
    since = (
        SectionSetting.objects.filter(category_id=article.category_id, auto_send=True)
        .values_list("auto_send_since", flat=True)
        .first()
    )
    return (
        since is not None and article.first_published_at is not None and article.first_published_at >= since
    )


def create_send(*, article):
    """The article's one Send, with a queued delivery for every confirmed subscriber who wants its
    section now; None if it already has one. Later subscribers do not get it."""
    with transaction.atomic():
        send, created = Send.objects.get_or_create(article=article)
        if not created:
            return None
        recipients = Subscriber.objects.wanting(article.category_id).values_list("pk", flat=True)
        Delivery.objects.bulk_create(
            (Delivery(send=send, subscriber_id=pk) for pk in recipients.iterator(chunk_size=2000)),
            batch_size=1000,
        )
    return send
