"""Related reading under an article: same category first, then the most recent; one query."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article
from tests.factories import make_article, make_category, make_staff

pytestmark = pytest.mark.django_db


def test_same_category_first_then_most_recent():
    now = timezone.now()
    city, sport = make_category(), make_category()
    article = make_article(category=city, published_at=now - timedelta(hours=5))
    old_city = make_article(title="Old city", category=city, published_at=now - timedelta(days=9))
    make_article(title="Newest sport", category=sport, published_at=now - timedelta(minutes=5))
    make_article(title="Older sport", category=sport, published_at=now - timedelta(hours=2))
    make_article(title="Oldest sport", category=sport, published_at=now - timedelta(hours=3))
    make_article(title="Draft city", category=city, status=Article.Status.DRAFT, published_at=None)
    make_article(title="Scheduled city", category=city, published_at=now + timedelta(hours=1))
    assert [a.title for a in article.related()] == [old_city.title, "Newest sport", "Older sport"]


def test_article_page_shows_related_reading(client):
    category = make_category()
    article = make_article(category=category)
    make_article(title="Read this next", category=category)
    content = client.get(article.get_absolute_url()).content.decode()
    assert "Related reading" in content
    assert "Read this next" in content


def test_no_related_section_when_there_is_nothing_else(client):
    article = make_article()
    assert "Related reading" not in client.get(article.get_absolute_url()).content.decode()


def article_page_queries(client, article):
    client.get("/")  # warms the cached section list in the header
    with CaptureQueriesContext(connection) as queries:
        assert client.get(article.get_absolute_url()).status_code == 200
    return [q["sql"] for q in queries.captured_queries]


@pytest.mark.parametrize("count", [3, 30])
def test_related_reading_adds_exactly_one_query(client, count, no_page_cache):
    category, author = make_category(), make_staff()
    for _ in range(count):
        make_article(category=category, author=author)
    article = make_article(category=category, author=author)
    queries = article_page_queries(client, article)
    related = [sql for sql in queries if "CASE WHEN" in sql and "articles_article" in sql]
    # one query for the related articles with their authors and categories
    assert len(related) == 1
    assert 'INNER JOIN "accounts_user"' in related[0] and 'INNER JOIN "articles_category"' in related[0]


def test_article_page_query_count_does_not_grow(client, no_page_cache):
    category, author = make_category(), make_staff()
    first = make_article(category=category, author=author)
    few = len(article_page_queries(client, first))
    for _ in range(30):
        make_article(category=category, author=author)
    assert len(article_page_queries(client, first)) == few
