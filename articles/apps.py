from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from articles.caching import article_changed_tags, category_changed_tags, next_publication
        from articles.models import Article, Category
        from pagecache.tags import watch

        # before_save: an article moved to another section or author leaves their lists too.
        watch(Article, tags=article_changed_tags, before_save=True, schedule=next_publication)
        watch(Category, tags=category_changed_tags)
