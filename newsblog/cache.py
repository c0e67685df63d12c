"""Reader pages that cost almost nothing and are never stale.

One number, the content *generation*, changes whenever anything a reader can see changes: an article
or section is saved, a comment is posted, edited, hidden or deleted, a profile name changes, or a
scheduled article's time comes. Every anonymous page is cached under the generation it was rendered
at, and its ETag and Last-Modified come from it, so a change shows on the very next request for
every reader, on every worker and host.

Where the generation lives must be shared by every worker: Redis when REDIS_URL is set (no database
query per request), otherwise one row in the database (the page copies then live in each worker's
local memory, keyed by that shared generation).

Signed-in readers share one stored copy of each page too, with markers where their personal parts
go (see "Signed-in readers" below). Pages for anyone with a session are sent
`Cache-Control: private, no-cache`, and a page with a flash message waiting is rendered fresh.
"""

import hashlib
import re
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Min
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.html import escape, format_html
from django.utils.http import http_date
from django.utils.text import compress_string

from newsblog.middleware import unavailable_response

GENERATION_KEY = "newsblog:generation"
NEXT_PUBLISH_KEY = "newsblog:next-publish"
# Cached copies also expire, so relative times ("3 hours ago") and time-based rules stay close.
PAGE_TIMEOUT = 300
ANONYMOUS_CACHE_CONTROL = "public, max-age=0, must-revalidate"
PERSONAL_CACHE_CONTROL = "private, no-cache"


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

    def bump():
        _store(time.time_ns(), _next_publish_at())

    if uses_shared_cache():
        now_and_after_commit(bump)
    else:
        bump()  # the database row is part of the transaction itself


def now_and_after_commit(action):
    """Run a Redis write now and, inside a transaction, again once it commits. Redis is not part of
    the transaction: without the second write, a request in between could read the old rows and
    store them under the new value."""
    action()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(action)


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


def page_key(request, audience="anonymous"):
    # Scheme and host too: pages carry absolute URLs (canonical, Open Graph, feeds, sitemaps).
    url = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    digest = hashlib.sha256(url.encode()).hexdigest()[:32]
    return f"newsblog:page:{audience}:{digest}"


def current_entry(key):
    """(generation, what `key` holds for that generation or None), in one round trip."""
    generation, stored = current_generation(prefetch_key=key)
    return generation, _for_generation(stored, generation)


def _for_generation(stored, generation):
    return stored if stored is not None and stored["generation"] == generation else None


def validators(generation):
    etag = f'W/"g{generation:x}"'
    last_modified = generation // 1_000_000_000
    return etag, last_modified


def _finish(response, generation):
    etag, last_modified = validators(generation)
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    response["Cache-Control"] = ANONYMOUS_CACHE_CONTROL
    patch_vary_headers(response, ["Cookie"])
    return response


def _not_modified(request, generation):
    """A 304 when the request's validators match the generation, else None."""
    etag, last_modified = validators(generation)
    response = get_conditional_response(request, etag=etag, last_modified=last_modified)
    return None if response is None else _finish(response, generation)


def _replay(stored, content):
    response = HttpResponse(content, status=stored["status"])
    for header, value in stored["headers"]:
        response[header] = value
    return response


def _personal(response):
    if not response.has_header("Cache-Control"):
        response["Cache-Control"] = PERSONAL_CACHE_CONTROL
    patch_vary_headers(response, ["Cookie"])
    return response


def _storable(response):
    """A full page that is the same for everyone who gets it: no error, no cookie, no own caching
    (a staff preview sets its own), and already rendered."""
    return (
        response.status_code == 200
        and not response.cookies
        and not response.has_header("Cache-Control")
        and not response.streaming
        and getattr(response, "is_rendered", True)
    )


def reader_page(view):
    """A reader page: served from the cache, answered with 304 when unchanged, never stale.

    Anonymous readers get whole stored pages (`PageCacheMiddleware` serves and stores them).
    Signed-in readers get the same shared copy with their personal parts filled in per request (see
    `member_page`). Anyone else with a session (a flash message waiting, say) gets a fresh render.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return _personal(view(request, *args, **kwargs))
        if is_anonymous_request(request):
            if not settings.NEWSBLOG_PAGE_CACHE:
                return view(request, *args, **kwargs)
            return _anonymous_page(view, request, args, kwargs)
        if settings.NEWSBLOG_PAGE_CACHE and request.user.is_authenticated and not _has_messages(request):
            return member_page(view, request, args, kwargs)
        return _personal(view(request, *args, **kwargs))

    wrapper.newsblog_reader_page = True
    return wrapper


def _anonymous_page(view, request, args, kwargs):
    generation = getattr(request, "newsblog_generation", None)
    if generation is None:  # PageCacheMiddleware did not look it up (not installed, or bypassed)
        generation, _ = current_generation()
    not_modified = _not_modified(request, generation)
    if not_modified is not None:
        return not_modified
    response = view(request, *args, **kwargs)
    if not _storable(response):
        return response
    response.newsblog_store = (page_key(request), generation)  # stored by PageCacheMiddleware
    return _finish(response, generation)


class PageCacheMiddleware:
    """Serves stored anonymous reader pages before sessions, CSRF, auth or CSP run, and stores the
    pages `reader_page` renders with every header the inner middleware added (CSP included).

    Sits just inside `DatabaseUnavailableMiddleware` and outside everything that reads the session.
    A conditional GET to a reader page is answered here with 304 when the generation still matches.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method in ("GET", "HEAD")
            and settings.NEWSBLOG_PAGE_CACHE
            and is_anonymous_request(request)
            and _is_reader_page(request)
        ):
            try:
                response = self._from_cache(request)
            except (OperationalError, InterfaceError):
                return unavailable_response()
            if response is not None:
                return response
        response = self.get_response(request)
        store = getattr(response, "newsblog_store", None)
        if store is not None and not response.cookies:
            _remember(*store, response)
        return response

    def _from_cache(self, request):
        conditional = "HTTP_IF_NONE_MATCH" in request.META or "HTTP_IF_MODIFIED_SINCE" in request.META
        key = page_key(request)
        # A revalidation needs only the generation, not the stored page.
        generation, stored = current_generation(prefetch_key=None if conditional else key)
        request.newsblog_generation = generation
        if conditional:
            not_modified = _not_modified(request, generation)
            if not_modified is not None:
                return not_modified
            stored = cache.get(key)
        stored = _for_generation(stored, generation)
        if stored is None:
            return None
        compressed = stored.get("gzip") and ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", ""))
        response = _replay(stored, stored["gzip"] if compressed else stored["content"])
        if compressed:
            # Compressed once when stored, not on every hit (GZipMiddleware skips encoded responses).
            response["Content-Encoding"] = "gzip"
            patch_vary_headers(response, ["Accept-Encoding"])
        response["Content-Length"] = str(len(response.content))
        return response


def _is_reader_page(request):
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return getattr(match.func, "newsblog_reader_page", False)


def _remember(key, generation, response, data=None):
    headers = [(h, v) for h, v in response.items() if h.lower() not in UNSTORED_HEADERS]
    entry = {"generation": generation, "status": response.status_code, "content": response.content}
    if data is None and len(response.content) >= 200 and not response.has_header("Content-Encoding"):
        # A whole anonymous page (nothing secret in it, so no BREACH padding needed): gzip it once.
        entry["gzip"] = compress_string(response.content)
    cache.set(key, {**entry, "headers": headers, "data": data}, PAGE_TIMEOUT)


ACCEPTS_GZIP = re.compile(r"\bgzip\b")


# Per response, not per page: recomputed by the middleware around the cache.
UNSTORED_HEADERS = {"set-cookie", "content-length", "content-encoding"}


# --- Signed-in readers -------------------------------------------------------------------------------
# A signed-in reader's page differs from everyone else's only in its personal parts: their name
# in the header, CSRF tokens, the comment form, and Edit/Delete on their own comments.
# The page is rendered once per generation with a marker in place of each part (`member_shell` is
# true in templates), stored, and each request fills the markers in. Markers are HTML comments, which
# no user text can contain: comments and names are escaped, article bodies are sanitised by nh3.

NAME_MARKER = "<!--newsblog:name-->"
# Forms in the shared copy carry this instead of {% csrf_token %}: each reader gets their own token.
CSRF_MARKER = "<!--newsblog:csrf-->"
# Functions (request, html, data) -> html that fill in personal parts; apps add theirs in ready().
personal_parts = []


def member_page(view, request, args, kwargs):
    key = page_key(request, "member")
    generation, stored = current_entry(key)
    if stored is not None:
        return _personal(_filled(request, _replay(stored, stored["content"]), stored["data"]))
    request.member_shell = {}
    try:
        response = view(request, *args, **kwargs)
    finally:
        data = request.member_shell
        del request.member_shell  # error pages rendered after this are ordinary pages
    if not getattr(response, "is_rendered", True) or response.streaming:
        return _personal(response)  # rendered later, without markers (feeds and sitemaps)
    if _storable(response):
        _remember(key, generation, response, data)
    return _personal(_filled(request, response, data))


def _filled(request, response, data):
    if "text/html" in response.get("Content-Type", ""):  # feeds have nothing personal
        response.content = fill_personal_parts(request, response.content.decode(), data)
    return response


def fill_personal_parts(request, html, data):
    html = html.replace(NAME_MARKER, escape(request.user.public_name), 1)
    for fill in personal_parts:
        html = fill(request, html, data)
    if CSRF_MARKER in html:
        token = format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request))
        html = html.replace(CSRF_MARKER, token)
    return html


def _has_messages(request):
    """A flash message waits in the session: this page is the only one that shows it."""
    return "messages" in request.COOKIES or "_messages" in request.session


# Saves and deletes of these change what readers see. Bulk .update() calls bump explicitly.
WATCHED_MODELS = {"articles.article", "articles.category", "comments.comment", "accounts.user"}


def content_changed(sender, update_fields=None, **kwargs):
    if sender._meta.label_lower not in WATCHED_MODELS:
        return
    if update_fields is not None and set(update_fields) <= {"last_login", "password"}:
        return  # logging in or changing a password changes no reader's page
    bump_generation()
