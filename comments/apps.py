from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "comments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from articles.caching import discussion_tag
        from articles.views import article_page_extensions
        from comments.models import Comment
        from comments.views import comments_context, own_actions, pending_comment_form
        from pagecache import personal
        from pagecache.tags import watch

        # The article page shows its discussion; articles never imports comments, so we plug in here.
        article_page_extensions.append(comments_context)
        watch(Comment, tags=lambda comment: [discussion_tag(comment.article_id)])
        personal.register("own-actions", own_actions)
        personal.register("comment-form", pending_comment_form)
