# Full-text search: a stored, weighted search vector with a GIN index, filled for existing rows.
#
# The column exists on every backend (SQLite stores it as an unused, NULL "tsvector"-typed column);
# the GIN index and the backfill are PostgreSQL-only, so they run as vendor-checked RunPython steps
# rather than a GinIndex in Meta.indexes (which would emit "USING gin" on SQLite and fail).
# Keep BACKFILL_SQL in step with articles.search.search_vector().

import django.contrib.postgres.search
from django.db import migrations

INDEX_NAME = "article_search_vector_gin"

BACKFILL_SQL = r"""
UPDATE articles_article SET search_vector =
    setweight(to_tsvector('english'::regconfig, COALESCE(title, '')), 'A')
    || setweight(to_tsvector('english'::regconfig, COALESCE(summary, '')), 'B')
    || setweight(to_tsvector('english'::regconfig, COALESCE(
        regexp_replace(body_html, '<(?:[^>"'']|"[^"]*"|''[^'']*'')*>', ' ', 'g'), '')), 'C')
"""


def create_index_and_fill(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX_NAME} ON articles_article USING gin (search_vector)"
    )
    schema_editor.execute(BACKFILL_SQL)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0002_comment_settings'),
    ]

    operations = [
        migrations.AddField(
            model_name='article',
            name='search_vector',
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(create_index_and_fill, drop_index),
    ]
