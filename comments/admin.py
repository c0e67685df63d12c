from django.contrib import admin, messages

from comments.models import Comment
from comments.services import moderate_comments


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("short_body", "article", "author", "state", "created_at", "edited_at")
    list_filter = ("state", "created_at")
    list_select_related = ("article", "author")
    search_fields = ("body", "author__username", "author__display_name", "article__title")
    date_hierarchy = "created_at"
    raw_id_fields = ("article", "author", "parent", "reply_to")
    readonly_fields = ("created_at", "edited_at")
    actions = ("hide_comments", "unhide_comments")

    @admin.display(description="comment")
    def short_body(self, obj):
        return obj.body if len(obj.body) <= 80 else obj.body[:79] + "…"

    @admin.action(description="Hide selected comments")
    def hide_comments(self, request, queryset):
        count = moderate_comments(comments=queryset, hide=True)
        self.message_user(request, f"{count} comment(s) hidden.", messages.SUCCESS)

    @admin.action(description="Unhide selected comments")
    def unhide_comments(self, request, queryset):
        count = moderate_comments(comments=queryset, hide=False)
        self.message_user(request, f"{count} comment(s) visible again.", messages.SUCCESS)
