import sys

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.static import serve as static_serve

from newsblog.db.base import wait_limit
from newsblog.middleware import (
    RETRY_AFTER_SECONDS,
    caused_by_database_outage,
    is_database_outage,
    unavailable_response,
)

# Each answer from the database at most this long (connecting has its own 2 s timeout).
READY_WAIT_SECONDS = 1.0


@never_cache
@require_GET
def livez(request):
    """Liveness: this process answers. Touches nothing outside it, so a database or Redis outage
    never makes an orchestrator restart healthy app processes."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    """Readiness: the database answers within about 2 s (half a second for the health check of an
    open connection, then the 2 s connect timeout) and no migration is pending (at most two queries).
    Also served at /healthz for existing monitors."""
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        with wait_limit(READY_WAIT_SECONDS):
            connection.ensure_connection()
            executor = MigrationExecutor(connection)
            pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:  # noqa: BLE001 - any failure here means "not ready"
        reason = "database unavailable" if is_database_outage(exc) else "database check failed"
        return not_ready(reason)
    if pending:
        return not_ready(f"{len(pending)} migration(s) not applied")
    return JsonResponse({"status": "ok"})


def not_ready(reason):
    response = JsonResponse({"status": "error", "reason": reason}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def bad_request(request, exception):
    """handler400: a request refused because its session could not be saved while the database was
    unreachable is a 503 like every other request then; anything else the site's 400 page."""
    if caused_by_database_outage(exception):
        return unavailable_response()
    return defaults.bad_request(request, exception)


def server_error(request):
    """handler500: a lost database is a 503 with Retry-After, anything else the site's 500 page."""
    if caused_by_database_outage(sys.exc_info()[1]):
        return unavailable_response()
    # No request context: the context processors could hit the failing database again.
    return HttpResponseServerError(loader.render_to_string("500.html"))


@require_GET
def media(request, path):
    """Uploaded files, served so that they can never run script on the site's origin."""
    response = static_serve(request, path, document_root=settings.MEDIA_ROOT)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


def csrf_failure(request, reason=""):
    """A missing or stale CSRF token: the site's own page, with the reader's header."""
    return render(request, "403_csrf.html", status=403)
