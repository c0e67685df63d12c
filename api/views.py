"""The read-only content API: published articles, sections, tags and authors as JSON.

Every answer is a reader page (pagecache): stored with the tags of what it shows, served while they
are unchanged, revalidated with its ETag, and emptied by the same changes that empty the site's pages.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Prefetch
from django.http import JsonResponse
from django.urls import reverse
from ninja import NinjaAPI, Query
from ninja.errors import HttpError, ValidationError

from accounts.caching import user_tag
from api import schemas
from articles.caching import (
    ALL_ARTICLES,
    ALL_CATEGORIES,
    ALL_TAGS,
    MENU,
    category_tag,
    listing_tags,
    tag_tag,
)
from articles.models import Article, Category, Tag, has_published
from pagecache.tags import shows

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# Far beyond any archive; keeps the offset within what every database accepts.
MAX_OFFSET = 10_000_000
SLUG = r"^[-a-zA-Z0-9_]+$"
USERNAME = r"^[\w.@+-]+$"
# Everyone who reads a list of users (the sitemap, the authors list) shows this tag (accounts/caching.py).
ALL_USERS = "users"

api = NinjaAPI(
    title=f"{settings.SITE_NAME} content API",
    version="1",
    description="Read-only: published articles, sections, tags and authors.",
    urls_namespace="api",
    # No Swagger UI: its stylesheet's data: images need a looser CSP (img-src); the schema is the docs.
    docs_url=None,
)

Limit = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"Items per page (1 to {MAX_LIMIT}).")
Offset = Query(0, ge=0, le=MAX_OFFSET, description="How many items to skip.")
PAGING = {"limit", "offset"}
LIST_ERRORS = {400: schemas.Error, 422: schemas.InvalidParameters}


@api.exception_handler(ValidationError)
def invalid_parameters(request, exc):
    problems = "; ".join(f"{'.'.join(str(part) for part in e['loc'][1:])}: {e['msg']}" for e in exc.errors)
    return api.create_response(
        request, {"detail": f"Bad parameters ({problems}).", "errors": exc.errors}, status=422
    )


def read(path, **options):
    """A GET operation, answering HEAD too (as the site's pages do); the schema lists the GET."""

    def register(view):
        api.api_operation(["HEAD"], path, include_in_schema=False, **options)(view)
        return api.get(path, operation_id=view.__name__, **options)(view)

    return register


def only_parameters(request, allowed):
    """A misspelt filter would silently answer the unfiltered list: refuse it instead."""
    unknown = sorted(set(request.GET) - allowed)
    if unknown:
        takes = f"takes {', '.join(sorted(allowed))}" if allowed else "takes no parameters"
        raise HttpError(400, f"Unknown parameter {unknown[0]!r}: this endpoint {takes}.")


def absolute(request, path):
    return request.build_absolute_uri(path)


def page_url(request, offset):
    query = request.GET.copy()
    if offset:
        query["offset"] = str(offset)
    else:
        query.pop("offset", None)
    return absolute(request, f"{request.path}?{query.urlencode()}" if query else request.path)


def paginate(request, queryset, limit, offset):
    """One page and its links; reads one row more than it sends instead of counting the list."""
    rows = list(queryset[offset : offset + limit + 1])
    links = {
        "next": page_url(request, offset + limit) if len(rows) > limit else None,
        "previous": page_url(request, max(0, offset - limit)) if offset else None,
    }
    return rows[:limit], links


def tags_in_use():
    """Tags with a published article, A to Z (drafts' tags could give a story away)."""
    return Tag.objects.filter(Exists(Article.objects.published().filter(tags=OuterRef("pk"))))


def authors():
    """Only those with a published article have an author page (as articles.views.author)."""
    return get_user_model().objects.filter(has_published(), is_active=True).order_by("username")


def articles_for_api():
    return Article.objects.for_listing().prefetch_related(
        Prefetch("tags", queryset=Tag.objects.only("name", "slug"))
    )


def author_data(request, user):
    return {
        "username": user.username,
        "display_name": user.public_name,
        "url": absolute(request, user.get_absolute_url()),
    }


def category_data(request, category):
    return {
        "name": category.name,
        "slug": category.slug,
        "url": absolute(request, category.get_absolute_url()),
    }


def tag_data(request, tag):
    return {"name": tag.name, "slug": tag.slug, "url": absolute(request, tag.get_absolute_url())}


def image_data(request, article):
    if not article.lead_image:
        return None
    renditions = sorted(article.lead_image_renditions, key=lambda r: r["width"])
    return {
        "url": absolute(request, article.lead_image.url),
        "width": article.lead_image_width,
        "height": article.lead_image_height,
        "alt": article.lead_image_alt,
        "caption": article.lead_image_caption,
        "credit": article.lead_image_credit,
        "renditions": [
            {
                "url": absolute(request, f"{settings.MEDIA_URL}{r['name']}"),
                "width": r["width"],
                "height": r["height"],
            }
            for r in renditions
        ],
    }


def article_data(request, article):
    return {
        "title": article.title,
        "slug": article.slug,
        "url": absolute(request, article.get_absolute_url()),
        "author": author_data(request, article.author),
        "category": category_data(request, article.category),
        "tags": [tag_data(request, tag) for tag in article.tags.all()],
        "summary": article.summary_bullets,
        "lead_image": image_data(request, article),
        "published_at": article.published_at.isoformat(),
        "updated_at": article.updated_at.isoformat(),
        "reading_time": article.reading_time,
        "comment_count": article.comment_count,
    }


def shown_with_tags(articles):
    return [*listing_tags(articles), *(tag_tag(tag.pk) for article in articles for tag in article.tags.all())]


def found(queryset, message, **lookup):
    row = queryset.filter(**lookup).first()
    if row is None:
        raise HttpError(404, message)
    return row


@read(
    "/articles/",
    response={200: schemas.ArticlePage, **LIST_ERRORS, 404: schemas.Error},
    url_name="articles",
)
def article_list(
    request,
    limit: int = Limit,
    offset: int = Offset,
    category: str | None = Query(None, pattern=SLUG, max_length=80, description="A section's slug."),
    tag: str | None = Query(None, pattern=SLUG, max_length=60, description="A tag's slug."),
    author: str | None = Query(None, pattern=USERNAME, max_length=150, description="An author's username."),
):
    """Published articles, newest first (without their bodies: read each article for those)."""
    only_parameters(request, PAGING | {"category", "tag", "author"})
    queryset = articles_for_api().defer("body", "body_html")
    shows(ALL_ARTICLES)
    if category is not None:
        section = found(
            Category.objects.in_menu(), f"No section {category!r} with published articles.", slug=category
        )
        queryset = queryset.filter(category=section)
        shows(MENU, category_tag(section.pk))
    if tag is not None:
        subject = found(tags_in_use(), f"No tag {tag!r} on published articles.", slug=tag)
        queryset = queryset.filter(tags=subject)
        shows(ALL_TAGS, tag_tag(subject.pk))
    if author is not None:
        writer = found(authors(), f"No author {author!r} with published articles.", username=author)
        queryset = queryset.filter(author=writer)
        shows(user_tag(writer.pk))
    rows, links = paginate(request, queryset, limit, offset)
    shows(*shown_with_tags(rows))
    return {**links, "results": [article_data(request, article) for article in rows]}


@read(
    "/articles/{slug}/",
    response={200: schemas.Article, 400: schemas.Error, 404: schemas.Error},
    url_name="article",
)
def article_detail(request, slug: str):
    """One published article, with its body as the article page shows it."""
    only_parameters(request, set())
    article = found(articles_for_api(), f"No published article {slug!r}.", slug=slug)
    shows(*shown_with_tags([article]))
    return {**article_data(request, article), "body_html": article.body_html}


@read(
    "/categories/",
    response={200: schemas.CategoryPage, **LIST_ERRORS},
    url_name="categories",
)
def category_list(request, limit: int = Limit, offset: int = Offset):
    """Sections with a published article, A to Z (the site's section menu)."""
    only_parameters(request, PAGING)
    rows, links = paginate(request, Category.objects.in_menu(), limit, offset)
    shows(MENU, ALL_CATEGORIES)
    results = [{**category_data(request, c), "description": c.description} for c in rows]
    return {**links, "results": results}


@read("/tags/", response={200: schemas.TagPage, **LIST_ERRORS}, url_name="tags")
def tag_list(request, limit: int = Limit, offset: int = Offset):
    """Tags on published articles, A to Z."""
    only_parameters(request, PAGING)
    rows, links = paginate(request, tags_in_use(), limit, offset)
    shows(ALL_TAGS, ALL_ARTICLES)
    return {**links, "results": [tag_data(request, tag) for tag in rows]}


@read("/authors/", response={200: schemas.AuthorPage, **LIST_ERRORS}, url_name="authors")
def author_list(request, limit: int = Limit, offset: int = Offset):
    """Authors with a published article, by username."""
    only_parameters(request, PAGING)
    rows, links = paginate(request, authors(), limit, offset)
    shows(ALL_USERS, ALL_ARTICLES)
    return {**links, "results": [{**author_data(request, user), "bio": user.bio} for user in rows]}


def index(request):
    """/api/: where everything is."""
    names = ("articles", "categories", "tags", "authors", "openapi-json")
    return JsonResponse(
        {name.removesuffix("-json"): absolute(request, reverse(f"api:{name}")) for name in names}
    )


def not_found(request, rest=""):
    return JsonResponse(
        {"detail": f"Nothing at {request.path}: see {reverse('api:index')} for the endpoints."}, status=404
    )
