import math
import re
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import connections, models
from django.db.models.functions import Coalesce, Greatest, Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from markdownx.models import MarkdownxField
from simple_history.models import HistoricalRecords

from articles.images import CleanImageField
from articles.markdown import BODY_MAX_LENGTH, render_markdown, validate_markdown

MAX_BULLETS = 7
MAX_BULLET_LENGTH = 280
WORDS_PER_MINUTE = 230
RELATED_PER_TAG = 3  # candidates per shared tag, as a multiple of the related articles shown


def split_bullets(text):
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def validate_summary(text):
    bullets = split_bullets(text)
    if not bullets:
        raise ValidationError("Write at least one summary point.")
    if len(bullets) > MAX_BULLETS:
        raise ValidationError(f"Keep the summary to {MAX_BULLETS} points at most ({len(bullets)} given).")
    too_long = [i for i, bullet in enumerate(bullets, 1) if len(bullet) > MAX_BULLET_LENGTH]
    if too_long:
        numbers = ", ".join(str(i) for i in too_long)
        raise ValidationError(
            f"Each summary point must be at most {MAX_BULLET_LENGTH} characters (point {numbers} is longer)."
        )


class CategoryQuerySet(models.QuerySet):
    def in_menu(self):
        """Sections worth a link: those with a published article, A to Z whatever the case."""
        published = Article.objects.published().filter(category=models.OuterRef("pk"))
        return self.filter(models.Exists(published)).order_by(Lower("name"), "name")


class Category(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)

    objects = CategoryQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:category", args=[self.slug])


class TagQuerySet(models.QuerySet):
    def with_published(self):
        """Tags worth a page: those on a published article (any other tag page is a 404)."""
        published = Article.objects.published().filter(tags=models.OuterRef("pk"))
        return self.filter(models.Exists(published))


class Tag(models.Model):
    """A subject an article is about ("Iran", "Batteries"); many per article, a page each at /tags/<slug>/."""

    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)

    objects = TagQuerySet.as_manager()

    class Meta:
        ordering = [Lower("name"), "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:tag", args=[self.slug])


class ArticleQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=timezone.now())

    def for_listing(self):
        # The search vector is large and never shown: leave it in the database.
        return self.published().select_related("author", "category").defer("search_vector")

    def in_review(self):
        """The review queue: submitted articles, the longest waiting first."""
        return self.filter(status=Article.Status.REVIEW).order_by("submitted_at", "id")

    def with_last_activity(self):
        """Annotate `last_activity`: the later of the public update and the latest visible comment."""
        return self.annotate(last_activity=Greatest("updated_at", Coalesce("last_comment_at", "updated_at")))


class ArticleHistory(HistoricalRecords):
    """simple-history's records, but tags changed from the tag's side (`tag.articles.add(article)`)
    are recorded on each article changed: simple-history's own receiver would treat the tag as the
    article. (A tag's `articles.clear()` is not recorded: nothing in the site does it.)"""

    def m2m_changed(self, instance, action, attr, pk_set, reverse, **kwargs):
        if not reverse:
            return super().m2m_changed(instance, action, attr, pk_set, reverse, **kwargs)
        if action in ("post_add", "post_remove") and pk_set:
            for article in self.cls.objects.filter(pk__in=pk_set):
                super().m2m_changed(article, action, attr, {instance.pk}, False, **kwargs)


# Revisions (articles/revisions.py): one row per save with the tags as they were; derived and
# bookkeeping columns are left out (restoring re-renders the body). Kept by name so that a save in
# two steps (the row, then its tags) can record one revision at the end.
article_history = ArticleHistory(
    m2m_fields=["tags"],
    excluded_fields=["body_html", "search_vector", "reading_time", "comment_count", "last_comment_at"],
)


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        REVIEW = "review", "In review"
        # Published with a future `published_at` is scheduled (see `is_scheduled`).
        PUBLISHED = "published", "Published"
        UNPUBLISHED = "unpublished", "Unpublished"

    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200, unique=True, help_text="The article's permanent address; locked once published."
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="articles")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="articles")
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles")
    summary = models.TextField(
        "summary bullets",
        validators=[validate_summary],
        help_text=(
            f"One point per line: 1 to {MAX_BULLETS} points, each at most {MAX_BULLET_LENGTH} characters."
        ),
    )
    body = MarkdownxField(
        help_text=(
            f"Markdown, up to {BODY_MAX_LENGTH:,} characters. "
            "The preview shows exactly what readers will see."
        ),
        validators=[
            MaxLengthValidator(
                BODY_MAX_LENGTH,
                message=(
                    f"Keep the body to {BODY_MAX_LENGTH:,} characters at most (it has %(show_value)s): "
                    "split a longer piece into several articles."
                ),
            ),
            validate_markdown,
        ],
    )
    body_html = models.TextField(editable=False, blank=True)
    # Stored cleaned (no EXIF/GPS/XMP/IPTC/ICC, a random name) with WebP renditions, by every save path.
    lead_image = CleanImageField(
        upload_to="articles/",
        blank=True,
        width_field="lead_image_width",
        height_field="lead_image_height",
        renditions_field="lead_image_renditions",
    )
    lead_image_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    lead_image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    lead_image_renditions = models.JSONField(default=list, blank=True, editable=False)
    lead_image_alt = models.CharField(
        "lead image alt text",
        max_length=250,
        blank=True,
        help_text="Describe the image for readers who cannot see it.",
    )
    lead_image_caption = models.CharField(max_length=300, blank=True)
    lead_image_credit = models.CharField(max_length=150, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the writer last sent it for review."
    )
    review_note = models.TextField(
        "note to the writer",
        blank=True,
        help_text="Why it goes back to the writer: shown on their edit page until it is published.",
    )
    published_at = models.DateTimeField(
        null=True, blank=True, help_text="A future time schedules the article; empty means now, on publish."
    )
    first_published_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, help_text="The public “Updated on” date.")
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)
    reading_time = models.PositiveSmallIntegerField(default=1, editable=False, help_text="Minutes.")
    comments_enabled = models.BooleanField(
        "comments open", default=True, help_text="Untick to close the discussion under this article."
    )
    comments_close_after_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Close comments automatically this many days after publishing."
    )
    # Read by the newsletter app (articles never imports it): it mails the article once it is public.
    send_to_subscribers = models.BooleanField(
        "send to subscribers",
        default=False,
        help_text=(
            "Email this article to newsletter subscribers (whole site and this section) once it is "
            "published; a scheduled article is sent at its publication time. Sent once only."
        ),
    )
    # Kept by the comments app on every comment change, so list pages and crawlers need no extra query.
    comment_count = models.PositiveIntegerField(default=0, editable=False)
    last_comment_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Full-text search (PostgreSQL): weighted title A, summary B, body C; GIN-indexed by migration 0003.
    # Stays NULL on SQLite, where search falls back to icontains (see articles/search.py).
    search_vector = SearchVectorField(null=True, editable=False)

    objects = ArticleQuerySet.as_manager()
    history = article_history

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-published_at", "-id"], name="article_published_idx"),
            models.Index(fields=["category", "status", "-published_at"], name="article_category_idx"),
            models.Index(fields=["author", "status", "-published_at"], name="article_author_idx"),
        ]
        permissions = [("publish_article", "Can review, publish, schedule and unpublish any article")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("articles:detail", args=[self.slug])

    def clean(self):
        if self.lead_image and not self.lead_image_alt.strip():
            raise ValidationError(
                {"lead_image_alt": "Describe the lead image for readers who cannot see it."}
            )
        if self.first_published_at and self.pk:
            saved_slug = Article.objects.filter(pk=self.pk).values_list("slug", flat=True).first()
            if saved_slug and saved_slug != self.slug:
                raise ValidationError({"slug": "The address of a published article cannot change."})

    def save(self, *args, minor_edit=False, **kwargs):
        now = timezone.now()
        already_live = self.first_published_at is not None and self.is_public
        if self.status == self.Status.PUBLISHED:
            self.review_note = ""  # the review is over
            if self.published_at is None:
                self.published_at = now
            if self.first_published_at is None:
                self.first_published_at = now
        if not minor_edit:
            # Only an edit to a live article is an update; until then the public date is publication.
            self.updated_at = now if already_live else (self.published_at or now)
        self.body_html = render_markdown(self.body)
        words = len(re.findall(r"\w+", strip_tags(self.body_html)))
        self.reading_time = max(1, math.ceil(words / WORDS_PER_MINUTE))
        if not self.lead_image:
            self.lead_image_renditions = []
        image = self.lead_image
        if image and not image._committed:
            # Cleaned and written with its renditions before any query, so a full disk spoils no transaction.
            image.save(image.name, image.file, save=False)
        try:
            super().save(*args, **kwargs)
        except BaseException:
            if image:
                image.discard_unsaved()  # no row points at them: don't leave them on disk
            raise
        if image:
            image.mark_saved()
        self.update_search_vector(using=kwargs.get("using") or self._state.db)

    def update_search_vector(self, using=None):
        """Recompute the stored search vector in the database (PostgreSQL only; one UPDATE)."""
        if connections[using or "default"].vendor != "postgresql":
            return
        from articles.search import search_vector  # articles.search imports this module

        Article.objects.using(using).filter(pk=self.pk).update(search_vector=search_vector())

    def related(self, limit=3):
        """Up to `limit` other published articles: those sharing more of this article's tags first,
        then the same category, then the most recent. One query (the tags come from
        `prefetch_related("tags")` when the caller fetched them, else one more).

        On PostgreSQL the candidates are the newest few of each shared tag (the published index read
        newest first, each row checked in the article-tag table's unique index, or a small tag's own
        rows), the newest `limit` of the same category and the newest `limit` of all, each a short
        index scan, ranked together; sorting all published rows would not scale.
        """
        tag_ids = [tag.pk for tag in self.tags.all()]
        shared_tags = models.Count("tags", filter=models.Q(tags__in=tag_ids)) if tag_ids else models.Value(0)
        same_category_first = models.Case(
            models.When(category_id=self.category_id, then=models.Value(0)),
            default=models.Value(1),
            output_field=models.IntegerField(),
        )
        candidates = Article.objects.for_listing().exclude(pk=self.pk)
        if connections[Article.objects.db].features.supports_slicing_ordering_in_compound:
            newest = candidates.order_by("-published_at", "-id").values("pk")
            # A few more per tag than shown, so that an article sharing two tags is rarely missed.
            parts = [newest.filter(tags=tag_id)[: limit * RELATED_PER_TAG] for tag_id in tag_ids]
            parts += [newest.filter(category_id=self.category_id)[:limit], newest[:limit]]
            candidates = Article.objects.filter(pk__in=parts[0].union(*parts[1:], all=True)).select_related(
                "author", "category"
            )
        return (
            candidates.defer("body", "body_html", "search_vector")
            .annotate(shared_tags=shared_tags)
            .order_by("-shared_tags", same_category_first, "-published_at", "-id")[:limit]
        )

    @property
    def summary_bullets(self):
        return split_bullets(self.summary)

    @property
    def is_public(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def is_scheduled(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > timezone.now()
        )

    @property
    def workflow_state(self):
        """The status as the newsroom says it: a published article due later is "Scheduled"."""
        return "Scheduled" if self.is_scheduled else self.get_status_display()

    @property
    def comments_open(self):
        """Readers may post: comments enabled and, if set, the closing period not yet over."""
        if not self.comments_enabled:
            return False
        if self.comments_close_after_days is not None and self.published_at is not None:
            closes = self.published_at + timedelta(days=self.comments_close_after_days)
            return timezone.now() < closes
        return True

    @property
    def lead_image_srcset(self):
        return ", ".join(f"{settings.MEDIA_URL}{r['name']} {r['width']}w" for r in self.lead_image_renditions)

    @property
    def lead_image_thumbnail(self):
        """The smallest rendition, for list pages; None without an image."""
        if not self.lead_image_renditions:
            return None
        return min(self.lead_image_renditions, key=lambda r: r["width"])


def has_published(user_ref="pk"):
    """A filter or annotation: the user named by `user_ref` has a published article. Only they have
    a public author page; readers who comment do not."""
    return models.Exists(Article.objects.published().filter(author=models.OuterRef(user_ref)))


class Correction(models.Model):
    """A dated public note on a published article: what it got wrong and what is right."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="corrections")
    text = models.TextField(
        help_text="Shown to readers as written: “An earlier version of this article misstated the date…”."
    )
    date = models.DateField(default=timezone.localdate, help_text="The date readers see on the correction.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, editable=False, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]

    def __str__(self):
        return f"Correction, {self.date:%Y-%m-%d}"

    def clean(self):
        if self.article_id and self.article.first_published_at is None:
            raise ValidationError("Corrections are for published articles: edit the draft itself instead.")
