import django.db.models.functions.text
from django.db import migrations, models


def fill_skeletons(apps, schema_editor):
    """Existing accounts get their username's skeleton. Two that already look alike both keep working:
    the later one's is made distinct with its id (a space never occurs in a username), and the earlier
    one's still blocks new look-alikes."""
    from accounts.names import name_key

    User = apps.get_model("accounts", "User")
    seen = set()
    for user in User.objects.order_by("pk").only("pk", "username"):
        key = name_key(user.username)
        user.username_skeleton = key if key not in seen else f"{key} #{user.pk}"
        seen.add(key)
        user.save(update_fields=["username_skeleton"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="username_skeleton",
            field=models.CharField(default="", editable=False, max_length=1000),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="user",
            name="awaiting_confirmation",
            field=models.BooleanField(
                default=False,
                help_text="Signed up but hasn't opened the confirmation link yet; can't log in, and is "
                "deleted when the link expires.",
            ),
        ),
        migrations.RunPython(fill_skeletons, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                fields=("username_skeleton",), name="accounts_user_username_skeleton_unique"
            ),
        ),
        migrations.RemoveConstraint(model_name="user", name="accounts_user_email_ci_unique"),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("email"),
                condition=models.Q(models.Q(("email", ""), _negated=True), ("awaiting_confirmation", False)),
                name="accounts_user_confirmed_email_ci_unique",
            ),
        ),
        migrations.AddIndex(
            model_name="user",
            index=models.Index(
                condition=models.Q(("awaiting_confirmation", True)),
                fields=["date_joined"],
                name="accounts_user_unconfirmed_idx",
            ),
        ),
    ]
