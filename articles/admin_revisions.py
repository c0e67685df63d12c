"""The article admin's revisions: the list (the admin's "History"), a diff between any two, restoring
one, one revision per save with its user, and refusing a save over a form someone else's save made
stale (optimistic locking on `modified_at`). Mixed into ArticleAdmin and its form."""

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.views.decorators.http import require_POST

from articles.models import Article
from articles.revisions import changed_labels, compare, record_revision, restore_revision, revisions_of

REVISIONS_PER_PAGE = 50
STALE_MESSAGE = (
    "Someone else saved this article after you opened it. Nothing was saved: your version is still in "
    "the form below. Look at what they changed, keep what you need of it, and save again."
)


def edit_token(modified_at):
    return modified_at.isoformat() if modified_at else ""


class EditConflict:
    """What was saved meanwhile: the revision the editor opened and the one saved since."""

    def __init__(self, seen, current):
        self.seen, self.current = seen, current
        self.changes = compare(seen, current) if seen is not None and current is not None else []


class ConflictCheckFormMixin(forms.Form):
    """A hidden copy of the article's `modified_at` as the form was opened, checked again at save with
    the row locked: a save over a stale form is refused and the form re-shown with the editor's input."""

    edit_token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.conflict = None
        if self.instance.pk:
            self.fields["edit_token"].initial = edit_token(self.instance.modified_at)

    def clean(self):
        cleaned_data = super().clean()
        seen = cleaned_data.get("edit_token")
        # A form without the token (not one the admin rendered) has nothing to compare.
        if self.instance.pk and seen:
            self.check_not_stale(seen)
        return cleaned_data

    def check_not_stale(self, seen):
        # Locked until the admin's transaction ends, so no save slips in between this check and ours.
        locked = Article.objects.select_for_update().filter(pk=self.instance.pk)
        saved = locked.values_list("modified_at", flat=True).first()
        if saved is None or edit_token(saved) == seen:
            return
        revisions = Article.history.filter(id=self.instance.pk)
        seen_at = parse_datetime(seen)
        self.conflict = EditConflict(
            seen=revisions.filter(modified_at=seen_at).order_by("history_date").last() if seen_at else None,
            current=revisions.order_by("history_date", "history_id").last(),
        )
        # The re-shown form carries the current version: saving it again is a decision, not an accident.
        self.data = self.data.copy()
        self.data[self.add_prefix("edit_token")] = edit_token(saved)
        raise ValidationError(STALE_MESSAGE, code="stale")


def new_labels(revision):
    return ["Created"] if revision.history_type == "+" else ["First revision on record"]


class RevisionsAdminMixin:
    """History (list of revisions), compare and restore views, one revision per admin save."""

    change_form_template = "admin/articles/article/change_form.html"

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/history/compare/",
                view(self.compare_revisions_view),
                name="{}_{}_compare_revisions".format(*info),
            ),
            path(
                "<path:object_id>/history/<int:history_id>/restore/",
                view(require_POST(self.restore_revision_view)),
                name="{}_{}_restore_revision".format(*info),
            ),
            *super().get_urls(),
        ]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        return [*fieldsets, (None, {"fields": ("edit_token",), "classes": ("hidden",)})]

    def save_form(self, request, form, change):
        article = super().save_form(request, form, change)
        # Recorded once in save_related, with the tags and the user: not once per step of the save.
        article.skip_history_when_saving = True
        return article

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        article = form.instance
        del article.skip_history_when_saving
        record_revision(article, user=request.user, created=not change)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["edit_conflict"] = getattr(context["adminform"].form, "conflict", None)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def viewable_article(self, request, object_id):
        article = self.get_object(request, unquote(object_id))
        if article is None:
            raise Http404("There is no such article.")
        if not self.has_view_or_change_permission(request, article):
            raise PermissionDenied
        return article

    def history_view(self, request, object_id, extra_context=None):
        article = self.viewable_article(request, object_id)
        page = Paginator(revisions_of(article), REVISIONS_PER_PAGE).get_page(request.GET.get("p"))
        rows = list(page)
        # The revision before the page's last one, to tell what that one changed.
        older = revisions_of(article).filter(history_date__lt=rows[-1].history_date).first() if rows else None
        entries = [
            {
                "revision": revision,
                "changed": changed_labels(previous, revision) if previous else new_labels(revision),
            }
            for revision, previous in zip(rows, [*rows[1:], older], strict=True)
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": f"Revisions: {article}",
            "subtitle": None,
            "opts": self.opts,
            "article": article,
            "entries": entries,
            "page": page,
            "can_restore": self.has_change_permission(request, article),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/articles/article/revisions.html", context)

    def compare_revisions_view(self, request, object_id):
        article = self.viewable_article(request, object_id)
        try:
            ids = [int(request.GET[key]) for key in ("from", "to")]
        except (KeyError, ValueError):
            return HttpResponseBadRequest("Choose two revisions to compare.")
        revisions = {r.history_id: r for r in revisions_of(article).filter(history_id__in=ids)}
        if any(i not in revisions for i in ids):
            raise Http404("There is no such revision of this article.")
        # Always from the older to the newer, whichever way round they were picked.
        old, new = sorted((revisions[i] for i in ids), key=lambda r: (r.history_date, r.history_id))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Compare revisions: {article}",
            "subtitle": None,
            "opts": self.opts,
            "article": article,
            "old": old,
            "new": new,
            "changes": compare(old, new),
            "can_restore": self.has_change_permission(request, article),
        }
        return TemplateResponse(request, "admin/articles/article/revision_compare.html", context)

    def restore_revision_view(self, request, object_id, history_id):
        article = self.viewable_article(request, object_id)
        if not self.has_change_permission(request, article):
            raise PermissionDenied
        revision = get_object_or_404(Article.history.filter(id=article.pk), history_id=history_id)
        restore_revision(article=article, revision=revision, user=request.user)
        when = date_format(localtime(revision.history_date), "DATETIME_FORMAT")
        message = f"Restored the revision of {when}; it is the newest revision now."
        self.message_user(request, message, messages.SUCCESS)
        info = self.opts.app_label, self.opts.model_name
        return HttpResponseRedirect(reverse("admin:{}_{}_change".format(*info), args=[article.pk]))
