"""Sitemap, Google News sitemap and robots.txt."""

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from tests.factories import make_article, make_category, make_staff, make_tag

pytestmark = pytest.mark.django_db

NS = {
    "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}


def sitemap_entries(client, url="/sitemap.xml"):
    response = client.get(url)
    assert response.status_code == 200
    root = ET.fromstring(response.content)  # noqa: S314 - our own output
    return {
        url.find("s:loc", NS).text: getattr(url.find("s:lastmod", NS), "text", None)
        for url in root.findall("s:url", NS)
    }


def test_sitemap_lists_published_articles_categories_and_authors(client):
    empty_category = make_category()
    article = make_article()
    draft = make_article(status=Article.Status.DRAFT, published_at=None)
    scheduled = make_article(published_at=timezone.now() + timedelta(days=1))
    author_without_articles = make_staff()
    entries = sitemap_entries(client)
    base = "http://testserver"
    assert base + article.get_absolute_url() in entries
    assert base + draft.get_absolute_url() not in entries
    assert base + scheduled.get_absolute_url() not in entries
    assert base + article.category.get_absolute_url() in entries
    assert base + empty_category.get_absolute_url() in entries
    assert base + article.author.get_absolute_url() in entries
    assert base + draft.author.get_absolute_url() not in entries
    assert base + scheduled.author.get_absolute_url() not in entries
    assert base + author_without_articles.get_absolute_url() not in entries


def test_article_lastmod_is_its_updated_date(client):
    article = make_article()
    later = timezone.now() + timedelta(minutes=5)
    Article.objects.filter(pk=article.pk).update(updated_at=later)
    entries = sitemap_entries(client)
    assert entries["http://testserver" + article.get_absolute_url()] == later.date().isoformat()


def test_last_activity_hook_is_updated_at():
    article = make_article()
    assert Article.objects.with_last_activity().get(pk=article.pk).last_activity == article.updated_at


def test_news_sitemap_has_articles_of_the_last_48_hours(client):
    now = timezone.now()
    fresh = make_article(title="Fresh & new", published_at=now - timedelta(hours=47))
    old = make_article(published_at=now - timedelta(hours=49))
    draft = make_article(status=Article.Status.DRAFT, published_at=None)
    response = client.get(reverse("sitemap-news"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)  # noqa: S314 - our own output
    urls = root.findall("s:url", NS)
    assert [u.find("s:loc", NS).text for u in urls] == ["http://testserver" + fresh.get_absolute_url()]
    news = urls[0].find("news:news", NS)
    assert news.find("news:publication/news:name", NS).text == "newsblog"
    assert news.find("news:publication/news:language", NS).text == "en"
    assert news.find("news:title", NS).text == "Fresh & new"
    assert news.find("news:publication_date", NS).text.startswith(fresh.published_at.date().isoformat())
    assert old.get_absolute_url() not in response.content.decode()
    assert draft.get_absolute_url() not in response.content.decode()


def test_robots_txt_points_at_the_sitemaps_and_disallows_private_areas(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    for path in ("/admin/", "/accounts/", "/search/"):
        assert f"Disallow: {path}" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Sitemap: http://testserver/sitemap-news.xml" in lines


@pytest.mark.parametrize("count", [3, 30])
def test_sitemap_queries_do_not_grow(client, django_assert_num_queries, count, no_page_cache):
    category, author = make_category(), make_staff()
    for _ in range(count):
        make_article(category=category, author=author, tags=[make_tag()])
    # articles, categories, tags, authors (each sitemap: count + page; Django pages them by 50,000)
    with django_assert_num_queries(8):
        assert client.get("/sitemap.xml").status_code == 200
