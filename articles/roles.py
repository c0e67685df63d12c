"""The newsroom's roles and what each may do with an article.

Roles are Django groups (made by the migrations articles 0009 and 0012, comments 0003, assigned in the
admin): their permissions decide. A *writer* may add and change articles, but changes only their own
drafts and their own articles in review; an *editor* also holds `articles.publish_article` and works
on anyone's article; a *moderator* works on comments only. Superusers hold every permission.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from articles.models import Article

WRITER = "Writer"
EDITOR = "Editor"
MODERATOR = "Moderator"

_WRITES = [
    "articles.add_article", "articles.change_article", "articles.view_article",
    "articles.view_category", "articles.view_tag",
]  # fmt: skip
# Each role's permissions, as the migrations made them (a test keeps the two the same).
PERMISSIONS = {
    WRITER: _WRITES,
    EDITOR: [
        *_WRITES, "articles.delete_article", "articles.publish_article",
        "articles.add_category", "articles.change_category", "articles.delete_category",
        "articles.add_tag", "articles.change_tag", "articles.delete_tag",
        "articles.add_correction", "articles.change_correction", "articles.delete_correction",
        "articles.view_correction",
    ],
    MODERATOR: ["comments.view_comment", "comments.change_comment", "comments.close_discussion"],
}  # fmt: skip

# What a writer may still change: their own work until an editor takes it further.
WRITER_EDITABLE = (Article.Status.DRAFT, Article.Status.REVIEW)
# The statuses a writer may choose: keep a draft, or send it for review.
WRITER_STATUSES = (Article.Status.DRAFT, Article.Status.REVIEW)


def is_editor(user):
    return user.is_active and user.has_perm("articles.publish_article")


def is_writer(user):
    """Anyone who may write articles (editors too)."""
    return user.is_active and user.has_perm("articles.add_article")


def can_change_article(user, article):
    if is_editor(user):
        return user.has_perm("articles.change_article")
    return (
        user.is_active
        and user.has_perm("articles.change_article")
        and article.author_id == user.pk
        and article.status in WRITER_EDITABLE
    )


def can_preview(user, article):
    """Who may make a preview link: an editor, or the article's own writer."""
    return is_editor(user) or (is_writer(user) and article.author_id == user.pk)


def can_close_discussion(user):
    return user.is_active and user.has_perm("comments.close_discussion")


def newsroom_members():
    """People an article may be credited to: active writers and editors (and superusers), never
    ordinary readers."""
    by_group = Q(
        groups__permissions__codename="add_article", groups__permissions__content_type__app_label="articles"
    )
    by_user = Q(
        user_permissions__codename="add_article", user_permissions__content_type__app_label="articles"
    )
    members = get_user_model().objects.filter(by_group | by_user | Q(is_superuser=True), is_active=True)
    return get_user_model().objects.filter(pk__in=members.values("pk"))


def ensure_group(name):
    """The role's group with exactly its permissions (made again if someone deleted it)."""
    group, _ = Group.objects.get_or_create(name=name)
    wanted = Q()
    for permission in PERMISSIONS[name]:
        app_label, codename = permission.split(".")
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    group.permissions.set(Permission.objects.filter(wanted))
    return group
