from django.contrib import admin, messages
from django.utils.text import Truncator

from comments.models import Comment, CommentNotification
from comments.services import moderate_comments


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
    actions = ("hide_comments", "unhide_comments")

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
