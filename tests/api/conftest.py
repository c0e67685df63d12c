import pytest
from django.core.cache import cache


@pytest.fixture(params=["local-memory", "redis"])
def backend(request, settings):
    """The page cache in local memory (versions in the database), then in Redis as in production."""
    if request.param == "redis":
        from tests.newsblog.test_cache import use_redis

        use_redis(settings)
    yield request.param
    cache.clear()
