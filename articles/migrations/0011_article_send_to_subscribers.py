from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0010_revisions_corrections"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="send_to_subscribers",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "Email this article to newsletter subscribers (whole site and this section) once it is "
                    "published; a scheduled article is sent at its publication time. Sent once only."
                ),
                verbose_name="send to subscribers",
            ),
        ),
    ]
