from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "comments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The article page shows its discussion; articles never imports comments, so we plug in here.
        from articles.views import article_page_extensions
        from comments.views import comments_context, fill_personal_parts
        from newsblog.cache import personal_parts

        article_page_extensions.append(comments_context)
        personal_parts.append(fill_personal_parts)
