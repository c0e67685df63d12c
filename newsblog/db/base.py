"""PostgreSQL for web requests that never wait on a hung database.

The server enforces `statement_timeout` and `lock_timeout` (set in settings for web processes), so a
slow query or a locked table costs a reader a 503 after a few seconds. But a server whose processes
are stopped enforces nothing, and its kernel still acknowledges every packet, so TCP keepalives and
`tcp_user_timeout` never fire either: only the client can stop waiting. psycopg can (a wait with a
timeout); Django connects with `psycopg.connect`, which always makes a plain `psycopg.Connection`,
hence this backend: Django's own, connecting with the `Connection` below.
"""

import contextlib
import contextvars

import psycopg
from django.conf import settings
from django.db.backends.postgresql import base

# Seconds a single wait on the server may take; None means as long as it takes.
_wait_limit = contextvars.ContextVar("database_wait_limit", default=None)
# `SELECT 1` before reusing a connection: a millisecond when the server is well. Too slow, and the
# connection is replaced (a new one has the connect timeout).
HEALTH_CHECK_LIMIT = 0.5


@contextlib.contextmanager
def wait_limit(seconds):
    """Wait at most `seconds` for any one answer from the database inside this block."""
    token = _wait_limit.set(seconds)
    try:
        yield
    finally:
        _wait_limit.reset(token)


def _default_limit():
    # A second more than the server's own limit: normally the server cancels the statement first
    # and the connection stays usable; this fires only when the server cannot answer at all.
    statement_timeout = settings.DATABASE_STATEMENT_TIMEOUT
    return statement_timeout + 1 if statement_timeout else None


class Connection(psycopg.Connection):
    def wait(self, gen, interval=0.1, timeout=None):
        limit = _wait_limit.get() or _default_limit()
        if timeout is None and limit:
            timeout = limit
        try:
            return super().wait(gen, interval=interval, timeout=timeout)
        except psycopg.errors._WaitTimeout:  # psycopg's own: it raises nothing public for this
            # Mid-query and unanswered: the connection's state is unknown, so it is not reused.
            self.close()
            raise psycopg.OperationalError(
                f"the database did not answer within {timeout:g} s; connection closed"
            ) from None


class _Psycopg:
    """What Django's wrapper calls `Database`: psycopg, except that it connects with our class."""

    connect = staticmethod(Connection.connect)

    def __getattr__(self, name):
        return getattr(psycopg, name)


class DatabaseWrapper(base.DatabaseWrapper):
    Database = _Psycopg()

    def is_usable(self):
        # The health check before reuse: a server that cannot answer `SELECT 1` in half a second is
        # not usable, whatever the statement limit.
        with wait_limit(min(HEALTH_CHECK_LIMIT, _wait_limit.get() or HEALTH_CHECK_LIMIT)):
            return super().is_usable()
