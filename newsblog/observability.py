"""What each request's log line says beyond django-structlog's own fields, and what it must not say.

`RequestCostMiddleware` sits just inside django-structlog's `RequestMiddleware`: it times the rest
of the stack, counts the database queries and hands both to the log line; the receivers below put
the trusted client address and a redacted URL on it. The request id goes back to the client in
`X-Request-ID`, so a reader's report can be found in the logs.
"""

import time
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode

import structlog
from django.conf import settings
from django.db import connections
from django.dispatch import receiver
from django.urls import Resolver404, get_urlconf, resolve
from django_structlog import signals

from newsblog.security import client_ip

# URL parts that grant something to whoever holds them.
SECRET_URL_ARGUMENTS = {"uidb64", "token", "signature", "key"}
SECRET_QUERY_KEYS = {"token", "key", "signature", "code", "password"}
REDACTED = "[redacted]"


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


class RequestCostMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        counter = QueryCounter()
        with connections["default"].execute_wrapper(counter):
            response = self.get_response(request)
        structlog.contextvars.bind_contextvars(
            duration_ms=round((time.perf_counter() - started) * 1000, 2), queries=counter.count
        )
        request_id = structlog.contextvars.get_contextvars().get("request_id")
        if request_id:
            response["X-Request-ID"] = request_id
        return response


def redacted_url(request):
    """The path and query string with every token replaced."""
    # Remembered for ordinary paths only: odd URLs cannot fill a worker's memory.
    lookup = redacted_path if len(request.path) <= 200 else redacted_path.__wrapped__
    path = lookup(request.path, request.path_info, get_urlconf(settings.ROOT_URLCONF))
    if not request.META.get("QUERY_STRING"):
        return path
    query = [
        (key, REDACTED if key.lower() in SECRET_QUERY_KEYS else value)
        for key, value in parse_qsl(request.META["QUERY_STRING"], keep_blank_values=True)
    ]
    return f"{path}?{urlencode(query, safe='[]/')}"


@lru_cache(maxsize=2048)
def redacted_path(path, path_info, urlconf):
    """Remembered per path: every request is logged, and resolving its URL again each time would
    cost as much as serving a cached page."""
    try:
        match = resolve(path_info, urlconf)
    except Resolver404:
        return path
    for name, value in match.kwargs.items():
        if name in SECRET_URL_ARGUMENTS and value:
            path = path.replace(str(value), REDACTED)
    return path


@receiver(signals.bind_extra_request_metadata)
def _on_request_started(request, logger, log_kwargs, **kwargs):
    structlog.contextvars.bind_contextvars(ip=client_ip(request))
    log_kwargs["request"] = f"{request.method} {redacted_url(request)}"


@receiver(signals.bind_extra_request_finished_metadata)
def _on_request_finished(request, logger, response, log_kwargs, **kwargs):
    log_kwargs["request"] = f"{request.method} {redacted_url(request)}"


@receiver(signals.bind_extra_request_failed_metadata)
def _on_request_failed(request, logger, exception, log_kwargs, **kwargs):
    log_kwargs["request"] = f"{request.method} {redacted_url(request)}"
