from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_in
        from django.utils.html import escape

        from accounts import checks  # noqa: F401 (registers the deploy checks)
        from accounts.caching import changed_tags
        from accounts.throttling import reset_own_failures
        from pagecache import personal
        from pagecache.tags import watch

        # Logging in changes no reader's page.
        watch(get_user_model(), tags=changed_tags, ignore_fields={"last_login"})
        personal.register("name", lambda request: escape(request.user.public_name))
        user_logged_in.connect(reset_own_failures, dispatch_uid="accounts-reset-own-failures")
