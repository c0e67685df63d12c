"""Turn a lost database into a calm 503 instead of a traceback."""

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

from newsblog.metrics import DATABASE_UNAVAILABLE

RETRY_AFTER_SECONDS = 30


def is_database_outage(exc):
    # OperationalError/InterfaceError mean "cannot talk to the server"; other DatabaseErrors are bugs.
    return isinstance(exc, (OperationalError, InterfaceError))


def caused_by_database_outage(exc):
    """The exception, or one it was raised while handling, means the database is unreachable: a
    session that could not be saved (Django reports it as a 400) is an outage like any other."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if is_database_outage(exc):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def unavailable_response():
    # Rendered without a request: the page must not touch the session, the user or the database.
    DATABASE_UNAVAILABLE.inc()
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Answers 503 + Retry-After when a view fails because the database is unreachable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_database_outage(exception):
            return unavailable_response()
        return None
