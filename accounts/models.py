from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse


class User(AbstractUser):
    display_name = models.CharField(
        max_length=80, blank=True, help_text="Shown next to your articles and comments."
    )
    bio = models.TextField(max_length=2000, blank=True)

    class Meta:
        constraints = [
            # "Alice" and "alice" are one person to readers, so they are one account.
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique"),
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="accounts_user_email_ci_unique",
            ),
        ]

    def __str__(self):
        return self.public_name

    def get_absolute_url(self):
        return reverse("articles:author", args=[self.username])

    @property
    def public_name(self):
        return self.display_name or self.username
