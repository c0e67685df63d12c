from django.contrib import admin, messages
from django.utils.text import Truncator

from articles import roles
from articles.models import Article
from comments.models import Comment, CommentNotification, Discussion
from comments.services import moderate_comments, set_discussion_open


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    # What a moderator needs fits 1280 px without sideways scrolling: long text is shortened.
    list_display = ("short_body", "author", "state", "created_at", "short_article")
    ordering = ("-created_at", "-id")
    list_filter = ("state", "created_at")
    list_select_related = ("article", "author")
    search_fields = ("body", "author__username", "author__display_name", "article__title")
    date_hierarchy = "created_at"
    raw_id_fields = ("article", "author", "parent", "reply_to")
    readonly_fields = ("created_at", "edited_at")
    actions = ("hide_comments", "unhide_comments", "close_discussion", "reopen_discussion")

    class Media:
        css = {"all": ["css/admin-comments.css"]}

    @admin.display(description="comment")
    def short_body(self, obj):
        return Truncator(obj.body).chars(60)

    @admin.display(description="article", ordering="article__title")
    def short_article(self, obj):
        return Truncator(obj.article.title).chars(30)

    @admin.action(description="Hide selected comments")
    def hide_comments(self, request, queryset):
        count = moderate_comments(comments=queryset, hide=True)
        self.message_user(request, f"{count} comment(s) hidden.", messages.SUCCESS)

    @admin.action(description="Unhide selected comments")
    def unhide_comments(self, request, queryset):
        count = moderate_comments(comments=queryset, hide=False)
        self.message_user(request, f"{count} comment(s) visible again.", messages.SUCCESS)

    def has_close_discussion_permission(self, request):
        return roles.can_close_discussion(request.user)

    @admin.action(
        description="Close the discussion under these comments' articles", permissions=["close_discussion"]
    )
    def close_discussion(self, request, queryset):
        article_ids = set(queryset.values_list("article_id", flat=True))
        count = set_discussion_open(article_ids=article_ids, comments_open=False)
        self.message_user(request, f"Comments closed under {count} article(s).", messages.SUCCESS)

    @admin.action(
        description="Reopen the discussion under these comments' articles", permissions=["close_discussion"]
    )
    def reopen_discussion(self, request, queryset):
        article_ids = set(queryset.values_list("article_id", flat=True))
        count = set_discussion_open(article_ids=article_ids, comments_open=True)
        self.message_user(request, f"Comments reopened under {count} article(s).", messages.SUCCESS)


@admin.register(CommentNotification)
class CommentNotificationAdmin(admin.ModelAdmin):
    """What was mailed to whom (or skipped, and why): a record kept by the worker, never edited."""

    list_display = ("recipient", "kind", "outcome", "comment", "created_at", "handled_at")
    list_filter = ("kind", "outcome", "created_at")
    list_select_related = ("recipient", "comment__article", "comment__author")
    search_fields = ("recipient__username", "recipient__email")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Discussion)
class DiscussionAdmin(admin.ModelAdmin):
    """Published articles as discussions, for moderators: open or closed, how many comments, and the
    actions that close or reopen them. Nothing here opens or changes an article."""

    list_display = ("title", "comment_count", "comments_enabled", "published_at")
    list_display_links = None
    list_filter = ("comments_enabled",)
    search_fields = ("title",)
    ordering = ("-published_at", "-id")
    actions = ("close_discussion", "reopen_discussion")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status=Article.Status.PUBLISHED).defer("search_vector")

    def has_module_permission(self, request):
        return roles.can_close_discussion(request.user)

    def has_view_permission(self, request, obj=None):
        return obj is None and roles.can_close_discussion(request.user)  # the list only

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_close_discussion_permission(self, request):
        return roles.can_close_discussion(request.user)

    @admin.action(
        description="Close the discussion under the selected articles", permissions=["close_discussion"]
    )
    def close_discussion(self, request, queryset):
        count = set_discussion_open(
            article_ids=list(queryset.values_list("pk", flat=True)), comments_open=False
        )
        self.message_user(request, f"Comments closed under {count} article(s).", messages.SUCCESS)

    @admin.action(
        description="Reopen the discussion under the selected articles", permissions=["close_discussion"]
    )
    def reopen_discussion(self, request, queryset):
        count = set_discussion_open(
            article_ids=list(queryset.values_list("pk", flat=True)), comments_open=True
        )
        self.message_user(request, f"Comments reopened under {count} article(s).", messages.SUCCESS)
