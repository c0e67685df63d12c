from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, pre_delete, pre_save

        from articles.caching import (
            article_changed_tags,
            article_leaves_tags,
            article_moves_menu,
            article_tag,
            category_changed_tags,
            next_publication,
            tag_changed_tags,
            tagging_changed,
        )
        from articles.models import Article, Category, Correction, Tag
        from pagecache.tags import watch

        # before_save: an article moved to another section or author leaves their lists too.
        watch(Article, tags=article_changed_tags, before_save=True, schedule=next_publication)
        watch(Category, tags=category_changed_tags)
        watch(Tag, tags=tag_changed_tags)
        m2m_changed.connect(tagging_changed, sender=Article.tags.through, dispatch_uid="articles-tagging")
        pre_delete.connect(article_leaves_tags, sender=Article, dispatch_uid="articles-leave-tags")
        # A correction is part of its article's page (and JSON-LD), nowhere else.
        watch(Correction, tags=lambda correction: [article_tag(correction.article_id)])
        pre_save.connect(article_moves_menu, sender=Article, dispatch_uid="articles-menu-saving")
        post_delete.connect(article_moves_menu, sender=Article, dispatch_uid="articles-menu-deleted")
