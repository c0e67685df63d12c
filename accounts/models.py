from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from accounts.names import name_key

USERNAME_LOOKALIKE = "That username looks too much like an existing one. Try another."


class User(AbstractUser):
    display_name = models.CharField(
        max_length=80, blank=True, help_text="Shown next to your articles and comments."
    )
    bio = models.TextField(max_length=2000, blank=True)
    # The username's Unicode skeleton, case-insensitive (accounts/names.py): unique, so no username
    # can pass for another ("аdmin" with a Cyrillic а for "admin"), even when two sign-ups race.
    username_skeleton = models.CharField(max_length=1000, editable=False)
    awaiting_confirmation = models.BooleanField(
        default=False,
        help_text="Signed up but hasn't opened the confirmation link yet; can't log in, and is deleted "
        "when the link expires.",
    )
    # Mail the site sends on its own (accounts/mail.py); each can be turned off from the profile or
    # from the unsubscribe link in the mail itself.
    notify_replies = models.BooleanField("Email me when someone replies to my comments", default=True)
    notify_article_comments = models.BooleanField("Email me about new comments on my articles", default=False)

    class Meta:
        constraints = [
            # "Alice" and "alice" are one person to readers, so they are one account.
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique"),
            models.UniqueConstraint(
                fields=["username_skeleton"], name="accounts_user_username_skeleton_unique"
            ),
            # One confirmed account per address; sign-ups waiting for their link don't hold it, so
            # nobody can keep an address from its owner by signing up with it.
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email="") & models.Q(awaiting_confirmation=False),
                name="accounts_user_confirmed_email_ci_unique",
            ),
        ]
        indexes = [
            models.Index(
                fields=["date_joined"],
                condition=models.Q(awaiting_confirmation=True),
                name="accounts_user_unconfirmed_idx",
            )
        ]

    def __str__(self):
        return self.public_name

    def get_absolute_url(self):
        return reverse("articles:author", args=[self.username])

    @property
    def public_name(self):
        return self.display_name or self.username

    def clean(self):
        super().clean()
        self.username_skeleton = name_key(self.username)
        lookalikes = User.objects.filter(username_skeleton=self.username_skeleton).exclude(pk=self.pk)
        if self.username and lookalikes.exists():
            raise ValidationError({"username": USERNAME_LOOKALIKE})

    def save(self, *args, **kwargs):
        self.username_skeleton = name_key(self.username)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "username" in update_fields:
            kwargs["update_fields"] = {*update_fields, "username_skeleton"}
        super().save(*args, **kwargs)

    @staticmethod
    def unconfirmed_cutoff():
        """Sign-ups made before this and still unconfirmed have expired."""
        return timezone.now() - timedelta(days=settings.SIGNUP_CONFIRM_DAYS)
