"""The newsletter's work for the task worker: confirmation mail, and each send as a chain of batch tasks.

A send is a chain: every link first enqueues the next one (run_after = now + the batch interval, the
configured rate) in the same transaction that advances the send's `step`, then mails its batch. So a
worker killed in the middle of a batch leaves the next link queued, and a restarted worker resumes
the send from its Delivery rows. A link whose step is not the send's current one (a duplicate, or
one overtaken by a back-off) does nothing, so there is only ever one chain per send. Nothing here
sleeps: waiting is the task's run_after.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

from accounts.tasks import send_mail_later
from articles.models import Article, Category
from newsletter import sending
from newsletter.models import Delivery, Send
from newsletter.services import (
    confirm_token,
    create_send,
    manage_url,
    request_subscription,
    site_url,
    wants_sending,
)


def can_defer():
    return send_batch.get_backend().supports_defer


@task()
def send_subscribe_mail(*, email, all_sections, section_ids):
    """After the subscribe form (address only): the confirmation link, or to an address already
    subscribed its manage link. The request queued this with what it was given and answered the same
    whatever the address, so the answer tells nobody whether it is on the list."""
    sections = list(Category.objects.filter(pk__in=section_ids))
    subscriber, must_confirm = request_subscription(email=email, all_sections=all_sections, sections=sections)
    context = {"site_name": settings.SITE_NAME, "manage_url": manage_url(subscriber)}
    if must_confirm:
        from django.urls import reverse

        token = confirm_token(subscriber)
        context.update(
            confirm_url=site_url(reverse("newsletter:confirm", args=[token])),
            valid_days=settings.NEWSLETTER_CONFIRM_DAYS,
            sections=sections,
            all_sections=all_sections,
        )
        template = "newsletter/email/confirm.txt"
    else:
        template = "newsletter/email/already_subscribed.txt"
    subject, body = render_to_string(template, context).split("\n", 1)
    send_mail_later(to=[subscriber.email], subject=subject.strip(), body=body.lstrip("\n"))


def enqueue_start(article):
    """Queue the send of a published (or scheduled) article; run at its publication time."""
    when = article.published_at
    if when and when > timezone.now():
        if can_defer():
            start_send.using(run_after=when).enqueue(article_id=article.pk)
        return
    start_send.enqueue(article_id=article.pk)


@task()
def start_send(*, article_id):
    """Make the article's Send and its recipient list, and start the chain. Does nothing if the article
    was unpublished, untick'd or already sent; waits again if its publication was moved later."""
    article = Article.objects.filter(pk=article_id).first()
    if article is None or article.status != Article.Status.PUBLISHED or not wants_sending(article):
        return
    if not article.is_public:
        enqueue_start(article)  # rescheduled later than this task was queued for
        return
    send = create_send(article=article)
    if send is not None:
        send_batch.enqueue(send_id=send.pk, step=0)


@task()
def send_batch(*, send_id, step):
    send = advance(send_id, step)
    if send is None:
        return
    if sending.send_batch_of(send, size=settings.NEWSLETTER_BATCH_SIZE):
        if not can_defer():
            send_batch.enqueue(send_id=send.pk, step=send.step)  # tests' ImmediateBackend: right away
        return
    if can_defer():
        # The relay failed: wait longer than the rate asks, and twice as long each time it fails again.
        failures = send.deliveries.filter(status=Delivery.Status.QUEUED).order_by("-attempts").first()
        attempts = failures.attempts if failures else 1
        postpone(send.pk, timedelta(seconds=settings.NEWSBLOG_MAIL_RETRY_SECONDS * 2 ** (attempts - 1)))


def advance(send_id, step):
    """Take the send's link number `step`: enqueue the next link and return the send, or None if this
    link is stale or the send is finished (then marked so)."""
    now = timezone.now()
    with transaction.atomic():
        send = (
            Send.objects.select_for_update(of=("self",))
            .select_related("article__category")
            .filter(pk=send_id)
            .first()
        )
        if send is None or send.finished_at is not None or send.step != step:
            return None
        if not send.article.is_public or not sending.unfinished(send).exists():
            # Done, or unpublished mid-send: stopped (the admin's "Resume sending" carries on).
            send.finished_at = now
            send.save(update_fields=["finished_at"])
            return None
        send.step = step + 1
        send.save(update_fields=["step"])
        if can_defer():
            # The rate is the site's: sends going out at the same time share it.
            sharing = Send.objects.filter(finished_at__isnull=True).count()
            delay = timedelta(seconds=sending.batch_interval() * max(1, sharing))
            if not send.deliveries.filter(status=Delivery.Status.QUEUED).exists():
                # Only messages in flight are left: look again when their claim runs out.
                expiry = sending.next_claim_expiry(send)
                if expiry is not None:
                    delay = max(delay, expiry - now)
            send_batch.using(run_after=now + delay).enqueue(send_id=send.pk, step=send.step)
    return send


def postpone(send_id, delay):
    """Replace the queued next link by one `delay` from now."""
    with transaction.atomic():
        send = (
            Send.objects.select_for_update(of=("self",)).filter(pk=send_id, finished_at__isnull=True).first()
        )
        if send is None:
            return
        send.step += 1
        send.save(update_fields=["step"])
        link = send_batch.using(run_after=timezone.now() + delay) if can_defer() else send_batch
        link.enqueue(send_id=send.pk, step=send.step)  # in this transaction: the step and its link together


def resume(send):
    """Start a new chain for a send whose chain was lost, or that stopped when its article was
    unpublished (the admin's "Resume sending"); one with nothing left is marked finished again."""
    Send.objects.filter(pk=send.pk).update(finished_at=None)
    postpone(send.pk, timedelta(0))
