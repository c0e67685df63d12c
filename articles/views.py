import json

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.paginator import InvalidPage, Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from accounts.caching import user_tag
from articles import roles
from articles.caching import (
    ALL_ARTICLES,
    ALL_CATEGORIES,
    MENU,
    article_page_tags,
    by_author_tag,
    category_tag,
    in_category_tag,
    listing_tags,
    related_tags,
    tag_tag,
    tagged_tag,
)
from articles.front import front_page
from articles.models import Article, Category, Tag, has_published
from articles.preview import article_id_from
from articles.search import clean_query, search_articles, with_snippets
from pagecache.pages import reader_page
from pagecache.tags import shows

PAGE_SIZE = 10
# Far beyond any archive; keeps the offset within what every database accepts.
MAX_PAGE = 1_000_000


def paginate(request, queryset, per_page=PAGE_SIZE):
    """The requested page; a page that is out of range or not a number is a 404, not a 500."""
    paginator = Paginator(queryset, per_page)
    try:
        return paginator.page(request.GET.get("page") or 1)
    except InvalidPage as exc:
        raise Http404("There is no such page.") from exc


class ListPage:
    """One page of a list that never counts the list: it reads one row more than it shows to know
    whether an older page exists, so its cost does not grow with the archive. `?page=N` links keep
    working; a page past the end is a 404."""

    def __init__(self, rows, number, has_next):
        self.object_list, self.number = rows, number
        self.has_next_page = has_next

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    def has_next(self):
        return self.has_next_page

    def has_previous(self):
        return self.number > 1

    def has_other_pages(self):
        return self.has_previous() or self.has_next()

    def next_page_number(self):
        return self.number + 1

    def previous_page_number(self):
        return self.number - 1


def list_page(request, queryset, per_page=PAGE_SIZE):
    try:
        number = int(request.GET.get("page") or 1)
    except ValueError:
        raise Http404("There is no such page.") from None
    if not 1 <= number <= MAX_PAGE:
        raise Http404("There is no such page.")
    start = (number - 1) * per_page
    rows = list(queryset[start : start + per_page + 1])
    if not rows and number > 1:
        raise Http404("There is no such page.")
    return ListPage(rows[:per_page], number, has_next=len(rows) > per_page)


@require_safe
@reader_page
def home(request):
    if (request.GET.get("page") or "1") == "1":  # later pages are the plain list
        context = {**front_page(top_size=PAGE_SIZE), "canonical_url": canonical_url(request)}
        blocks = [article for block in context["sections"] for article in block["articles"]]
        shown = [article for article in (context["lead"], *context["stories"], *blocks) if article]
        shows(ALL_ARTICLES, ALL_CATEGORIES, MENU, *listing_tags(shown))
        return render(request, "articles/front_page.html", context)
    page = list_page(request, Article.objects.for_listing())
    shows(ALL_ARTICLES, *listing_tags(page))
    return render(
        request, "articles/article_list.html", {"page": page, "canonical_url": canonical_url(request, page)}
    )


# Callables (request, article) -> dict that add to the article page; the comments app registers its
# section here in its AppConfig.ready, so that articles never imports comments.
article_page_extensions = []


def render_article(request, article, *, status=200, extensions_context=None, preview_link=False):
    """The article page. `extensions_context` stands in for what the extensions would add, so that
    one of them can re-show its part of the page (a form with its errors, say). An article that is
    not public yet (a staff preview, or `preview_link` for someone holding a preview link) has no
    discussion and is kept from caches and search engines."""
    context = {
        "article": article,
        "preview_link": preview_link,
        **article_discovery_context(request, article),
    }
    # Related reading lists other articles: any article's change may change it.
    shows(*article_page_tags(article), ALL_ARTICLES, *related_tags(context["related_articles"]))
    # The extensions (the discussion) belong to published articles: nobody may comment on a preview.
    if article.is_public and extensions_context is None:
        for extend in article_page_extensions:
            context.update(extend(request, article))
    elif article.is_public:
        context.update(extensions_context)
    response = render(request, "articles/article_detail.html", context, status=status)
    if not article.is_public:
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex"
    return response


@require_safe
@reader_page
def detail(request, slug):
    queryset = Article.objects.select_related("author", "category").prefetch_related("tags", "corrections")
    article = get_object_or_404(queryset, slug=slug)
    # Not public yet: only an editor or its own writer sees it here (asked only then, so a published
    # article costs nobody a permission lookup).
    if not article.is_public and not roles.can_preview(request.user, article):
        raise Http404("No such article.")
    return render_article(request, article)


@require_safe
def preview(request, token):
    """An unpublished article for someone holding a preview link (no account needed). Not a reader
    page: never stored by the page cache."""
    try:
        article_id = article_id_from(token)
    except signing.SignatureExpired:
        return preview_refused(request, "expired", status=410)
    except signing.BadSignature:
        return preview_refused(request, "invalid", status=404)
    article = Article.objects.select_related("author", "category").filter(pk=article_id).first()
    if article is None:
        return preview_refused(request, "gone", status=404)
    if article.is_public:
        return redirect(article)  # published since the link was made: the real page
    return render_article(request, article, preview_link=True)


def preview_refused(request, reason, *, status):
    response = render(request, "articles/preview_refused.html", {"reason": reason}, status=status)
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_safe
@reader_page
def category(request, slug):
    category = get_object_or_404(Category, slug=slug)
    page = list_page(request, Article.objects.for_listing().filter(category=category))
    shows(category_tag(category.pk), in_category_tag(category.pk), *listing_tags(page))
    context = {"category": category, "page": page, "canonical_url": canonical_url(request, page)}
    return render(request, "articles/category_detail.html", context)


@require_safe
@reader_page
def tag(request, slug):
    """A tag's published articles, newest first; a tag on no published article is a 404."""
    tag = get_object_or_404(Tag.objects.with_published(), slug=slug)
    page = list_page(request, Article.objects.for_listing().filter(tags=tag))
    shows(tag_tag(tag.pk), tagged_tag(tag.pk), *listing_tags(page))
    context = {"tag": tag, "page": page, "canonical_url": canonical_url(request, page)}
    return render(request, "articles/tag_detail.html", context)


@require_safe
@reader_page
def author(request, username):
    authors = get_user_model().objects.filter(has_published(), is_active=True)
    author = get_object_or_404(authors, username=username)
    page = list_page(request, Article.objects.for_listing().filter(author=author))
    shows(user_tag(author.pk), by_author_tag(author.pk), *listing_tags(page))
    context = {"author": author, "page": page, "canonical_url": canonical_url(request, page)}
    return render(request, "articles/author_detail.html", context)


@require_safe
@reader_page
def search(request):
    query = clean_query(request.GET.get("q", ""))
    page = None
    if query:
        page = paginate(request, search_articles(query))
        with_snippets(page.object_list, query)
        shows(*listing_tags(page))
    shows(ALL_ARTICLES)
    return render(request, "articles/search.html", {"query": query, "page": page})


# Discovery: canonical URLs, social metadata, JSON-LD and related reading.

_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def canonical_url(request, page=None):
    """This page's absolute URL without query string, except ?page=N beyond the first page."""
    url = request.build_absolute_uri(request.path)
    if page is not None and page.number > 1:
        url += f"?page={page.number}"
    return url


def json_for_script(data):
    """JSON safe inside a <script> data block: <, > and & escaped as in Django's json_script."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_JSON_SCRIPT_ESCAPES)
    return mark_safe(text)  # noqa: S308 - every character that could end the element is escaped


def article_discovery_context(request, article):
    """What the article page adds for crawlers and readers: metadata and related reading (1 query)."""
    url = request.build_absolute_uri(article.get_absolute_url())
    image_url = request.build_absolute_uri(article.lead_image.url) if article.lead_image else ""
    return {
        "canonical_url": url,
        "author_url": request.build_absolute_uri(article.author.get_absolute_url()),
        "og_image_url": image_url,
        "related_articles": list(article.related()),
        "json_ld": json_for_script(article_json_ld(request, article, url=url, image_url=image_url)),
    }


def article_json_ld(request, article, *, url, image_url):
    """schema.org NewsArticle for the article page."""
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "abstract": "\n".join(article.summary_bullets),
        "description": " ".join(article.summary_bullets),
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "articleSection": article.category.name,
        "author": {
            "@type": "Person",
            "name": article.author.public_name,
            "url": request.build_absolute_uri(article.author.get_absolute_url()),
        },
        "publisher": {
            "@type": "Organization",
            "name": settings.SITE_NAME,
            "url": request.build_absolute_uri(reverse("articles:home")),
        },
        "commentCount": getattr(article, "comment_count", 0) or 0,
    }
    if article.published_at:
        data["datePublished"] = article.published_at.isoformat()
    if article.updated_at:
        data["dateModified"] = article.updated_at.isoformat()
    if image_url:
        data["image"] = [image_url]
    keywords = [tag.name for tag in article.tags.all()]
    if keywords:
        data["keywords"] = keywords
    corrections = article.corrections.all()
    if corrections:
        data["correction"] = [
            {"@type": "CorrectionComment", "text": c.text, "datePublished": c.date.isoformat()}
            for c in corrections
        ]
    return data
