from django.apps import AppConfig


class NewsletterConfig(AppConfig):
    name = "newsletter"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_save

        from articles.models import Article
        from newsletter.signals import article_saved

        # articles never imports this app: the newsletter watches articles being published instead.
        post_save.connect(article_saved, sender=Article, dispatch_uid="newsletter-article-saved")
