# The body gets a length limit and a validator for text too deeply nested to render, and every
# stored body_html is rendered again with the new renderer (cmark-gfm instead of python-markdown).
# A body the new renderer refuses keeps its old, already sanitised HTML until an editor fixes it.

import django.core.validators
import markdownx.models
from django.db import migrations

import articles.markdown

BATCH = 200


def render_again(apps, schema_editor):
    from articles.markdown import MarkdownTooComplex, render_markdown
    from articles.search import search_vector

    Article = apps.get_model("articles", "Article")
    articles = Article.objects.using(schema_editor.connection.alias)
    changed = []
    for article in articles.only("pk", "body", "body_html").order_by("pk").iterator(chunk_size=BATCH):
        try:
            html = render_markdown(article.body)
        except MarkdownTooComplex:
            continue
        if html != article.body_html:
            article.body_html = html
            changed.append(article)
        if len(changed) >= BATCH:
            articles.bulk_update(changed, ["body_html"])
            changed = []
    articles.bulk_update(changed, ["body_html"])
    if schema_editor.connection.vendor == "postgresql":
        articles.update(search_vector=search_vector())


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0005_content_generation'),
    ]

    operations = [
        migrations.AlterField(
            model_name='article',
            name='body',
            field=markdownx.models.MarkdownxField(help_text='Markdown, up to 100,000 characters. The preview shows exactly what readers will see.', validators=[django.core.validators.MaxLengthValidator(100000, message='Keep the body to 100,000 characters at most (it has %(show_value)s): split a longer piece into several articles.'), articles.markdown.validate_markdown]),
        ),
        migrations.RunPython(render_again, migrations.RunPython.noop),
    ]
