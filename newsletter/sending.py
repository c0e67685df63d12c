"""Mailing an article to its subscribers: in batches, by the task worker, at a limited rate, each
recipient recorded, resumed after a crash.

How a batch is sent (`send_batch_of`): up to NEWSLETTER_BATCH_SIZE Delivery rows are claimed in one
short transaction (`select_for_update(skip_locked=True)` on PostgreSQL, so workers never take the
same row; SQLite has one writer and runs one worker), marked "sending" under the batch's token with a
deadline (NEWSLETTER_CLAIM_SECONDS), and committed. The messages then go out one by one, in id order,
on one connection; each row is marked "sent" (its own small UPDATE) as soon as the mail backend
returns, that is once the relay has answered 250 to the message. The batch stops before its claim runs
out, so a live worker never sends on an expired claim.

The guarantee, per recipient, when a worker is killed at any moment and started again:
- a row marked "sent" is never sent again; a row is never held by two live batches;
- the rows of a dead batch that were not "sent" are claimed again once its deadline has passed. All
  but the first of them were never tried (the batch goes in order and records each message the moment
  the relay accepts it). The first may have been in flight: if the worker died after the relay
  accepted it and before "sent" was written, the relay has it and we cannot know. No protocol between
  an SMTP relay and a database closes that gap; we keep it as narrow as it goes (one UPDATE after the
  relay's reply) and choose "at least once" for that one message over losing it: the copy carries the
  same Message-ID as the first, so a mailbox that deduplicates on Message-ID shows it once.
So: each recipient is mailed exactly once, except that each killed worker can leave at most one
message delivered twice, both copies with the same Message-ID. A relay that refuses a recipient for
good (5xx) marks it failed; a relay that can't be reached puts the rows back in the queue and the
next batch tries again later, up to NEWSBLOG_MAIL_ATTEMPTS tries.
"""

import logging
import smtplib
import uuid
from datetime import timedelta
from urllib.parse import urljoin

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from articles.markdown import sanitise_html
from newsletter.models import Delivery, SubscriberSection, message_id_domain
from newsletter.services import manage_token, site_url

logger = logging.getLogger("newsblog.mail")


def batch_interval():
    """Seconds between the starts of two batches: the configured rate, whatever the batch size."""
    return settings.NEWSLETTER_BATCH_SIZE * 60 / max(1, settings.NEWSLETTER_MAX_PER_MINUTE)


def absolute(tag, attribute, value):
    """nh3 attribute filter: links and images in a mail must name the site."""
    if attribute in {"href", "src"}:
        return urljoin(settings.NEWSBLOG_SITE_URL + "/", value)
    return value


class Edition:
    """What every recipient of one send shares: the article, rendered once for mail."""

    def __init__(self, article):
        self.article = article
        self.url = site_url(article.get_absolute_url())
        # Stored cleaned at save; cleaned again by the same allow-list, making every URL absolute.
        self.body_html = mark_safe(sanitise_html(article.body_html, attribute_filter=absolute))  # noqa: S308
        renditions = article.lead_image_renditions
        image = max(renditions, key=lambda r: r["width"]) if renditions else None
        self.image = {**image, "url": site_url(f"{settings.MEDIA_URL}{image['name']}")} if image else None

    def message(self, delivery):
        subscriber = delivery.subscriber
        token = manage_token(subscriber)
        context = {
            "article": self.article,
            "article_url": self.url,
            "body_html": self.body_html,
            "image": self.image,
            "manage_url": site_url(reverse("newsletter:manage", args=[token])),
            "unsubscribe_url": site_url(reverse("newsletter:unsubscribe", args=[token])),
            "site_name": settings.SITE_NAME,
            "site_url": settings.NEWSBLOG_SITE_URL,
        }
        headers = {
            "Message-ID": delivery.message_id,
            "List-Id": f"{settings.SITE_NAME} newsletter <newsletter.{message_id_domain()}>",
            # RFC 8058: a mail client's own "Unsubscribe" button POSTs to this address, no login needed.
            "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        message = EmailMultiAlternatives(
            subject=self.article.title,
            body=render_to_string("newsletter/email/article.txt", context),
            to=[subscriber.email],
            headers=headers,
        )
        message.attach_alternative(render_to_string("newsletter/email/article.html", context), "text/html")
        return message


def claim_batch(send, *, size):
    """Take up to `size` recipients of this send for one batch: rows whose earlier claim ran out (a
    dead worker's), then queued ones. Marked "sending" under a token of our own, committed at once.
    Returns the token and when the claim runs out."""
    now = timezone.now()
    token = uuid.uuid4().hex
    until = now + timedelta(seconds=settings.NEWSLETTER_CLAIM_SECONDS)
    with transaction.atomic():
        rows = Delivery.objects.select_for_update(skip_locked=True).filter(send=send)
        ids = list(
            rows.filter(status=Delivery.Status.SENDING, claimed_until__lt=now).values_list("pk", flat=True)[
                :size
            ]
        )
        if len(ids) < size:
            queued = rows.filter(status=Delivery.Status.QUEUED).values_list("pk", flat=True)
            ids += list(queued[: size - len(ids)])
        Delivery.objects.filter(pk__in=ids).update(
            status=Delivery.Status.SENDING, claim=token, claimed_until=until, attempts=F("attempts") + 1
        )
    return token, until


def claimed(send, token, category_id):
    """The batch's recipients in order; those who left the list or this section meanwhile are skipped
    (checked now, so an unsubscribe takes effect before the next batch). Two queries."""
    batch = list(
        Delivery.objects.filter(send=send, status=Delivery.Status.SENDING, claim=token)
        .select_related("subscriber")
        .order_by("pk")
    )
    chosen = set(
        SubscriberSection.objects.filter(
            subscriber_id__in=[d.subscriber_id for d in batch if not d.subscriber.all_sections],
            category_id=category_id,
        ).values_list("subscriber_id", flat=True)
    )
    wanted = [
        d
        for d in batch
        if d.subscriber.is_subscribed and (d.subscriber.all_sections or d.subscriber_id in chosen)
    ]
    unwanted = [d.pk for d in batch if d not in wanted]
    if unwanted:
        Delivery.objects.filter(pk__in=unwanted, claim=token).update(status=Delivery.Status.SKIPPED, claim="")
    return wanted


def _finish(delivery, status, error=""):
    """Record one message's outcome, as long as the row is still ours."""
    fields = {"status": status, "error": error[:300], "claim": "", "claimed_until": None}
    if status == Delivery.Status.SENT:
        fields["sent_at"] = timezone.now()
    Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING, claim=delivery.claim).update(
        **fields
    )


def _release(deliveries):
    """Put claimed rows that were never tried back in the queue."""
    for delivery in deliveries[:1]:
        Delivery.objects.filter(
            pk__in=[d.pk for d in deliveries], status=Delivery.Status.SENDING, claim=delivery.claim
        ).update(status=Delivery.Status.QUEUED, claim="", claimed_until=None, attempts=F("attempts") - 1)


def permanent(error):
    """The relay refused this message or recipient for good (a 5xx reply)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def send_batch_of(send, *, size):
    """Send up to `size` messages of this send on one connection, in order, each marked "sent" as soon
    as the relay accepted it; False if the relay failed (the rest go back to the queue)."""
    article = send.article
    edition = Edition(article)
    token, until = claim_batch(send, size=size)
    batch = claimed(send, token, article.category_id)
    # Stop while the claim still holds, with room for one slow message: never send on an expired claim.
    email_timeout = getattr(settings, "EMAIL_TIMEOUT", None) or 10
    stop_at = until - timedelta(seconds=min(3 * email_timeout, settings.NEWSLETTER_CLAIM_SECONDS / 2))
    connection = get_connection()
    try:
        for position, delivery in enumerate(batch):
            if timezone.now() >= stop_at:
                _release(batch[position:])
                return True
            message = edition.message(delivery)
            message.connection = connection
            try:
                accepted = connection.send_messages([message])
            except (OSError, smtplib.SMTPException) as error:
                if permanent(error):
                    _finish(delivery, Delivery.Status.FAILED, str(error))
                    continue
                retry = delivery.attempts < settings.NEWSBLOG_MAIL_ATTEMPTS
                _finish(delivery, Delivery.Status.QUEUED if retry else Delivery.Status.FAILED, str(error))
                _release(batch[position + 1 :])
                logger.warning(
                    "Newsletter %s: the relay failed (%s); the next batch tries again", send.pk, error
                )
                return False
            _finish(delivery, Delivery.Status.SENT if accepted else Delivery.Status.FAILED)
        return True
    finally:
        connection.close()


def unfinished(send):
    return send.deliveries.filter(status__in=[Delivery.Status.QUEUED, Delivery.Status.SENDING])


def next_claim_expiry(send):
    """When the earliest row left "sending" by a dead worker may be taken again (None if none is)."""
    return (
        unfinished(send)
        .filter(status=Delivery.Status.SENDING)
        .order_by("claimed_until")
        .values_list("claimed_until", flat=True)
        .first()
    )
