"""Article search: PostgreSQL full-text search, with a plain icontains fallback on SQLite.

On PostgreSQL the stored, GIN-indexed `Article.search_vector` (title A, summary B, body C) is matched
with `websearch_to_tsquery`, which accepts any text (quotes, operators, SQL) as plain words; results
are ranked and carry a highlighted snippet from `ts_headline` over the body's plain text. Snippets
are built with private-use marker characters that are turned into <mark> only after everything else
has been escaped, so neither article text nor the query can inject markup.
"""

import html
import re

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connections
from django.db.models import F, Func, Q, TextField, Value
from django.db.models.functions import Concat
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe

from articles.models import Article

MAX_QUERY_LENGTH = 200
MAX_FALLBACK_WORDS = 8
SEARCH_CONFIG = "english"
START, STOP = "\ue000", "\ue001"
SNIPPET_WORDS = 35
# A tag, allowing ">" inside quoted attribute values (nh3 keeps ">" unescaped in attributes).
TAG_PATTERN = r"""<(?:[^>"']|"[^"]*"|'[^']*')*>"""
_UNSAFE_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ue000\ue001]")
_MARKED = re.compile(f"{START}(.*?){STOP}", re.DOTALL)


def clean_query(raw):
    """The query as the reader meant it: control characters dropped, spaces collapsed, 200 chars max."""
    text = _UNSAFE_CHARS.sub(" ", raw or "")
    return " ".join(text.split())[:MAX_QUERY_LENGTH].strip()


def plain_body():
    """The body's sanitised HTML with tags removed, computed in SQL (entities stay; see highlight())."""
    return Func(
        F("body_html"),
        Value(TAG_PATTERN),
        Value(" "),
        Value("g"),
        function="regexp_replace",
        output_field=TextField(),
    )


def search_vector():
    """The weighted vector stored in Article.search_vector (migration 0003 fills it the same way)."""
    return (
        SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector("summary", weight="B", config=SEARCH_CONFIG)
        + SearchVector(plain_body(), weight="C", config=SEARCH_CONFIG)
    )


def highlight(text):
    """Escape plain text, then turn START…STOP marker pairs into <mark>; stray markers are dropped."""
    escaped = escape(text or "")
    marked = _MARKED.sub(r"<mark>\1</mark>", escaped)
    return mark_safe(marked.replace(START, "").replace(STOP, ""))  # noqa: S308 - escaped above


def search_articles(query, using="default"):
    """Published articles matching `query` (already cleaned), best first; each has `.snippet` once
    passed through with_snippets()."""
    articles = Article.objects.for_listing().defer("search_vector", "body")
    if connections[using].vendor == "postgresql":
        articles = articles.defer("body_html")
        search_query = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
        return (
            articles.filter(search_vector=search_query)
            .annotate(
                rank=SearchRank(F("search_vector"), search_query),
                headline=SearchHeadline(
                    Concat("summary", Value("\n"), plain_body(), output_field=TextField()),
                    search_query,
                    config=SEARCH_CONFIG,
                    start_sel=START,
                    stop_sel=STOP,
                    max_words=SNIPPET_WORDS,
                    min_words=15,
                ),
            )
            .order_by("-rank", "-published_at", "-id")
        )
    words = query.split()[:MAX_FALLBACK_WORDS]
    condition = Q()
    for word in words:
        condition &= Q(title__icontains=word) | Q(summary__icontains=word) | Q(body__icontains=word)
    return articles.filter(condition).order_by("-published_at", "-id")


def with_snippets(articles, query):
    """Give each article of a page a safe, highlighted `snippet`."""
    words = query.split()[:MAX_FALLBACK_WORDS]
    for article in articles:
        if hasattr(article, "headline"):
            # ts_headline ran over tag-stripped HTML: entities are still encoded.
            article.snippet = highlight(html.unescape(article.headline))
        else:
            article.snippet = highlight(_fallback_headline(article, words))
    return articles


def _fallback_headline(article, words):
    """SQLite: a window of the text around the first matching word, with every match marked."""
    text = " ".join([*article.summary_bullets, strip_tags(article.body_html)])
    text = _UNSAFE_CHARS.sub(" ", html.unescape(text))
    pattern = re.compile("|".join(re.escape(word) for word in words), re.IGNORECASE) if words else None
    match = pattern.search(text) if pattern else None
    tokens = text.split()
    if match:
        before = len(text[: match.start()].split())
        start = max(0, before - 10)
    else:
        start = 0
    window = " ".join(tokens[start : start + SNIPPET_WORDS])
    if pattern:
        window = pattern.sub(lambda m: f"{START}{m.group(0)}{STOP}", window)
    prefix = "… " if start else ""
    suffix = " …" if start + SNIPPET_WORDS < len(tokens) else ""
    return prefix + window + suffix
