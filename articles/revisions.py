"""Article revisions: one django-simple-history row per save (tags included), what two revisions
differ in, and restoring one.

A save through the admin records a single revision once the tags are saved too (see
articles/admin_revisions.py); any other save records one from the model's post_save. Bulk inserts
(the bench data generator) record none.
"""

import difflib
import re
from dataclasses import dataclass

from django.db import models, transaction
from django.utils import timezone

from articles.models import Article, Tag, article_history

# What a restore brings back: the words, the section, the tags and the picture. Publishing state,
# address and author stay as they are now (restoring an old draft's text must not unpublish).
RESTORED_FIELDS = [
    "title",
    "summary",
    "body",
    "category_id",
    "lead_image_width",
    "lead_image_height",
    "lead_image_renditions",
    "lead_image",
    "lead_image_alt",
    "lead_image_caption",
    "lead_image_credit",
]
# Long fields are compared line by line, then word by word inside a changed line.
LONG_FIELDS = {"summary", "body"}
# Unchanged lines kept around a change, as in a unified diff.
CONTEXT_LINES = 2
WORD = re.compile(r"\s+|\w+|[^\w\s]")


def record_revision(article, *, user=None, reason=None, created=False):
    """Keep the article as it is now (its tags too) as a new revision."""
    article._history_user = user
    article._change_reason = reason
    try:
        article_history.create_historical_record(article, "+" if created else "~")
    finally:
        del article._history_user, article._change_reason
    return Article.history.filter(id=article.pk).latest()


def revisions_of(article):
    """An article's revisions, newest first, with who saved them, their section and tags."""
    tag_rows = Article.history.model.tags.model  # the tags of each revision
    return (
        Article.history.filter(id=article.pk)
        .select_related("history_user", "category")
        .prefetch_related(
            models.Prefetch(
                "historicalarticle_tags_set",
                queryset=tag_rows.objects.select_related("tag"),
                to_attr="tag_rows",
            )
        )
        .order_by("-history_date", "-history_id")
    )


@dataclass
class Segment:
    """A run of text in a diff: kept ("equal"), taken out ("delete") or put in ("insert")."""

    op: str
    text: str


@dataclass
class Line:
    kind: str  # "context", "delete", "insert" or "change" (a line edited in place, word by word)
    segments: list


@dataclass
class FieldChange:
    label: str
    lines: list


def revision_fields(revision):
    """What readers and editors see of a revision, field by field, as (name, label, text)."""
    tag_rows = getattr(revision, "tag_rows", None)
    if tag_rows is None:
        tag_rows = revision.tags.select_related("tag")
    tags = sorted((row.tag.name for row in tag_rows if row.tag is not None), key=str.lower)
    image = "\n".join(
        f"{label}: {value}"
        for label, value in (
            ("File", revision.lead_image),
            ("Alt text", revision.lead_image_alt),
            ("Caption", revision.lead_image_caption),
            ("Credit", revision.lead_image_credit),
        )
        if value
    )
    published = revision.published_at and timezone.localtime(revision.published_at).strftime("%Y-%m-%d %H:%M")
    return [
        ("title", "Title", revision.title),
        ("summary", "Summary bullets", revision.summary),
        ("body", "Body", revision.body),
        ("category", "Section", revision.category.name if revision.category_id else ""),
        ("tags", "Tags", ", ".join(tags)),
        ("lead_image", "Lead image", image),
        ("status", "Status", dict(Article.Status.choices).get(revision.status, revision.status)),
        ("published_at", "Publication time", published or ""),
    ]


def changed_labels(old, new):
    """The labels of the fields that differ between two revisions."""
    pairs = zip(revision_fields(old), revision_fields(new), strict=True)
    return [label for (_, label, before), (_, _, after) in pairs if before != after]


def compare(old, new):
    """What changed from revision `old` to revision `new`: a FieldChange per changed field."""
    changes = []
    for (name, label, before), (_, _, after) in zip(revision_fields(old), revision_fields(new), strict=True):
        if before == after:
            continue
        if name in LONG_FIELDS:
            lines = diff_lines(before, after)
        else:
            lines = [Line("change", diff_words(before, after))]
        changes.append(FieldChange(label, lines))
    return changes


def diff_words(before, after):
    """Word-level segments turning `before` into `after`."""
    a, b = WORD.findall(before), WORD.findall(after)
    segments = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op in ("equal", "delete"):
            segments.append(Segment(op, "".join(a[i1:i2])))
        elif op == "insert":
            segments.append(Segment(op, "".join(b[j1:j2])))
        else:
            segments += [Segment("delete", "".join(a[i1:i2])), Segment("insert", "".join(b[j1:j2]))]
    return segments


def diff_lines(before, after):
    """Line-level diff with a little context; a line edited in place shows its changed words."""
    a, b = before.splitlines(), after.splitlines()
    lines = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for group in matcher.get_grouped_opcodes(CONTEXT_LINES):
        if lines:
            lines.append(Line("gap", []))
        for op, i1, i2, j1, j2 in group:
            if op == "equal":
                lines += [Line("context", [Segment("equal", line)]) for line in a[i1:i2]]
                continue
            old, new = a[i1:i2], b[j1:j2]
            paired = min(len(old), len(new)) if op == "replace" else 0
            for x, y in zip(old[:paired], new[:paired], strict=True):
                lines.append(Line("change", diff_words(x, y)))
            lines += [Line("delete", [Segment("delete", line)]) for line in old[paired:]]
            lines += [Line("insert", [Segment("insert", line)]) for line in new[paired:]]
    return lines


def restore_revision(*, article, revision, user):
    """Bring back a revision's words, section, tags and picture as a new revision (body re-rendered)."""
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article.pk)
        for name in RESTORED_FIELDS:
            setattr(article, name, getattr(revision, name))
        article.skip_history_when_saving = True
        try:
            article.save()
            # Tags deleted since are gone; the others come back.
            article.tags.set(Tag.objects.filter(pk__in=revision.tags.values("tag_id")))
        finally:
            del article.skip_history_when_saving
        when = timezone.localtime(revision.history_date).strftime("%Y-%m-%d %H:%M")
        return record_revision(article, user=user, reason=f"Restored the revision of {when}")
