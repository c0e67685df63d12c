import pytest

from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_login_page_queries(client, django_assert_num_queries):
    client.get("/accounts/login/")  # warms the cached header navigation
    # none: no session yet, navigation from the cache
    with django_assert_num_queries(0):
        response = client.get("/accounts/login/")
    assert response.status_code == 200


def test_signup_page_queries(client, django_assert_num_queries):
    client.get("/accounts/signup/")
    # none: no session yet, navigation from the cache
    with django_assert_num_queries(0):
        response = client.get("/accounts/signup/")
    assert response.status_code == 200


def test_profile_page_queries(client, django_assert_num_queries, cache_backend):
    client.force_login(make_user())
    client.get("/accounts/profile/")
    # session, user; with Redis both come from the cache
    with django_assert_num_queries(0 if cache_backend == "redis" else 2):
        response = client.get("/accounts/profile/")
    assert response.status_code == 200


def test_profile_page_queries_with_a_cold_cache(client, django_assert_num_queries):
    from django.core.cache import cache

    client.force_login(make_user())
    cache.clear()
    # session, user, header categories
    with django_assert_num_queries(3):
        client.get("/accounts/profile/")
