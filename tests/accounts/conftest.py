import pytest


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
