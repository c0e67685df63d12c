from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = DjangoUserAdmin.fieldsets + (
        ("Profile", {"fields": ("display_name", "bio")}),
        ("Email", {"fields": ("notify_replies", "notify_article_comments")}),
    )
    # Staff accounts are made here (or with createsuperuser); public sign-up never sets is_staff.
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "email", "display_name", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = (
        "username",
        "display_name",
        "email",
        "is_staff",
        "is_active",
        "awaiting_confirmation",
        "date_joined",
    )
    list_filter = (*DjangoUserAdmin.list_filter, "awaiting_confirmation")
    search_fields = ("username", "display_name", "email")
