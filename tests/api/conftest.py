import os
import uuid

import pytest
import redis
from django.core.cache import cache

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture(params=["local-memory", "redis"])
def backend(request, settings):
    """The page cache in local memory (versions in the database), then in Redis as in production."""
    if request.param == "redis":
        try:
            redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
        except redis.RedisError:
            if os.environ.get("CI"):
                pytest.fail(f"Redis is not reachable at {REDIS_URL}")
            pytest.skip(f"Redis is not reachable at {REDIS_URL}")
        settings.CACHES = {
            "default": {
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": REDIS_URL,
                "KEY_PREFIX": f"newsblog-test-{uuid.uuid4().hex}",
                "OPTIONS": {"CLIENT_CLASS": "pagecache.store.RedisClient", "IGNORE_EXCEPTIONS": True},
            }
        }
    yield request.param
    cache.clear()
