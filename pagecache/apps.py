from django.apps import AppConfig


class PagecacheConfig(AppConfig):
    name = "pagecache"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from pagecache import personal

        personal.register("csrf", personal.csrf_input)
