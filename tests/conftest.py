import os

import pytest
from django.core.cache import cache


def pytest_configure(config):
    # Run in parallel (`-n`, pytest-xdist), each worker empties and fills a Redis database of its own:
    # the one TEST_REDIS_URL names (15 by default) for the first worker, the one below for the next...
    worker = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1...
    if worker:
        base, _, db = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15").rpartition("/")
        os.environ["TEST_REDIS_URL"] = f"{base}/{int(db) - int(worker.removeprefix('gw'))}"
    # Tests render templates without running collectstatic first, so no manifest is needed.
    from django.conf import settings

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Persistent connections from the live server's thread would block dropping the test database.
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Background tasks run at once, inside the test, so their mail is in django.core.mail.outbox.
    # Tests of the worker itself switch back to the database backend (tests/accounts/test_mail_tasks.py).
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # A task module imported while Django set up (comments' ready() imports the notification task)
    # already opened the configured backend: have django-tasks open the one above instead.
    from django.core.signals import setting_changed

    setting_changed.send(sender=None, setting="TASKS", value=settings.TASKS, enter=True)


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    """Each test gets its own media folder and an empty cache."""
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def no_page_cache(settings):
    """Render every page: for tests that count the queries a page costs to build."""
    settings.NEWSBLOG_PAGE_CACHE = False
