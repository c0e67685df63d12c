from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from markdownx.admin import MarkdownxModelAdmin

from articles.admin_corrections import CorrectionsAdminMixin
from articles.admin_revisions import ConflictCheckFormMixin, RevisionsAdminMixin
from articles.images import ImageStorageError, decode_image
from articles.models import MAX_BULLETS, Article, Category


class ArticleAdminForm(ConflictCheckFormMixin, forms.ModelForm):
    minor_edit = forms.BooleanField(
        required=False,
        label="Minor edit",
        help_text="A typo fix or similar: keep the public “Updated on” date as it is.",
    )

    class Meta:
        model = Article
        fields = (
            "title", "slug", "author", "category", "summary", "body", "lead_image", "lead_image_alt",
            "lead_image_caption", "lead_image_credit", "status", "published_at", "comments_enabled",
            "comments_close_after_days",
        )  # fmt: skip
        widgets = {"summary": forms.Textarea(attrs={"rows": MAX_BULLETS, "cols": 80})}

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


@admin.register(Article)
class ArticleAdmin(RevisionsAdminMixin, CorrectionsAdminMixin, MarkdownxModelAdmin):
    form = ArticleAdminForm

    class Media:
        # The live preview uses the article page's own rules: it shows exactly what readers will see.
        css = {"all": ["css/article.css", "css/admin-preview.css"]}

    list_display = ("title", "status", "author", "category", "published_at", "updated_at")
    list_filter = ("status", "category", "author", "comments_enabled")
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
        ("Publishing", {"fields": ("status", "published_at", "updated_at", "minor_edit")}),
        ("Discussion", {"fields": ("comments_enabled", "comments_close_after_days")}),
    )

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj and obj.first_published_at else {"slug": ("title",)}

    def get_readonly_fields(self, request, obj=None):
        # Permanent links: the slug is editable until the article is first published.
        locked = ("slug",) if obj and obj.first_published_at else ()
        return ("updated_at", *locked)

    def get_changeform_initial_data(self, request):
        return {"author": request.user.pk, **super().get_changeform_initial_data(request)}

    def save_model(self, request, obj, form, change):
        obj.save(minor_edit=form.cleaned_data.get("minor_edit", False))
