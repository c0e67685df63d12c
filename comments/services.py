"""Comment workflows: the rules every way of writing a comment goes through."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from articles.caching import article_tag, discussion_tag
from articles.models import Article
from comments.models import Comment, update_article_counters
from comments.notifications import queue_notifications
from pagecache import tags


class CommentRefused(Exception):
    """A comment that must not be saved; `status` is the HTTP status to answer with."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.message = message
        self.status = status


def is_rate_exempt(user):
    """Staff and comment moderators answer in busy threads at the pace the discussion needs."""
    return user.is_staff or user.has_perm("comments.change_comment")


def check_rate(*, author, now):
    """Refuse a reader's comment that comes too soon after their last, or past their hourly limit."""
    if is_rate_exempt(author):
        return
    min_interval = settings.COMMENTS_MIN_INTERVAL_SECONDS
    per_hour = settings.COMMENTS_MAX_PER_HOUR
    recent = Comment.objects.filter(author=author, created_at__gte=now - timedelta(hours=1))
    if min_interval and recent.filter(created_at__gte=now - timedelta(seconds=min_interval)).exists():
        raise CommentRefused(
            f"You are commenting too fast. Please wait {min_interval} seconds between comments.", status=429
        )
    if per_hour and recent.count() >= per_hour:
        raise CommentRefused(
            f"You have reached the limit of {per_hour} comments an hour. Please try again later.", status=429
        )


def post_comment(*, article, author, body, parent=None):
    """Save a new comment after the duplicate and rate checks; raise CommentRefused otherwise."""
    if not article.comments_open:
        raise CommentRefused("Comments are closed for this article.", status=403)
    reply_to = None
    if parent is not None:
        if parent.article_id != article.pk:
            raise CommentRefused("You can only reply to a comment on this article.")
        reply_to = parent.author
        parent = parent.parent or parent  # a reply to a reply joins the same thread
    with transaction.atomic():
        # One writer per user at a time, so two quick requests cannot both pass the checks below.
        get_user_model().objects.select_for_update().filter(pk=author.pk).first()
        now = timezone.now()
        last = Comment.objects.filter(author=author, article=article).order_by("-created_at", "-id").first()
        if last is not None and last.body == body and last.state == Comment.State.VISIBLE:
            raise CommentRefused("You have already posted this comment.", status=409)
        check_rate(author=author, now=now)
        comment = Comment.objects.create(
            article=article, author=author, body=body, parent=parent, reply_to=reply_to, created_at=now
        )
        queue_notifications(comment)  # in this transaction: no comment without its notifications
        return comment


def edit_comment(*, comment, editor, body):
    if not comment.can_edit(editor):
        raise CommentRefused(
            "You can only edit your own comment, within 15 minutes of posting it.", status=403
        )
    if body != comment.body:
        comment.body = body
        comment.edited_at = timezone.now()
        comment.save(update_fields=["body", "body_html", "edited_at"])
    return comment


def delete_comment(*, comment, user):
    if comment.author_id != user.pk:
        raise CommentRefused("You can only delete your own comment.", status=403)
    comment.state = Comment.State.REMOVED
    comment.save(update_fields=["state"])
    return comment


def moderate_comments(*, comments, hide):
    """Hide or unhide comments; a comment its author deleted stays deleted."""
    target, source = (
        (Comment.State.HIDDEN, Comment.State.VISIBLE)
        if hide
        else (Comment.State.VISIBLE, Comment.State.HIDDEN)
    )
    changed = comments.filter(state=source)
    article_ids = set(changed.values_list("article_id", flat=True))
    count = changed.update(state=target)
    update_article_counters(article_ids)
    tags.changed(*(discussion_tag(article_id) for article_id in article_ids))  # .update() sends no signal
    return count


def set_discussion_open(*, article_ids, comments_open):
    """Close (or reopen) the discussion under these articles: a moderator's act, not an article edit
    (the article's text and its "Updated on" date stay as they are). Returns how many changed."""
    changed = Article.objects.filter(pk__in=article_ids).exclude(comments_enabled=comments_open)
    ids = list(changed.values_list("pk", flat=True))
    count = Article.objects.filter(pk__in=ids).update(comments_enabled=comments_open)
    # .update() sends no signal: the article page shows whether its comment form is open.
    tags.changed(*(tag for pk in ids for tag in (article_tag(pk), discussion_tag(pk))))
    return count
