"""Log lines an operator can search: one JSON object per line, from our code and from Django's.

Every web request is logged once when it ends (django-structlog's `request_finished`) with its
request id (nginx's `X-Request-ID`, or a new one), the reader's user id when signed in, the client
address, the status, the duration and the number of database queries (newsblog/observability.py).
Nothing secret is ever written: request bodies, cookies and headers are never logged, and URLs
that carry a token (password reset, sign-up confirmation) are logged with it redacted.

Loaded by settings, so it imports nothing from Django or the apps.
"""

import logging

import structlog

# What our own and Django's records get before they are rendered.
SHARED_PROCESSORS = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def configure(*, level, json):
    """structlog for our loggers, and the LOGGING dict that renders every record the same way."""
    structlog.configure(
        processors=[
            # First: a record below the level (django-structlog's "request_started") costs nothing more.
            structlog.stdlib.filter_by_level,
            *SHARED_PROCESSORS,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    renderer = (
        [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
        if json
        else [structlog.dev.ConsoleRenderer(colors=False)]
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [structlog.stdlib.ProcessorFormatter.remove_processors_meta, *renderer],
                "foreign_pre_chain": [*SHARED_PROCESSORS, structlog.stdlib.ExtraAdder(ALLOWED_EXTRA)],
            }
        },
        "filters": {"no_paths": {"()": "newsblog.logs.DropRequestPaths"}},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "structured", "filters": ["no_paths"]}
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "axes": {"level": "WARNING"},
            # One line per request is django-structlog's `request_finished`; Django's own
            # "Not Found: /path" lines would repeat it.
            "django.request": {"level": "ERROR"},
            "django_structlog": {"level": level},
        },
    }


# Extra fields of Django's records worth keeping (never `request`: its repr has the full URL).
ALLOWED_EXTRA = ("status_code",)


class DropRequestPaths(logging.Filter):
    """Django's request errors name the path in their message ("Internal Server Error: /reset/…");
    the request's log line already has it, redacted, under the same request id."""

    def filter(self, record):
        if record.name == "django.request" and getattr(record, "request", None) is not None:
            record.msg, record.args = "%s", (record.getMessage().split(":", 1)[0],)
        return True
