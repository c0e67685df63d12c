from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timezone import localtime
from markdownx.admin import MarkdownxModelAdmin

from articles import roles
from articles.images import ImageStorageError, decode_image
from articles.models import MAX_BULLETS, Article, Category
from articles.preview import preview_expires_at, preview_path


class ArticleAdminForm(forms.ModelForm):
    minor_edit = forms.BooleanField(
        required=False,
        label="Minor edit",
        help_text="A typo fix or similar: keep the public “Updated on” date as it is.",
    )

    class Meta:
        model = Article
        fields = (
            "title", "slug", "author", "category", "summary", "body", "lead_image", "lead_image_alt",
            "lead_image_caption", "lead_image_credit", "status", "published_at", "review_note",
            "comments_enabled", "comments_close_after_days",
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


@admin.register(Article)
class ArticleAdmin(MarkdownxModelAdmin):
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
    search_fields = ("title", "summary", "body")
    date_hierarchy = "published_at"
    fieldsets = (
        (None, {"fields": ("title", "slug", "author", "category")}),
        ("Content", {"fields": ("summary", "body")}),
        (
            "Lead image",
            {"fields": ("lead_image", "lead_image_alt", "lead_image_caption", "lead_image_credit")},
        ),
        ("Publishing", {"fields": ("state", "status", "published_at", "updated_at", "minor_edit")}),
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
        if roles.is_editor(request.user):
            return self.fieldsets
        # The editor's note first: why the article came back.
        note = [("Sent back by an editor", {"fields": ("review_note",)})] if obj and obj.review_note else []
        return (
            *note,
            (None, {"fields": ("title", "slug", *(("author",) if obj else ()), "category")}),
            *self.fieldsets[1:3],
            ("Publishing", {"fields": ("state", "status", "published_at", "submitted_at")}),
            self.fieldsets[-1],
        )

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj and obj.first_published_at else {"slug": ("title",)}

    def get_readonly_fields(self, request, obj=None):
        # Permanent links: the slug is editable until the article is first published.
        locked = ("slug",) if obj and obj.first_published_at else ()
        if not roles.is_editor(request.user):
            locked += ("author", "published_at", "review_note")
        return ("state", "updated_at", "submitted_at", *locked)

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
