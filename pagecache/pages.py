"""Reader pages that cost almost nothing and are never stale.

A reader page (`@reader_page`) is stored with the versions of the tags it showed (pagecache/tags.py)
and served while they are unchanged, with an ETag made from them, so a 304 costs one version lookup.

- Anonymous readers: `PageCacheMiddleware` serves and stores whole pages before sessions, CSRF, auth
  or CSP run. It keeps a plain and a gzip copy under separate keys, and a hit reads only the one it
  sends.
- Signed-in readers: one shared copy per page, with markers for their personal parts, split at the
  markers when stored and joined with each reader's parts per request (pagecache/personal.py). They
  are sent `Cache-Control: private, no-cache`.
- Anyone with a flash message waiting gets a fresh render: that page is the only one that shows it.
"""

import hashlib
import pickle
import re
import time
from functools import lru_cache, wraps

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.urls import Resolver404, get_urlconf, resolve
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date
from django.utils.text import compress_string

from pagecache.metrics import PAGES
from pagecache.personal import join, shared_render, split
from pagecache.store import get_store
from pagecache.tags import TIMEOUT, Render, collecting, is_current, shown_tags, shows

ANONYMOUS_CACHE_CONTROL = "public, max-age=0, must-revalidate"
PERSONAL_CACHE_CONTROL = "private, no-cache"
ACCEPTS_GZIP = re.compile(r"\bgzip\b")
# Per response, not per page: recomputed by the middleware around the cache.
UNSTORED_HEADERS = {"set-cookie", "content-length", "content-encoding"}
# The tags each anonymous page showed when this worker last read or stored it (page key -> tags):
# a hit then reads the copy and the current versions of those tags in one round trip. Only a hint:
# a copy whose tags differ is checked with a second read. Emptied when full.
LAST_SHOWN = {}
LAST_SHOWN_SIZE = 10_000


def page_cache_enabled():
    return settings.NEWSBLOG_PAGE_CACHE


def reader_page(view=None, *, tags=()):
    """A reader page: served from the cache, answered with 304 when unchanged, never stale.

    `tags`: what the page always shows, for views that cannot call `shows()` themselves (feeds and
    sitemaps built by Django's own views).
    """
    if view is None:
        return lambda view: reader_page(view, tags=tags)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        shows(*tags)
        if request.method not in ("GET", "HEAD"):
            return personal(view(request, *args, **kwargs))
        if is_anonymous_request(request):
            return view(request, *args, **kwargs)  # PageCacheMiddleware stores and serves it
        if page_cache_enabled() and request.user.is_authenticated and not has_messages(request):
            return member_page(view, request, args, kwargs)
        return personal(view(request, *args, **kwargs))

    wrapper.pagecache_reader_page = True
    return wrapper


def is_anonymous_request(request):
    """No session and no pending flash message: the page is the same for every such reader."""
    return settings.SESSION_COOKIE_NAME not in request.COOKIES and "messages" not in request.COOKIES


def has_messages(request):
    return "messages" in request.COOKIES or "_messages" in request.session


def page_key(request):
    # Scheme and host too: pages carry absolute URLs (canonical, Open Graph, feeds, sitemaps).
    url = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    return hashlib.sha256(url.encode()).hexdigest()[:32]


def personal(response):
    if not response.has_header("Cache-Control"):
        response["Cache-Control"] = PERSONAL_CACHE_CONTROL
    patch_vary_headers(response, ["Cookie"])
    return response


def storable(response):
    """A full page that is the same for everyone who gets it: no error, no cookie, no own caching
    (a staff preview sets its own), and already rendered."""
    return (
        response.status_code == 200
        and not response.cookies
        and not response.has_header("Cache-Control")
        and not response.streaming
        and getattr(response, "is_rendered", True)
    )


def stored_headers(response):
    return [(h, v) for h, v in response.items() if h.lower() not in UNSTORED_HEADERS]


def replay(entry, content):
    response = HttpResponse(content, status=entry["status"])
    for header, value in entry["headers"]:
        response[header] = value
    return response


def member_page(view, request, args, kwargs):
    store = get_store()
    key = f"m:{page_key(request)}"
    [stored] = store.get_many([key])
    if stored is not None:
        entry = pickle.loads(stored)  # noqa: S301 - written by this module only
        if is_current(entry, store):
            PAGES.labels("signed_in", "hit").inc()
            return personal(replay(entry, join(entry["parts"], request)))
    PAGES.labels("signed_in", "miss").inc()
    render = Render()
    with collecting() as shown, shared_render():
        response = view(request, *args, **kwargs)
        if not getattr(response, "is_rendered", True):
            response.render()  # a TemplateResponse (the sitemap): render it as the shared copy
    if response.streaming:
        return personal(response)
    parts = split(response.content.decode(response.charset))
    if storable(response) and (versions := render.versions(shown)) is not None:
        entry = {"versions": versions, "until": render.until, "status": response.status_code}
        entry |= {"headers": stored_headers(response), "parts": parts}
        store.set_many({key: pickle.dumps(entry)}, TIMEOUT)
    response.content = join(parts, request)
    return personal(response)


def validators(versions, until):
    """A weak ETag from what the page showed (and until when), and the time it was rendered."""
    digest = hashlib.blake2b(repr((sorted(versions.items()), until)).encode(), digest_size=10).hexdigest()
    return f'W/"{digest}"', int(time.time())


def finish(response, etag, last_modified):
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    response["Cache-Control"] = ANONYMOUS_CACHE_CONTROL
    patch_vary_headers(response, ["Cookie"])
    return response


class PageCacheMiddleware:
    """Serves stored anonymous reader pages before sessions, CSRF, auth or CSP run, and stores them
    with every header the inner middleware added (CSP included).

    Sits just inside the database-outage middleware and outside everything that reads the session.
    A conditional GET is answered with 304 while the page's tags keep their versions.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not (
            request.method in ("GET", "HEAD")
            and page_cache_enabled()
            and is_anonymous_request(request)
            and is_reader_page(request)
        ):
            return self.get_response(request)
        store = get_store()
        key = f"a:{page_key(request)}"
        try:
            response = self.from_cache(request, store, key)
            render = None if response is not None else Render()
        except (OperationalError, InterfaceError):
            # The database (holding the versions without Redis) is gone: the view answers, and the
            # project's outage handling turns its failure into a 503.
            return self.get_response(request)
        if response is not None:
            PAGES.labels("anonymous", "not_modified" if response.status_code == 304 else "hit").inc()
            return response
        PAGES.labels("anonymous", "miss").inc()
        with collecting() as shown:
            response = self.get_response(request)
        if not storable(response) or b"<!--pc" in response.content:
            return response
        versions = render.versions(shown)
        if versions is None:  # something it shows changed while it rendered: send it, don't keep it
            patch_vary_headers(response, ["Cookie"])
            return response
        etag, last_modified = validators(versions, render.until)
        finish(response, etag, last_modified)
        entry = {"versions": versions, "until": render.until, "status": response.status_code}
        entry |= {"headers": stored_headers(response), "etag": etag, "last_modified": last_modified}
        remember_shown(key, entry)
        store.set_many(
            {
                key: pickle.dumps(entry),
                f"{key}:plain": response.content,
                f"{key}:gzip": compress_string(response.content),
            },
            TIMEOUT,
        )
        return get_conditional_response(request, etag=etag, last_modified=last_modified, response=response)

    def from_cache(self, request, store, key):
        conditional = "HTTP_IF_NONE_MATCH" in request.META or "HTTP_IF_MODIFIED_SINCE" in request.META
        encoding = "gzip" if ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")) else "plain"
        # A revalidation needs only the entry's versions, not the page.
        keys = [key] if conditional else [key, f"{key}:{encoding}"]
        found, versions = store.read(keys, LAST_SHOWN.get(key))
        if found[0] is None:
            return None
        entry = pickle.loads(found[0])  # noqa: S301 - written by this module only
        remember_shown(key, entry)
        if not is_current(entry, store, versions):
            return None
        if conditional:
            not_modified = get_conditional_response(
                request, etag=entry["etag"], last_modified=entry["last_modified"]
            )
            if not_modified is not None:
                return finish(not_modified, entry["etag"], entry["last_modified"])
            found = [None, *store.get_many([f"{key}:{encoding}"])]
        if found[1] is None:
            return None
        response = replay(entry, found[1])
        if encoding == "gzip":
            # Compressed once when stored, not on every hit (GZipMiddleware skips encoded responses).
            response["Content-Encoding"] = "gzip"
        patch_vary_headers(response, ["Accept-Encoding"])
        response["Content-Length"] = str(len(response.content))
        return response


def remember_shown(key, entry):
    if len(LAST_SHOWN) >= LAST_SHOWN_SIZE:
        LAST_SHOWN.clear()
    LAST_SHOWN[key] = shown_tags(entry)


# Longer paths are looked up each time rather than remembered: odd URLs cannot fill a worker's memory.
REMEMBERED_PATH_LENGTH = 200


def is_reader_page(request):
    path = request.path_info
    lookup = (
        resolves_to_reader_page
        if len(path) <= REMEMBERED_PATH_LENGTH
        else resolves_to_reader_page.__wrapped__
    )
    return lookup(path, get_urlconf(settings.ROOT_URLCONF))


@lru_cache(maxsize=2048)
def resolves_to_reader_page(path, urlconf):
    """Remembered per path: URL patterns don't change while the process runs, and every anonymous
    request asks before anything else happens."""
    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return False
    return getattr(match.func, "pagecache_reader_page", False)
