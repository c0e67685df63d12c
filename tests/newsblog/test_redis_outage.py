"""With REDIS_URL set and Redis gone, readers still read and writers still write; when Redis comes
back, no page stored before the outage is served after a change made during it."""

import os
import uuid

import pytest
from django.core.cache import caches
from django.test import Client
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import ConnectionError as RedisConnectionError

from comments.models import Comment
from pagecache import store
from tests.factories import make_article, make_comment, make_user
from tests.newsblog.test_cache import REDIS_URL, redis_available

pytestmark = pytest.mark.django_db


def redis_settings(settings, location):
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": location,
            "KEY_PREFIX": f"newsblog-test-{uuid.uuid4().hex}",
            "OPTIONS": {
                "CLIENT_CLASS": "pagecache.store.RedisClient",
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.COMMENTS_MIN_INTERVAL_SECONDS = 0


@pytest.fixture(autouse=True)
def _no_back_off_left_over(monkeypatch):
    monkeypatch.setattr(store.REDIS, "down_until", 0.0)
    monkeypatch.setattr(store.REDIS, "had_outage", False)


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


@pytest.fixture
def outage(settings, monkeypatch):
    """Real Redis, and a way to make it unreachable for a while and then bring it back."""
    if not redis_available():
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {REDIS_URL}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    redis_settings(settings, REDIS_URL)
    client = caches["default"].client
    working = client.get_client

    def unreachable(*args, **kwargs):
        raise ConnectionInterrupted(connection=None) from RedisConnectionError("connection refused")

    class Outage:
        def begin(self):
            monkeypatch.setattr(client, "get_client", unreachable)

        def end(self):
            monkeypatch.setattr(client, "get_client", working)
            later = store.REDIS.down_until + 1
            monkeypatch.setattr(store.time, "monotonic", lambda: later)  # back-off over

    yield Outage()
    caches["default"].clear()


def test_a_change_made_while_redis_was_unreachable_shows_once_it_is_back(outage):
    article = make_article()
    visitor = Client()
    visitor.get(article.get_absolute_url())  # stored
    outage.begin()
    make_comment(article=article, body="Posted while Redis was unreachable")  # its tag cannot move
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
    user.save()  # moving the user's tag fails
    outage.end()
    assert browser.get("/accounts/profile/").status_code == 302


def test_while_backing_off_the_cache_leaves_redis_alone(outage, monkeypatch):
    backend = caches["default"]
    store.REDIS.failed(RedisConnectionError("refused"))
    backend.set("probe", 1)  # not sent: Redis is being left alone
    assert backend.get("probe") is None
    outage.end()
    backend.set("probe", 2)
    assert backend.get("probe") == 2
