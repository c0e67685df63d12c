import sys

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.static import serve as static_serve

from newsblog.middleware import RETRY_AFTER_SECONDS, is_database_outage, unavailable_response


@never_cache
@require_GET
def healthz(request):
    """Readiness: the database answers and no migration is pending (at most two queries)."""
    connection = connections[DEFAULT_DB_ALIAS]
    try:
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


def server_error(request):
    """handler500: a lost database is a 503 with Retry-After, anything else the site's 500 page."""
    exc = sys.exc_info()[1]
    if exc is not None and is_database_outage(exc):
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
