"""Reader pages that cost almost nothing and are never stale.

One number, the content *generation*, changes whenever anything a reader can see changes: an article
or section is saved, a comment is posted, edited, hidden or deleted, a profile name changes, or a
scheduled article's time comes. Every anonymous page is cached under the generation it was rendered
at, and its ETag and Last-Modified come from it, so a change shows on the very next request for
every reader, on every worker and host.

Where the generation lives must be shared by every worker: Redis when REDIS_URL is set (no database
query per request), otherwise one row in the database (the page copies then live in each worker's
local memory, keyed by that shared generation).

Personal pages (a session or a flash message is present) are never stored: they get
`Cache-Control: private, no-cache`.
"""

import hashlib
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Min
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date

GENERATION_KEY = "newsblog:generation"
NEXT_PUBLISH_KEY = "newsblog:next-publish"
# Cached copies also expire, so relative times ("3 hours ago") and time-based rules stay close.
PAGE_TIMEOUT = 300
ANONYMOUS_CACHE_CONTROL = "public, max-age=0, must-revalidate"
PERSONAL_CACHE_CONTROL = "private, no-cache"
STORED_HEADERS = ("Content-Type", "Content-Language", "X-Robots-Tag", "Content-Disposition")


def uses_shared_cache():
    return settings.CACHES["default"]["BACKEND"].endswith("RedisCache")


def _next_publish_at():
    from articles.models import Article

    return (
        Article.objects.filter(status=Article.Status.PUBLISHED, published_at__gt=timezone.now())
        .aggregate(next=Min("published_at"))
        .get("next")
    )


def _store(generation, next_publish_at):
    if uses_shared_cache():
        cache.set_many({GENERATION_KEY: generation, NEXT_PUBLISH_KEY: next_publish_at}, timeout=None)
    else:
        from articles.models import ContentGeneration

        ContentGeneration.objects.update_or_create(
            pk=1, defaults={"value": generation, "next_publish_at": next_publish_at}
        )
    return generation


def bump_generation():
    """Something readers can see changed. Call it inside the writing transaction."""
    _store(time.time_ns(), _next_publish_at())
    if uses_shared_cache() and transaction.get_connection().in_atomic_block:
        # Redis is not part of the transaction: bump again once the data is visible to others,
        # so no request can store the old data under the new generation.
        transaction.on_commit(lambda: _store(time.time_ns(), _next_publish_at()))


def current_generation(prefetch_key=None):
    """(generation, prefetched value or None): one round trip to Redis, or one query."""
    if uses_shared_cache():
        keys = [GENERATION_KEY, NEXT_PUBLISH_KEY] + ([prefetch_key] if prefetch_key else [])
        values = cache.get_many(keys)
        generation, next_publish_at = values.get(GENERATION_KEY), values.get(NEXT_PUBLISH_KEY)
        prefetched = values.get(prefetch_key) if prefetch_key else None
    else:
        from articles.models import ContentGeneration

        row = ContentGeneration.objects.filter(pk=1).values_list("value", "next_publish_at").first()
        generation, next_publish_at = row if row else (None, None)
        prefetched = cache.get(prefetch_key) if prefetch_key else None
    if generation is None or (next_publish_at is not None and next_publish_at <= timezone.now()):
        # First request ever (or Redis was emptied), or a scheduled article just went live.
        return _store(time.time_ns(), _next_publish_at()), None
    return generation, prefetched


def is_anonymous_request(request):
    """No session and no pending flash message: the page is the same for every such reader."""
    return settings.SESSION_COOKIE_NAME not in request.COOKIES and "messages" not in request.COOKIES


def page_key(request):
    digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    return f"newsblog:page:{digest}"


def validators(generation):
    etag = f'W/"g{generation:x}"'
    last_modified = generation // 1_000_000_000
    return etag, last_modified


def _finish(response, etag, last_modified):
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    response["Cache-Control"] = ANONYMOUS_CACHE_CONTROL
    patch_vary_headers(response, ["Cookie"])
    return response


def reader_page(view):
    """Cache a reader page for anonymous readers and answer conditional GETs with 304."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or not is_anonymous_request(request):
            response = view(request, *args, **kwargs)
            if not response.has_header("Cache-Control"):
                response["Cache-Control"] = PERSONAL_CACHE_CONTROL
            patch_vary_headers(response, ["Cookie"])
            return response
        if not settings.NEWSBLOG_PAGE_CACHE:
            return view(request, *args, **kwargs)
        key = page_key(request)
        generation, stored = current_generation(prefetch_key=key)
        etag, last_modified = validators(generation)
        not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
        if not_modified is not None:
            return _finish(not_modified, etag, last_modified)
        if stored is not None and stored["generation"] == generation:
            response = HttpResponse(stored["content"], status=stored["status"])
            for header, value in stored["headers"].items():
                response[header] = value
            return _finish(response, etag, last_modified)
        response = view(request, *args, **kwargs)
        if response.status_code != 200 or response.cookies or response.has_header("Cache-Control"):
            # Errors, anything that sets a cookie, or a page that chose its own caching (a staff
            # preview) is served as it is and not stored.
            return response
        if getattr(response, "is_rendered", True):
            _remember(key, generation, response)
        else:
            response.add_post_render_callback(lambda r: _remember(key, generation, r))
        return _finish(response, etag, last_modified)

    return wrapper


def _remember(key, generation, response):
    headers = {h: response[h] for h in STORED_HEADERS if response.has_header(h)}
    cache.set(
        key,
        {
            "generation": generation,
            "status": response.status_code,
            "content": response.content,
            "headers": headers,
        },
        PAGE_TIMEOUT,
    )


# Saves and deletes of these change what readers see. Bulk .update() calls bump explicitly.
WATCHED_MODELS = {"articles.article", "articles.category", "comments.comment", "accounts.user"}


def content_changed(sender, update_fields=None, **kwargs):
    if sender._meta.label_lower not in WATCHED_MODELS:
        return
    if update_fields is not None and set(update_fields) <= {"last_login", "password"}:
        return  # logging in or changing a password changes no reader's page
    bump_generation()
