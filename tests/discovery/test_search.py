"""Search: PostgreSQL full-text search (ranked, highlighted) and the SQLite icontains fallback."""

from datetime import timedelta

import pytest
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from articles.search import MAX_QUERY_LENGTH, clean_query, highlight
from tests.discovery.helpers import postgres_only, sqlite_only
from tests.factories import make_article, make_category, make_staff

pytestmark = pytest.mark.django_db
SEARCH = reverse("articles:search")


def results(response):
    return [article.title for article in response.context["page"]]


def test_empty_query_shows_the_form(client):
    response = client.get(SEARCH)
    assert response.status_code == 200
    assert response.context["page"] is None
    assert b'role="search"' in response.content
    assert b'name="q"' in response.content


def test_finds_a_published_article_by_a_body_word(client):
    make_article(title="Harbour news", body="The lighthouse keeper retired on Friday.")
    make_article(title="Other news", body="Nothing to see.")
    response = client.get(SEARCH, {"q": "lighthouse"})
    assert response.status_code == 200
    assert results(response) == ["Harbour news"]


def test_drafts_and_scheduled_articles_are_not_found(client):
    make_article(title="Draft piece", body="zeppelin", status=Article.Status.DRAFT, published_at=None)
    make_article(title="Scheduled piece", body="zeppelin", published_at=timezone.now() + timedelta(days=1))
    make_article(title="Live piece", body="zeppelin")
    assert results(client.get(SEARCH, {"q": "zeppelin"})) == ["Live piece"]


def test_no_result_says_so(client):
    make_article(title="Something")
    response = client.get(SEARCH, {"q": "xylophonist"})
    assert response.status_code == 200
    assert "No articles match “xylophonist”" in response.content.decode()


def test_the_echoed_query_is_escaped(client):
    response = client.get(SEARCH, {"q": '<img src=x onerror="alert(1)">'})
    content = response.content.decode()
    assert "<img src=x" not in content
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in content


def test_results_are_paginated_and_keep_the_query(client):
    category, author = make_category(), make_staff()
    for _ in range(12):
        make_article(body="common walrus", category=category, author=author)
    first = client.get(SEARCH, {"q": "walrus"})
    assert len(results(first)) == 10
    assert b"?q=walrus&amp;page=2" in first.content
    assert len(results(client.get(SEARCH, {"q": "walrus", "page": 2}))) == 2
    assert client.get(SEARCH, {"q": "walrus", "page": 9}).status_code == 404


HOSTILE_QUERIES = [
    "'",
    '"',
    '"unbalanced',
    "a & b | !c",
    "foo:* bar:*",
    "((((",
    "))",
    "!",
    "&|!:*()",
    "<->",
    "'; DROP TABLE articles_article; --",
    "1' OR '1'='1",
    "nul\x00byte",
    "\x00",
    "   ",
    "-",
    "OR",
    "the",
    "%_%",
    "\\",
    "x" * 5000,
    "word " * 300,
    "ünïcödé 漢字 😀",
    "\ue000marker\ue001",
]


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_hostile_queries_are_plain_words_never_a_500(client, query):
    make_article(title="A title", body="Some body text about walruses.")
    response = client.get(SEARCH, {"q": query})
    assert response.status_code == 200
    echoed = response.context["query"]
    assert len(echoed) <= MAX_QUERY_LENGTH
    assert "\x00" not in echoed


def test_a_long_query_is_truncated_to_200_characters():
    assert len(clean_query("walrus " * 100)) <= MAX_QUERY_LENGTH
    assert clean_query("a\x00b  c\n") == "a b c"


def test_highlight_escapes_everything_but_the_marks():
    text = "<script>alert(1)</script> \ue000walrus\ue001 & \ue000stray"
    assert highlight(text) == "&lt;script&gt;alert(1)&lt;/script&gt; <mark>walrus</mark> &amp; stray"


def test_snippet_from_article_text_is_escaped(client):
    make_article(title="Escaping", body="The walrus said `<script>alert(1)</script>` & left.")
    content = client.get(SEARCH, {"q": "walrus"}).content.decode()
    assert "<script>alert(1)" not in content
    assert "<mark>walrus</mark>" in content


@pytest.mark.parametrize("count", [3, 30])
def test_search_queries_do_not_grow(client, django_assert_num_queries, count, no_page_cache):
    category, author = make_category(), make_staff()
    for _ in range(count):
        make_article(body="walrus colony", category=category, author=author)
    client.get("/")  # warms the cached section list in the header
    # the section menu's version, count, page of articles + authors + categories (with rank and
    # snippet on PostgreSQL)
    with django_assert_num_queries(3):
        assert client.get(SEARCH, {"q": "walrus"}).status_code == 200


@sqlite_only
def test_sqlite_fallback_matches_every_word_case_insensitively(client):
    make_article(title="Walrus Colony grows", body="On the northern shore.")
    make_article(title="Walrus alone", body="Elsewhere.")
    assert results(client.get(SEARCH, {"q": "walrus NORTHERN"})) == ["Walrus Colony grows"]


@postgres_only
def test_title_match_outranks_summary_outranks_body(client):
    now = timezone.now()
    make_article(title="Body one", body="The narwhal surfaced.", published_at=now - timedelta(hours=1))
    make_article(title="Summary one", summary="A narwhal was seen.", published_at=now - timedelta(hours=2))
    make_article(title="Narwhal in the title", published_at=now - timedelta(hours=3))
    assert results(client.get(SEARCH, {"q": "narwhal"})) == [
        "Narwhal in the title",
        "Summary one",
        "Body one",
    ]


@postgres_only
def test_stemming_and_websearch_syntax(client):
    make_article(title="Ferries", body="Ferries were cancelled across the estuary.")
    make_article(title="Trains", body="Trains were cancelled inland.")
    assert set(results(client.get(SEARCH, {"q": "cancelling"}))) == {"Ferries", "Trains"}
    assert results(client.get(SEARCH, {"q": "cancelled -inland"})) == ["Ferries"]
    assert results(client.get(SEARCH, {"q": '"across the estuary"'})) == ["Ferries"]


@postgres_only
def test_snippet_highlights_the_match_from_plain_text(client):
    make_article(
        title="Plain",
        body="Intro paragraph.\n\nA **bold** walrus & a [link](https://example.org) here.",
    )
    response = client.get(SEARCH, {"q": "walrus"})
    snippet = str(response.context["page"][0].snippet)
    assert "<mark>walrus</mark>" in snippet
    assert "<strong>" not in snippet and "<a " not in snippet  # tags stripped
    assert "&amp;" in snippet and "&amp;amp;" not in snippet  # the entity decoded once, then escaped


@postgres_only
def test_search_vector_is_kept_up_to_date_on_save():
    article = make_article(title="Pelican", body="old words")
    assert Article.objects.filter(search_vector=SearchQuery("pelican", config="english")).exists()
    article.title = "Mongoose"
    article.save()
    assert Article.objects.filter(search_vector=SearchQuery("mongoose", config="english")).exists()
    assert not Article.objects.filter(search_vector=SearchQuery("pelican", config="english")).exists()


@postgres_only
def test_search_uses_the_gin_index_not_a_table_scan():
    category, author = make_category(), make_staff()
    for _ in range(5):
        make_article(category=category, author=author)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE articles_article")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM articles_article "
            "WHERE search_vector @@ websearch_to_tsquery('english', 'walrus')"
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "article_search_vector_gin" in plan


@postgres_only
def test_one_query_uses_the_stored_vector(client):
    make_article(body="walrus")
    with CaptureQueriesContext(connection) as queries:
        client.get(SEARCH, {"q": "walrus"})
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert '"search_vector" @@' in sql
    assert "to_tsvector" not in sql  # never recomputed per row at query time


@postgres_only
def test_migration_backfill_matches_the_save_time_vector():
    import importlib

    migration = importlib.import_module("articles.migrations.0003_article_search_vector")
    article = make_article(
        title="Backfill check",
        summary="Walruses bask.\nSeals swim.",
        body='A [linked word](https://example.org "Secret title") & ![hidden > alt](/x.png) *emphasis* here.',
    )
    saved = Article.objects.values_list("search_vector", flat=True).get(pk=article.pk)
    Article.objects.filter(pk=article.pk).update(search_vector=None)
    with connection.cursor() as cursor:
        cursor.execute(migration.BACKFILL_SQL)
    assert Article.objects.values_list("search_vector", flat=True).get(pk=article.pk) == saved
    lexemes = {item.split(":")[0].strip("'") for item in saved.split()}
    assert {"walrus", "link", "word", "emphasi"} <= lexemes
    assert not {"secret", "titl", "hidden", "alt", "exampl", "png"} & lexemes  # markup is not text
