"""Mailing an article to its subscribers: in batches, by the task worker, at a limited rate, each
recipient recorded, resumed after a crash.

How one message is sent (`send_one`): its Delivery row is claimed in its own short transaction
(`select_for_update(skip_locked=True)` on PostgreSQL, so several workers never take the same row;
SQLite has one writer and a single worker), marked "sending" with a deadline, then the message goes to
the mail backend on the batch's open connection, and the row is marked "sent" only once the backend
has accepted it (the relay said 250 to the message).

The guarantee, per recipient, when a worker is killed at any moment and started again:
- rows never claimed are sent by the next batch; no row is claimed by two live workers;
- a row marked "sent" is never sent again;
- a row left "sending" (the worker died in the middle of that one message) is sent again once its
  deadline (NEWSLETTER_CLAIM_SECONDS) has passed. This is the one message per dead worker that can
  arrive twice: if the worker died after the relay accepted it and before "sent" was written, the
  relay has it and we cannot know. No protocol between an SMTP relay and a database can close that
  gap, so we keep it as narrow as it goes (one small UPDATE after the relay's reply) and choose "at
  least once" for it over losing the mail: the copy carries the same Message-ID as the first, so a
  mailbox that deduplicates on Message-ID (Gmail does) shows it once.
So: exactly once per recipient, except at most one message per killed worker, which can be delivered
twice with the same Message-ID. A relay that refuses the recipient for good (5xx) marks it failed; a
relay that can't be reached puts the row back in the queue and the next batch tries again, up to
NEWSBLOG_MAIL_ATTEMPTS tries.
"""

import logging
import smtplib
from datetime import timedelta
from urllib.parse import urljoin

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from articles.markdown import sanitise_html
from newsletter.models import Delivery, SubscriberSection, message_id_domain
from newsletter.services import manage_url, site_url, unsubscribe_url

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
        context = {
            "article": self.article,
            "article_url": self.url,
            "body_html": self.body_html,
            "image": self.image,
            "manage_url": manage_url(subscriber),
            "unsubscribe_url": unsubscribe_url(subscriber),
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


def claim(send, category_id):
    """The next recipient of this send, marked "sending" (or "skipped" if they left or no longer want
    this section); None when nothing is left to claim."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("subscriber")
            .filter(send=send)
            .filter(
                Q(status=Delivery.Status.QUEUED) | Q(status=Delivery.Status.SENDING, claimed_until__lt=now)
            )
            .order_by("pk")
            .first()
        )
        if delivery is None:
            return None
        subscriber = delivery.subscriber
        wanted = subscriber.is_subscribed and (
            subscriber.all_sections
            or SubscriberSection.objects.filter(subscriber=subscriber, category_id=category_id).exists()
        )
        if wanted:
            delivery.status = Delivery.Status.SENDING
            delivery.claimed_until = now + timedelta(seconds=settings.NEWSLETTER_CLAIM_SECONDS)
            delivery.attempts += 1
        else:
            delivery.status = Delivery.Status.SKIPPED
        delivery.save(update_fields=["status", "claimed_until", "attempts"])
    return delivery


def _finish(delivery, status, error=""):
    """Record the outcome, unless the claim ran out meanwhile and another worker owns the row now."""
    fields = {"status": status, "error": error[:300], "claimed_until": None}
    if status == Delivery.Status.SENT:
        fields["sent_at"] = timezone.now()
    Delivery.objects.filter(
        pk=delivery.pk, status=Delivery.Status.SENDING, claimed_until=delivery.claimed_until
    ).update(**fields)


def permanent(error):
    """The relay refused this message or recipient for good (a 5xx reply)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def send_batch_of(send, *, size):
    """Send up to `size` messages of this send on one connection; False if the relay failed (the
    batch stops there and the next one tries again)."""
    article = send.article
    edition = Edition(article)
    connection = get_connection()
    try:
        for _ in range(size):
            delivery = claim(send, article.category_id)
            if delivery is None:
                return True
            if delivery.status == Delivery.Status.SKIPPED:
                continue
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
