from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce, Length
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from comments.formatting import format_comment

MAX_LENGTH = 5000
EDIT_WINDOW = timedelta(minutes=15)
PAGE_SIZE = 50


class CommentQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(state=Comment.State.VISIBLE)

    def top_level(self):
        return self.filter(parent__isnull=True)


def update_article_counters(article_ids):
    """Recount the visible comments (and the latest one's time) of these articles, in one UPDATE."""
    visible = Comment.objects.filter(article=models.OuterRef("pk"), state=Comment.State.VISIBLE).order_by()
    Article.objects.filter(pk__in=article_ids).update(
        comment_count=Coalesce(
            models.Subquery(visible.values("article").annotate(n=models.Count("pk")).values("n")), 0
        ),
        last_comment_at=models.Subquery(visible.order_by("-created_at").values("created_at")[:1]),
    )


class Comment(models.Model):
    class State(models.TextChoices):
        VISIBLE = "visible", "Visible"
        HIDDEN = "hidden", "Hidden by a moderator"
        REMOVED = "removed", "Deleted by its author"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments")
    # One level of replies: a reply always hangs under a top-level comment.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    reply_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(max_length=MAX_LENGTH)
    body_html = models.TextField(editable=False, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.VISIBLE)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["article", "parent", "created_at", "id"], name="comment_article_order_idx"),
            models.Index(fields=["parent", "created_at"], name="comment_replies_idx"),
            models.Index(fields=["author", "-created_at"], name="comment_author_recent_idx"),
        ]
        constraints = [
            # The database refuses what the form would: no empty or over-long comment, ever.
            models.CheckConstraint(
                condition=GreaterThanOrEqual(Length("body"), 1), name="comment_body_not_empty"
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("body"), MAX_LENGTH), name="comment_body_max"
            ),
        ]
        permissions = [("close_discussion", "Can close and reopen the discussion under an article")]

    def __str__(self):
        return f"Comment {self.pk} by {self.author} on {self.article}"

    def get_absolute_url(self):
        """The article page that shows this comment, at its anchor."""
        top = self.parent or self
        earlier = Comment.objects.filter(article_id=self.article_id, parent__isnull=True).filter(
            models.Q(created_at__lt=top.created_at) | models.Q(created_at=top.created_at, id__lt=top.id)
        )
        page = earlier.count() // PAGE_SIZE + 1
        query = f"?comments={page}" if page > 1 else ""
        return f"{reverse('articles:detail', args=[self.article.slug])}{query}#comment-{self.pk}"

    def save(self, *args, **kwargs):
        self.body_html = format_comment(self.body)
        super().save(*args, **kwargs)
        update_article_counters([self.article_id])

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        update_article_counters([self.article_id])
        return result

    @property
    def is_visible(self):
        return self.state == self.State.VISIBLE

    def can_edit(self, user):
        return (
            self.author_id == user.pk and self.is_visible and timezone.now() - self.created_at <= EDIT_WINDOW
        )

    def can_delete(self, user):
        return self.author_id == user.pk and self.state != self.State.REMOVED


class CommentNotification(models.Model):
    """One person to be told of one comment: queued when the comment is posted, mailed (or skipped)
    by the task worker a few minutes later, exactly once (comments/notifications.py)."""

    class Kind(models.TextChoices):
        REPLY = "reply", "A reply to their comment"
        ARTICLE = "article", "A comment on their article"

    class Outcome(models.TextChoices):
        PENDING = "pending", "Waiting"
        SENT = "sent", "Mailed"
        SKIPPED = "skipped", "Not mailed (hidden, deleted or turned off by then)"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comment_notifications"
    )
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    # Set by the one task run that claims the row (a single UPDATE), so no two runs mail it.
    claim = models.UUIDField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["recipient", "kind"],
                condition=models.Q(outcome="pending"),
                name="comment_notification_todo_idx",
            ),
        ]
        constraints = [
            # Told once about a comment, even if it both replies to them and sits on their article.
            models.UniqueConstraint(fields=["recipient", "comment"], name="comment_notification_once"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.recipient_id}: comment {self.comment_id}"


class Discussion(Article):
    """An article seen from its discussion: what a moderator opens and closes in the admin without
    any right over the article itself (comments/admin.py)."""

    class Meta:
        proxy = True
