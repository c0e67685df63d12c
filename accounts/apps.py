from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_delete, post_save

        from accounts.backends import user_changed
        from accounts.throttling import reset_own_failures

        user_model = get_user_model()
        post_save.connect(user_changed, sender=user_model, dispatch_uid="accounts-user-changed-save")
        post_delete.connect(user_changed, sender=user_model, dispatch_uid="accounts-user-changed-delete")
        user_logged_in.connect(reset_own_failures, dispatch_uid="accounts-reset-own-failures")
