from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.timezone import localtime
from markdownx.admin import MarkdownxModelAdmin

from articles import roles
from articles.admin_corrections import CorrectionsAdminMixin
from articles.admin_revisions import ConflictCheckFormMixin, RevisionsAdminMixin
from articles.images import ImageStorageError, decode_image
from articles.models import MAX_BULLETS, Article, Category, Tag
from articles.preview import preview_expires_at, preview_path

MAX_TAGS = 10


def split_tag_names(text):
    """'Iran, Russia,  iran' -> ['Iran', 'Russia']: trimmed, blanks and repeats (any case) dropped."""
    names = {}
    for name in (text or "").split(","):
        name = " ".join(name.split())
        if name:
            names.setdefault(name.casefold(), name)
    return list(names.values())


class TagNamesField(forms.CharField):
    """Tags typed as one comma-separated line: quicker for an editor than picking each in a widget,
    and a new subject needs no detour through another form (missing tags are created on save)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            f"Comma-separated, up to {MAX_TAGS}: “Iran, Russia, Sanctions”. A new name creates the tag.",
        )
        kwargs.setdefault("widget", forms.TextInput(attrs={"size": 80}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):  # tags of the saved article, or names after an error
            return ", ".join(getattr(tag, "name", tag) for tag in value)
        return value

    def clean(self, value):
        names = split_tag_names(super().clean(value))
        if len(names) > MAX_TAGS:
            raise ValidationError(f"Give at most {MAX_TAGS} tags ({len(names)} given).")
        too_long = [name for name in names if len(name) > Tag._meta.get_field("name").max_length]
        if too_long:
            raise ValidationError(f"A tag is at most 60 characters: “{too_long[0][:60]}…” is longer.")
        return names

    def has_changed(self, initial, data):
        return split_tag_names(self.prepare_value(initial)) != split_tag_names(data)


def tags_named(names):
    """The tags with these names (any case), created with a unique slug when missing."""
    tags = []
    for name in names:
        tag = Tag.objects.filter(name__iexact=name).first()
        if tag is None:
            base = slugify(name)[:50] or "tag"
            slug, n = base, 1
            while Tag.objects.filter(slug=slug).exists():
                n += 1
                slug = f"{base}-{n}"
            tag = Tag.objects.create(name=name, slug=slug)
        tags.append(tag)
    return tags


class ArticleAdminForm(ConflictCheckFormMixin, forms.ModelForm):
    tags = TagNamesField()
    minor_edit = forms.BooleanField(
        required=False,
        label="Minor edit",
        help_text="A typo fix or similar: keep the public “Updated on” date as it is.",
    )

    class Meta:
        model = Article
        fields = (
            "title", "slug", "author", "category", "summary", "body", "lead_image", "lead_image_alt",
            "lead_image_caption", "lead_image_credit", "status", "published_at", "send_to_subscribers",
            "review_note", "comments_enabled", "comments_close_after_days", "tags",
        )  # fmt: skip
        widgets = {
            "summary": forms.Textarea(attrs={"rows": MAX_BULLETS, "cols": 80}),
            "review_note": forms.Textarea(attrs={"rows": 3, "cols": 80}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "author" in self.fields:
            # Writers and editors only; an article keeps the author it has even if they left the desk.
            members = roles.newsroom_members()
            if self.instance.author_id:
                members = members | get_user_model().objects.filter(pk=self.instance.author_id)
            self.fields["author"].queryset = members.order_by("username")

    def clean(self):
        cleaned_data = super().clean()
        was, now = self.instance.status, cleaned_data.get("status")
        sent_back = was == Article.Status.REVIEW and now == Article.Status.DRAFT
        # Only an editor's form has the note; the writer must learn why their article came back.
        if "review_note" in self.fields and sent_back and not cleaned_data.get("review_note", "").strip():
            self.add_error("review_note", "Say why it goes back to the writer: they will see this note.")
        return cleaned_data

    # Set by ArticleAdmin.get_form on the form class it builds for one request.
    may_add_tags = True

    def clean_tags(self):
        names = self.cleaned_data["tags"]
        if not self.may_add_tags:
            new = [name for name in names if not Tag.objects.filter(name__iexact=name).exists()]
            if new:
                raise ValidationError(
                    f"Only editors add tags: use an existing one, or ask an editor to add “{new[0]}”."
                )
        return names

    def _save_m2m(self):
        # The tags exist only now that the whole form is valid: a refused form creates none.
        self.cleaned_data["tags"] = tags_named(self.cleaned_data["tags"])
        super()._save_m2m()

    def clean_lead_image(self):
        image = self.cleaned_data.get("lead_image")
        if isinstance(image, UploadedFile):
            decode_image(image)  # size, dimensions and format: a clear message before anything is written
        return image

    def full_clean(self):
        super().full_clean()
        # Write a new image while the editor can still be told it failed (disk full, read-only); the
        # article's save then only points its row at the stored files.
        image = self.instance.lead_image if self.is_bound and not self.errors else None
        if image and not image._committed:
            try:
                image.save(image.name, image.file, save=False)
            except ValidationError as exc:
                self.add_error("lead_image", exc)
            except ImageStorageError as exc:
                self.add_error("lead_image", exc.message)


class WorkflowFilter(admin.SimpleListFilter):
    """Where articles are in the workflow, as the newsroom says it (scheduled apart from live)."""

    title = "workflow"
    parameter_name = "workflow"

    def lookups(self, request, model_admin):
        return [
            ("draft", "Draft"),
            ("review", "In review"),
            ("scheduled", "Scheduled"),
            ("live", "Published and live"),
            ("unpublished", "Unpublished"),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        published = Article.Status.PUBLISHED
        match self.value():
            case "scheduled":
                return queryset.filter(status=published, published_at__gt=now)
            case "live":
                return queryset.filter(status=published, published_at__lte=now)
            case "draft" | "review" | "unpublished" as status:
                return queryset.filter(status=status)
        return queryset


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name",)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "article_count")
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name", "slug")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_count=Count("articles"))

    @admin.display(description="articles", ordering="article_count")
    def article_count(self, tag):
        return tag.article_count


@admin.register(Article)
class ArticleAdmin(RevisionsAdminMixin, CorrectionsAdminMixin, MarkdownxModelAdmin):
    """What each role sees and may do (articles/roles.py): writers their own articles, changing only
    drafts and articles in review, choosing only Draft or In review; editors everything. The checks
    here are the server's: a hand-made POST meets the same querysets, permissions and choices."""

    form = ArticleAdminForm
    actions = ("submit_for_review", "publish_now", "unpublish")

    class Media:
        # The live preview uses the article page's own rules: it shows exactly what readers will see.
        css = {"all": ["css/article.css", "css/admin-preview.css"]}

    list_display = ("title", "state", "author", "category", "published_at", "submitted_at", "updated_at")
    list_filter = (WorkflowFilter, "status", "category", "author", "comments_enabled")
    list_select_related = ("author", "category")
    search_fields = ("title", "summary", "body", "tags__name")
    date_hierarchy = "published_at"
    fieldsets = (
        (None, {"fields": ("title", "slug", "author", "category", "tags")}),
        ("Content", {"fields": ("summary", "body")}),
        (
            "Lead image",
            {"fields": ("lead_image", "lead_image_alt", "lead_image_caption", "lead_image_credit")},
        ),
        (
            "Publishing",
            {
                "fields": (
                    "state",
                    "status",
                    "published_at",
                    "updated_at",
                    "minor_edit",
                    "send_to_subscribers",
                )
            },
        ),
        ("Review", {"fields": ("submitted_at", "review_note")}),
        ("Discussion", {"fields": ("comments_enabled", "comments_close_after_days")}),
    )

    @admin.display(description="status", ordering="status")
    def state(self, obj):
        if obj.is_scheduled:
            return f"Scheduled for {date_format(localtime(obj.published_at), 'j F Y, H:i')}"
        return obj.workflow_state

    def get_queryset(self, request):
        articles = super().get_queryset(request)
        return articles if roles.is_editor(request.user) else articles.filter(author=request.user)

    def get_ordering(self, request):
        # The review queue (status "In review") reads oldest submission first.
        if request.GET.get("status__exact") == Article.Status.REVIEW:
            return ("submitted_at", "id")
        return super().get_ordering(request)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request)
        return roles.can_change_article(request.user, obj)

    def has_submit_permission(self, request):
        return roles.is_writer(request.user) and request.user.has_perm("articles.change_article")

    def has_publish_permission(self, request):
        return roles.is_editor(request.user)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "status" and not roles.is_editor(request.user):
            # A writer keeps a draft or sends it for review; anything else is refused as invalid.
            kwargs["choices"] = [(s.value, s.label) for s in roles.WRITER_STATUSES]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)  # with the hidden edit token (admin_revisions.py)
        if roles.is_editor(request.user):
            return fieldsets
        token = [fieldset for fieldset in fieldsets if "edit_token" in fieldset[1]["fields"]]
        # The editor's note first: why the article came back.
        note = [("Sent back by an editor", {"fields": ("review_note",)})] if obj and obj.review_note else []
        return (
            *note,
            (None, {"fields": ("title", "slug", *(("author",) if obj else ()), "category", "tags")}),
            *self.fieldsets[1:3],
            ("Publishing", {"fields": ("state", "status", "published_at", "submitted_at")}),
            self.fieldsets[-1],
            *token,
        )

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj and obj.first_published_at else {"slug": ("title",)}

    def get_readonly_fields(self, request, obj=None):
        # Permanent links: the slug is editable until the article is first published.
        locked = ("slug",) if obj and obj.first_published_at else ()
        if not roles.is_editor(request.user):
            locked += ("author", "published_at", "review_note", "send_to_subscribers")
        return ("state", "updated_at", "submitted_at", *locked)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)  # a class built for this request
        form.may_add_tags = request.user.has_perm("articles.add_tag")
        return form

    def get_changeform_initial_data(self, request):
        return {"author": request.user.pk, **super().get_changeform_initial_data(request)}

    def change_view(self, request, object_id, form_url="", extra_context=None):
        article = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if article is not None and not article.is_public and roles.can_preview(request.user, article):
            context["preview_url"] = request.build_absolute_uri(preview_path(article))
            context["preview_expires_at"] = preview_expires_at()
        return super().change_view(request, object_id, form_url, extra_context=context)

    def save_model(self, request, obj, form, change):
        if not roles.is_editor(request.user):
            obj.author = request.user  # a writer's article is always their own
        if obj.status == Article.Status.REVIEW and "status" in form.changed_data:
            obj.submitted_at = timezone.now()
        obj.save(minor_edit=form.cleaned_data.get("minor_edit", False))

    @admin.action(description="Submit selected drafts for review", permissions=["submit"])
    def submit_for_review(self, request, queryset):
        drafts = queryset.filter(status=Article.Status.DRAFT)
        if not roles.is_editor(request.user):
            drafts = drafts.filter(author=request.user)
        count = 0
        for article in drafts:
            article.status, article.submitted_at = Article.Status.REVIEW, timezone.now()
            article.save()
            count += 1
        self.message_user(request, f"{count} article(s) sent for review.", messages.SUCCESS)

    @admin.action(description="Publish selected articles now", permissions=["publish"])
    def publish_now(self, request, queryset):
        count = 0
        for article in queryset.exclude(status=Article.Status.PUBLISHED):
            article.status, article.published_at = Article.Status.PUBLISHED, None
            article.save()
            count += 1
        self.message_user(request, f"{count} article(s) published.", messages.SUCCESS)

    @admin.action(description="Unpublish selected articles", permissions=["publish"])
    def unpublish(self, request, queryset):
        count = 0
        for article in queryset.filter(status=Article.Status.PUBLISHED):
            article.status = Article.Status.UNPUBLISHED
            article.save(minor_edit=True)  # taking it down is not an update of its text
            count += 1
        self.message_user(request, f"{count} article(s) unpublished.", messages.SUCCESS)
