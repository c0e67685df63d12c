"""For crawlers: the sitemap (articles, categories, tags, authors), a Google News sitemap and robots.txt."""

from datetime import timedelta
from io import StringIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import sitemap as sitemap_view
from django.db.models import Max, Q
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.xmlutils import SimplerXMLGenerator
from django.views.decorators.http import require_safe

from articles.caching import ALL_ARTICLES, ALL_CATEGORIES, ALL_TAGS
from articles.feeds import xml_safe
from articles.models import Article, Category, Tag
from pagecache.pages import reader_page

NEWS_WINDOW = timedelta(hours=48)
NEWS_MAX_URLS = 1000  # Google News sitemaps hold at most 1,000 URLs


def _published_articles_filter(prefix="articles__"):
    return Q(**{f"{prefix}status": Article.Status.PUBLISHED, f"{prefix}published_at__lte": timezone.now()})


class ArticleSitemap(Sitemap):
    def items(self):
        return (
            Article.objects.published()
            .with_last_activity()
            .only("slug", "updated_at", "published_at")
            .order_by("-published_at", "-id")
        )

    def lastmod(self, item):
        return item.last_activity


class CategorySitemap(Sitemap):
    def items(self):
        return Category.objects.annotate(
            last_activity=Max("articles__updated_at", filter=_published_articles_filter())
        ).order_by("name")

    def lastmod(self, item):
        return item.last_activity


class TagSitemap(Sitemap):
    """Pages of tags on at least one published article (any other tag page is a 404)."""

    def items(self):
        return Tag.objects.annotate(
            last_activity=Max("articles__updated_at", filter=_published_articles_filter())
        ).filter(last_activity__isnull=False)

    def lastmod(self, item):
        return item.last_activity


class AuthorSitemap(Sitemap):
    """Author pages of active users with at least one published article."""

    def items(self):
        return (
            get_user_model()
            .objects.filter(_published_articles_filter(), is_active=True)
            .annotate(last_activity=Max("articles__updated_at"))
            .only("username")
            .order_by("username")
        )

    def lastmod(self, item):
        return item.last_activity


SITEMAPS = {
    "articles": ArticleSitemap,
    "categories": CategorySitemap,
    "tags": TagSitemap,
    "authors": AuthorSitemap,
}


@require_safe
@reader_page(tags=(ALL_ARTICLES, ALL_CATEGORIES, ALL_TAGS, "users"))
def sitemap(request):
    return sitemap_view(request, sitemaps=SITEMAPS)


@require_safe
@reader_page(tags=(ALL_ARTICLES,))
def news_sitemap(request):
    """Google News sitemap: articles published in the last 48 hours."""
    now = timezone.now()
    articles = (
        Article.objects.published()
        .filter(published_at__gte=now - NEWS_WINDOW)
        .only("slug", "title", "published_at")
        .order_by("-published_at", "-id")[:NEWS_MAX_URLS]
    )
    language = settings.LANGUAGE_CODE.split("-")[0].lower()
    name = xml_safe(settings.SITE_NAME)
    out = StringIO()
    xml = SimplerXMLGenerator(out, "utf-8")
    xml.startDocument()
    xml.startElement(
        "urlset",
        {
            "xmlns": "http://www.sitemaps.org/schemas/sitemap/0.9",
            "xmlns:news": "http://www.google.com/schemas/sitemap-news/0.9",
        },
    )
    for article in articles:
        xml.startElement("url", {})
        xml.addQuickElement("loc", request.build_absolute_uri(article.get_absolute_url()))
        xml.startElement("news:news", {})
        xml.startElement("news:publication", {})
        xml.addQuickElement("news:name", name)
        xml.addQuickElement("news:language", language)
        xml.endElement("news:publication")
        xml.addQuickElement("news:publication_date", article.published_at.isoformat(timespec="seconds"))
        xml.addQuickElement("news:title", xml_safe(article.title))
        xml.endElement("news:news")
        xml.endElement("url")
    xml.endElement("urlset")
    xml.endDocument()
    return HttpResponse(out.getvalue(), content_type="application/xml; charset=utf-8")


@require_safe
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /accounts/",
        f"Disallow: {reverse('articles:search')}",
        "Disallow: /markdownx/",
        "",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap-news'))}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
