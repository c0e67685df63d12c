"""Telling people about comments by mail: a reply to their comment, and (if they asked) a new comment
on an article they wrote.

Posting a comment records who is to be told (a CommentNotification row each) and queues a task for
each of them, in the same transaction as the comment, to run NEWSBLOG_NOTIFICATION_DELAY_SECONDS
later. The task decides then, not at posting time: a comment hidden or deleted meanwhile, a reader
who turned the mail off, is not mailed. It takes every row still waiting for that reader and kind in
one UPDATE (so a second worker, or a second task for the same reader, finds nothing left) and queues
one mail for all of them in the same transaction: replies that come within the delay arrive as one
digest, and a crash before the commit leaves the rows waiting for the next task, never half-sent.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from accounts.mail import ARTICLE_COMMENTS, REPLIES, absolute_url, send_kind_mail
from comments.models import Comment, CommentNotification

Kind = CommentNotification.Kind
Outcome = CommentNotification.Outcome
# A kind of notification: the account setting that turns it on, and the mail kind it unsubscribes.
SETTINGS = {Kind.REPLY: "notify_replies", Kind.ARTICLE: "notify_article_comments"}
MAIL_KINDS = {Kind.REPLY: REPLIES.name, Kind.ARTICLE: ARTICLE_COMMENTS.name}
# A digest lists this many comments at most, then links to the rest.
DIGEST_LIMIT = 20


def _recipients(comment):
    """{user id: kind} of who is to be told about a new comment, as their settings are now."""
    wanted = {}
    if comment.reply_to_id and comment.reply_to_id != comment.author_id:
        wanted[comment.reply_to_id] = Kind.REPLY
    article_author = comment.article.author_id
    if article_author != comment.author_id:
        wanted.setdefault(article_author, Kind.ARTICLE)  # a reply to them is told as a reply
    if not wanted:
        return {}
    users = get_user_model().objects.filter(pk__in=wanted, is_active=True).exclude(email="")
    settings_now = users.values_list("pk", *SETTINGS.values())
    return {
        pk: wanted[pk]
        for pk, notify_replies, notify_article_comments in settings_now
        if (notify_replies if wanted[pk] == Kind.REPLY else notify_article_comments)
    }


def _delayed(task):
    """The task to run after the delay; at once on a backend that can't defer (tests)."""
    if not task.get_backend().supports_defer:
        return task
    delay = timedelta(seconds=settings.NEWSBLOG_NOTIFICATION_DELAY_SECONDS)
    return task.using(run_after=timezone.now() + delay)


def queue_notifications(comment):
    """Record who is to be told of a new comment, and queue their tasks. Call it inside the
    transaction that saves the comment: the database task backend writes the task there too."""
    recipients = _recipients(comment)
    CommentNotification.objects.bulk_create(
        [CommentNotification(recipient_id=pk, comment=comment, kind=kind) for pk, kind in recipients.items()]
    )
    for pk, kind in recipients.items():
        _delayed(send_comment_notifications).enqueue(recipient_id=pk, kind=kind)


def _still_worth_telling(notification, recipient):
    comment = notification.comment
    if comment.state != Comment.State.VISIBLE or comment.author_id == recipient.pk:
        return False
    if not comment.article.is_public:
        return False
    if notification.kind == Kind.REPLY:
        return comment.reply_to_id == recipient.pk
    return comment.article.author_id == recipient.pk


@task()
def send_comment_notifications(*, recipient_id, kind):
    """Mail one reader everything of `kind` waiting for them (one comment, or a digest); returns
    how many comments the mail told of."""
    with transaction.atomic():
        claim = uuid.uuid4()
        waiting = CommentNotification.objects.filter(
            recipient_id=recipient_id, kind=kind, outcome=Outcome.PENDING
        )
        if not waiting.update(claim=claim, outcome=Outcome.SENT, handled_at=timezone.now()):
            return 0
        claimed = list(
            CommentNotification.objects.filter(claim=claim)
            .select_related("recipient", "comment__author", "comment__article")
            .order_by("comment__created_at", "comment__id")
        )
        recipient = claimed[0].recipient
        wanted = recipient.is_active and recipient.email and getattr(recipient, SETTINGS[kind])
        told = [n for n in claimed if wanted and _still_worth_telling(n, recipient)]
        skipped = [n.pk for n in claimed if n not in told]
        CommentNotification.objects.filter(pk__in=skipped).update(outcome=Outcome.SKIPPED)
        if told:
            _mail(recipient, kind, [n.comment for n in told])
        return len(told)


def _mail(recipient, kind, comments):
    shown = comments[:DIGEST_LIMIT]
    items = [
        {
            "comment": comment,
            "author": comment.author,
            "article": comment.article,
            "url": absolute_url(comment.get_absolute_url()),
        }
        for comment in shown
    ]
    send_kind_mail(
        kind=MAIL_KINDS[kind],
        recipient=recipient.pk,
        to=recipient.email,
        template="comments/email/notification",
        context={
            "recipient": recipient,
            "is_reply": kind == Kind.REPLY,
            "items": items,
            "count": len(comments),
            "more": len(comments) - len(shown),
        },
    )
