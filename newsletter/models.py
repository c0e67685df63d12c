from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from articles.models import Article, Category


class SubscriberQuerySet(models.QuerySet):
    def confirmed(self):
        """Addresses that asked for the newsletter and proved it, and have not left."""
        return self.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True)

    def pending(self):
        """Addresses waiting for their confirmation link to be opened, not yet expired."""
        return self.filter(
            confirmed_at__isnull=True,
            unsubscribed_at__isnull=True,
            requested_at__gte=Subscriber.pending_cutoff(),
        )

    def wanting(self, category_id):
        """Confirmed subscribers who want articles of this section (the whole site, or it among theirs)."""
        chosen = SubscriberSection.objects.filter(subscriber=models.OuterRef("pk"), category_id=category_id)
        return self.confirmed().filter(models.Q(all_sections=True) | models.Exists(chosen))


class Subscriber(models.Model):
    """One address on the list, with or without an account."""

    email = models.EmailField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    all_sections = models.BooleanField("whole site", default=True)
    sections = models.ManyToManyField(Category, blank=True, through="SubscriberSection", related_name="+")
    requested_at = models.DateTimeField(default=timezone.now, help_text="The last subscribe request.")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        ordering = ["email"]
        constraints = [models.UniqueConstraint(Lower("email"), name="newsletter_subscriber_email_unique")]

    def __str__(self):
        return self.email

    @staticmethod
    def pending_cutoff():
        return timezone.now() - timedelta(days=settings.NEWSLETTER_CONFIRM_DAYS)

    @property
    def is_subscribed(self):
        return self.confirmed_at is not None and self.unsubscribed_at is None

    @property
    def status(self):
        if self.unsubscribed_at:
            return "unsubscribed"
        return "confirmed" if self.confirmed_at else "pending"


class SubscriberSection(models.Model):
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE)
    category = models.ForeignKey(Category, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subscriber", "category"], name="newsletter_section_unique")
        ]

    def __str__(self):
        return f"{self.subscriber} – {self.category}"


class SectionSetting(models.Model):
    """A section whose articles are mailed to subscribers on publication, without ticking the box."""

    category = models.OneToOneField(Category, on_delete=models.CASCADE, related_name="+")
    auto_send = models.BooleanField(
        "send new articles automatically",
        default=False,
        help_text="Articles first published in this section from now on are emailed to its subscribers.",
    )
    auto_send_since = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "section setting"

    def __str__(self):
        return str(self.category)

    def save(self, *args, **kwargs):
        # Only articles published after the switch is turned on: turning it on mails no back catalogue.
        if self.auto_send and self.auto_send_since is None:
            self.auto_send_since = timezone.now()
        elif not self.auto_send:
            self.auto_send_since = None
        super().save(*args, **kwargs)


class Send(models.Model):
    """One article mailed to the subscribers who wanted it when it was published."""

    # Deleting the article deletes its send (and stops it, if it was still going).
    article = models.OneToOneField(Article, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Which link of the task chain may run next (newsletter/sending.py): a duplicate link does nothing.
    step = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"“{self.article}”"


class Delivery(models.Model):
    """One recipient of one send, and what became of their message."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped (unsubscribed)"

    send = models.ForeignKey(Send, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    # While status is "sending": the batch that holds the row, and when its worker is presumed dead
    # (then the row is sent again; see newsletter/sending.py).
    claim = models.CharField(max_length=32, blank=True, editable=False)
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["send", "subscriber"], name="newsletter_delivery_unique")
        ]
        indexes = [models.Index(fields=["send", "status"], name="newsletter_delivery_status_idx")]

    def __str__(self):
        return f"{self.send} to {self.subscriber}"

    @property
    def message_id(self):
        """The same for every try, so a receiver can drop a copy sent twice (see newsletter/sending.py)."""
        return f"<newsletter.{self.send_id}.{self.subscriber_id}@{message_id_domain()}>"


def message_id_domain():
    from urllib.parse import urlsplit

    return urlsplit(settings.NEWSBLOG_SITE_URL).hostname or "localhost"
