"""The article admin's corrections: dated public notes on a published article, added inline by those
with the Correction model's own add/change permissions."""

from django.contrib import admin

from articles.models import Correction


class CorrectionInline(admin.StackedInline):
    model = Correction
    extra = 0
    fields = ("date", "text")
    verbose_name = "public correction"
    verbose_name_plural = "Public corrections (shown at the end of the article, dated)"


class CorrectionsAdminMixin:
    """Corrections are for published articles: drafts are simply edited."""

    def get_inlines(self, request, obj):
        inlines = list(super().get_inlines(request, obj))
        if obj is not None and obj.first_published_at:
            inlines.append(CorrectionInline)
        return inlines

    def save_formset(self, request, form, formset, change):
        if formset.model is not Correction:
            return super().save_formset(request, form, formset, change)
        for correction in formset.save(commit=False):
            if correction.pk is None:
                correction.created_by = request.user
            correction.save()
        for correction in formset.deleted_objects:
            correction.delete()
        return None
