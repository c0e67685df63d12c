import socket
import threading

import pytest
from django.core.management import call_command


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 is deliberately slow; these tests hash hundreds of passwords. test_signup checks Argon2.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]


@pytest.fixture(autouse=True, params=["local-memory", "redis"])
def cache_backend(request, settings):
    """Every account flow runs with users loaded from the database (local-memory cache) and from
    Redis (accounts/backends.py), with cached_db sessions as production has them."""
    if request.param == "redis":
        from tests.newsblog.test_cache import use_redis

        use_redis(settings)
    yield request.param


@pytest.fixture
def database_tasks(settings):
    """Tasks wait in the database for the worker, as in production (tests otherwise run them at once)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


@pytest.fixture
def silent_relay(settings):
    """An SMTP relay that accepts connections and never says a word; yields the connections it took."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted = []

    def accept():
        while True:
            try:
                accepted.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = server.getsockname()
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 0.2
    yield accepted
    server.close()
    for connection in accepted:
        connection.close()
