"""RSS 2.0 and Atom feeds of the latest published articles, for the whole site, per category and per tag.

Each entry carries the summary bullets as its description and the full sanitised body as content
(RSS `content:encoded`, Atom `<content type="html">`).
"""

import re

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, rfc3339_date
from django.utils.html import format_html, format_html_join

from articles.models import Article, Category, Tag

FEED_SIZE = 20
_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text):
    """Drop characters XML 1.0 cannot carry (Django's XML writer refuses them with an error)."""
    return _XML_INVALID.sub("", text or "")


class ContentEncodedRssFeed(Rss201rev2Feed):
    """RSS 2.0 with the full article in <content:encoded> and the update date in <atom:updated>."""

    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:content": "http://purl.org/rss/1.0/modules/content/"}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content_html"):
            handler.addQuickElement("content:encoded", item["content_html"])
        if item.get("updateddate"):
            # RSS 2.0 has no update date; the Atom namespace (already declared by Django) has one.
            handler.addQuickElement("atom:updated", rfc3339_date(item["updateddate"]))


class ContentAtomFeed(Atom1Feed):
    """Atom with the full article in <content type="html">."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content_html"):
            handler.addQuickElement("content", item["content_html"], {"type": "html"})


class LatestArticlesFeed(Feed):
    feed_type = ContentEncodedRssFeed

    def title(self):
        return xml_safe(settings.SITE_NAME)

    def description(self):
        return f"The latest articles on {xml_safe(settings.SITE_NAME)}."

    subtitle = description  # Atom's name for it

    def link(self):
        return reverse("articles:home")

    def items(self):
        return self.articles(Article.objects.for_listing())

    def articles(self, queryset):
        # The tags of every item in one query: they are the item's categories after its section.
        return queryset.defer("search_vector").prefetch_related("tags")[:FEED_SIZE]

    def item_title(self, item):
        return xml_safe(item.title)

    def item_description(self, item):
        bullets = format_html_join("", "<li>{}</li>", ((bullet,) for bullet in item.summary_bullets))
        return xml_safe(format_html("<ul>{}</ul>", bullets))

    def item_author_name(self, item):
        return xml_safe(item.author.public_name)

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [xml_safe(item.category.name), *(xml_safe(tag.name) for tag in item.tags.all())]

    def item_extra_kwargs(self, item):
        return {"content_html": xml_safe(item.body_html)}


class LatestArticlesAtomFeed(LatestArticlesFeed):
    feed_type = ContentAtomFeed


class CategoryFeed(LatestArticlesFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Category, slug=slug)

    def title(self, obj):
        return xml_safe(f"{obj.name} · {settings.SITE_NAME}")

    def description(self, obj):
        return xml_safe(f"The latest {obj.name} articles on {settings.SITE_NAME}.")

    subtitle = description

    def link(self, obj):
        return obj.get_absolute_url()

    def items(self, obj):
        return self.articles(Article.objects.for_listing().filter(category=obj))


class CategoryAtomFeed(CategoryFeed):
    feed_type = ContentAtomFeed


class TagFeed(CategoryFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Tag.objects.with_published(), slug=slug)

    def description(self, obj):
        return xml_safe(f"The latest articles tagged {obj.name} on {settings.SITE_NAME}.")

    subtitle = description

    def items(self, obj):
        return self.articles(Article.objects.for_listing().filter(tags=obj))


class TagAtomFeed(TagFeed):
    feed_type = ContentAtomFeed
