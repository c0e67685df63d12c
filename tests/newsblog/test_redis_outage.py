"""With REDIS_URL set and Redis gone, readers still read and writers still write; when Redis comes
back, no page stored before the outage is served after a change made during it."""

import os
import uuid

import pytest
from django.core.cache import caches
from django.test import Client
from redis.exceptions import ConnectionError as RedisConnectionError

from accounts.backends import EPOCH_KEY
from comments.models import Comment
from newsblog import redis_cache
from newsblog.cache import GENERATION_KEY
from tests.factories import make_article, make_comment, make_user
from tests.newsblog.test_cache import REDIS_URL, redis_available

pytestmark = pytest.mark.django_db


def redis_settings(settings, location):
    settings.CACHES = {
        "default": {
            "BACKEND": "newsblog.redis_cache.RedisCache",
            "LOCATION": location,
            "KEY_PREFIX": f"newsblog-test-{uuid.uuid4().hex}",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.COMMENTS_MIN_INTERVAL_SECONDS = 0


def test_readers_and_writers_carry_on_while_redis_is_down(settings):
    redis_settings(settings, "redis://127.0.0.1:1/0")  # nothing listens there
    article = make_article(title="Still readable")
    visitor = Client()
    for _ in range(2):
        response = visitor.get(article.get_absolute_url())
        assert response.status_code == 200
        assert "Still readable" in response.content.decode()
    reader = Client()
    reader.force_login(make_user(display_name="Persistent Reader"))
    page = reader.get(article.get_absolute_url())
    assert page.status_code == 200
    assert "Persistent Reader" in page.content.decode()
    posted = reader.post(f"/articles/{article.slug}/comments/", {"body": "Written during the outage"})
    assert posted.status_code == 302
    assert Comment.objects.filter(body="Written during the outage").exists()
    assert "Written during the outage" in visitor.get(article.get_absolute_url()).content.decode()


def test_recovery_resets_the_keys_the_site_actually_uses():
    assert GENERATION_KEY in redis_cache.RESET_ON_RECOVERY
    assert EPOCH_KEY in redis_cache.RESET_ON_RECOVERY


@pytest.fixture
def outage(settings, monkeypatch):
    """Real Redis, and a way to make it unreachable for a while and then bring it back."""
    if not redis_available():
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {REDIS_URL}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    redis_settings(settings, REDIS_URL)
    backend = caches["default"]
    working = backend._cache.get_client

    def unreachable(*args, **kwargs):
        raise RedisConnectionError("connection refused")

    class Outage:
        def begin(self):
            monkeypatch.setattr(backend._cache, "get_client", unreachable)

        def end(self):
            monkeypatch.setattr(backend._cache, "get_client", working)
            later = backend._down_until + 1
            monkeypatch.setattr(redis_cache.time, "monotonic", lambda: later)  # back-off over

    yield Outage()
    backend.clear()


def test_a_change_made_while_redis_was_unreachable_shows_once_it_is_back(outage):
    article = make_article()
    visitor = Client()
    visitor.get(article.get_absolute_url())  # stored under the current generation
    outage.begin()
    make_comment(article=article, body="Posted while Redis was unreachable")  # its bump fails
    outage.end()
    page = visitor.get(article.get_absolute_url()).content.decode()
    assert "Posted while Redis was unreachable" in page


def test_a_password_changed_while_redis_was_unreachable_ends_old_sessions_once_it_is_back(outage):
    user = make_user(display_name="Worried Reader")
    browser = Client()
    browser.force_login(user)
    assert browser.get("/accounts/profile/").status_code == 200  # the user is now cached
    outage.begin()
    user.set_password("a brand new passphrase 77")
    user.save()  # moving the user's version fails
    outage.end()
    assert browser.get("/accounts/profile/").status_code == 302
