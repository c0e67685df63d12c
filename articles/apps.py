from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class ArticlesConfig(AppConfig):
    name = "articles"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from newsblog.cache import content_changed

        post_save.connect(content_changed, dispatch_uid="newsblog-content-saved")
        post_delete.connect(content_changed, dispatch_uid="newsblog-content-deleted")
