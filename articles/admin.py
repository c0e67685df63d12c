from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count
from django.utils.text import slugify
from markdownx.admin import MarkdownxModelAdmin

from articles.admin_corrections import CorrectionsAdminMixin
from articles.admin_revisions import ConflictCheckFormMixin, RevisionsAdminMixin
from articles.images import ImageStorageError, decode_image
from articles.models import MAX_BULLETS, Article, Category, Tag

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
            "comments_enabled", "comments_close_after_days", "tags",
        )  # fmt: skip
        widgets = {"summary": forms.Textarea(attrs={"rows": MAX_BULLETS, "cols": 80})}

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
    form = ArticleAdminForm

    class Media:
        # The live preview uses the article page's own rules: it shows exactly what readers will see.
        css = {"all": ["css/article.css", "css/admin-preview.css"]}

    list_display = ("title", "status", "author", "category", "published_at", "updated_at")
    list_filter = ("status", "category", "author", "comments_enabled")
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
            {"fields": ("status", "published_at", "updated_at", "minor_edit", "send_to_subscribers")},
        ),
        ("Discussion", {"fields": ("comments_enabled", "comments_close_after_days")}),
    )

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj and obj.first_published_at else {"slug": ("title",)}

    def get_readonly_fields(self, request, obj=None):
        # Permanent links: the slug is editable until the article is first published.
        locked = ("slug",) if obj and obj.first_published_at else ()
        return ("updated_at", *locked)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)  # a class built for this request
        form.may_add_tags = request.user.has_perm("articles.add_tag")
        return form

    def get_changeform_initial_data(self, request):
        return {"author": request.user.pk, **super().get_changeform_initial_data(request)}

    def save_model(self, request, obj, form, change):
        obj.save(minor_edit=form.cleaned_data.get("minor_edit", False))
