import pytest

from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_login_page_queries(client, django_assert_num_queries, cache_backend):
    client.get("/accounts/login/")  # warms the cached header navigation
    # no session yet; the section menu from the cache, checked against its version (in Redis too)
    with django_assert_num_queries(0 if cache_backend == "redis" else 1):
        response = client.get("/accounts/login/")
    assert response.status_code == 200


def test_signup_page_queries(client, django_assert_num_queries, cache_backend):
    client.get("/accounts/signup/")
    # no session yet; the section menu from the cache, checked against its version (in Redis too)
    with django_assert_num_queries(0 if cache_backend == "redis" else 1):
        response = client.get("/accounts/signup/")
    assert response.status_code == 200


def test_profile_page_queries(client, django_assert_num_queries, cache_backend):
    client.force_login(make_user())
    client.get("/accounts/profile/")
    # session, user, the section menu's version; with Redis all come from the cache
    with django_assert_num_queries(0 if cache_backend == "redis" else 3):
        response = client.get("/accounts/profile/")
    assert response.status_code == 200


def test_profile_page_queries_with_a_cold_cache(client, django_assert_num_queries, cache_backend):
    from django.core.cache import cache

    client.force_login(make_user())
    cache.clear()
    # session, user, header categories; without Redis also the clock and the menu's version
    with django_assert_num_queries(3 if cache_backend == "redis" else 5):
        client.get("/accounts/profile/")
