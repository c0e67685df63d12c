"""Sign-up and account mail are throttled per client address and per email address: a clear page,
429 and Retry-After; the count is the same whether or not an address has an account."""

import pytest
from django.core import mail
from django.core.cache import caches
from redis.exceptions import ConnectionError as RedisConnectionError

from accounts import throttling
from accounts.models import User
from tests.factories import make_user

pytestmark = pytest.mark.django_db

SIGNUP_URL = "/accounts/signup/"
RESET_URL = "/accounts/password_reset/"
RESEND_URL = "/accounts/signup/resend/"


def sign_up(client, n, **extra):
    data = {
        "username": f"newcomer{n}",
        "email": f"newcomer{n}@example.org",
        "password1": "plum-Orbit-47-lantern",
        "password2": "plum-Orbit-47-lantern",
    }
    return client.post(SIGNUP_URL, data, **extra)


def assert_throttled(response, message):
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    assert message in response.text
    assert "Please try again in" in response.text


def test_sign_ups_from_one_address_are_limited(client):
    statuses = [sign_up(client, n, REMOTE_ADDR="203.0.113.9").status_code for n in range(5)]
    assert statuses == [302] * 5
    response = sign_up(client, 5, REMOTE_ADDR="203.0.113.9")
    assert_throttled(response, "Too many accounts have been created from your network.")
    assert User.objects.count() == 5
    assert len(mail.outbox) == 5
    # Someone else is not affected.
    assert sign_up(client, 6, REMOTE_ADDR="198.51.100.7").status_code == 302


def test_refused_sign_ups_do_not_count(client):
    for n in range(8):
        response = client.post(SIGNUP_URL, {"username": f"x{n}", "email": "bad"}, REMOTE_ADDR="203.0.113.9")
        assert response.status_code == 400
    assert sign_up(client, 1, REMOTE_ADDR="203.0.113.9").status_code == 302


def test_behind_a_proxy_each_reader_has_their_own_sign_up_limit(client, settings):
    settings.NEWSBLOG_PROXY_COUNT = 1
    for n in range(5):
        sign_up(client, n, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 198.51.100.1")
    response = sign_up(client, 5, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert response.status_code == 429
    assert sign_up(client, 6, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 302


def test_the_limit_can_be_turned_off(client, settings):
    settings.SIGNUP_MAX_PER_HOUR_PER_IP = 0
    assert [sign_up(client, n).status_code for n in range(7)] == [302] * 7


def test_the_limit_lifts_when_the_hour_is_over(client, monkeypatch):
    for n in range(6):
        sign_up(client, n)
    now = throttling.time.time()
    monkeypatch.setattr(throttling.time, "time", lambda: now + 3600)
    assert sign_up(client, 7).status_code == 302


@pytest.mark.parametrize("registered", [True, False])
def test_reset_mails_to_one_address_are_limited(client, registered):
    if registered:
        make_user(email="reader@example.org")
    statuses = [
        client.post(RESET_URL, {"email": email}, REMOTE_ADDR=f"203.0.113.{n}").status_code
        for n, email in enumerate(["reader@example.org", "READER@example.org", "reader@EXAMPLE.org"])
    ]
    assert statuses == [302] * 3
    response = client.post(RESET_URL, {"email": "reader@example.org"}, REMOTE_ADDR="198.51.100.7")
    assert_throttled(response, "already sent several emails to that address in the last hour.")
    assert len(mail.outbox) == (3 if registered else 0)


def test_reset_requests_from_one_client_address_are_limited(client):
    for n in range(10):
        assert client.post(RESET_URL, {"email": f"someone{n}@example.org"}).status_code == 302
    response = client.post(RESET_URL, {"email": "someone-else@example.org"})
    assert_throttled(response, "There have been too many requests for emails from your network.")


def test_sign_up_and_send_it_again_share_the_limit_per_address(client):
    assert sign_up(client, 1).status_code == 302
    for _ in range(2):
        assert client.post(RESEND_URL, {"email": "newcomer1@example.org"}).status_code == 302
    response = client.post(RESEND_URL, {"email": "newcomer1@example.org"})
    assert_throttled(response, "already sent several emails to that address in the last hour.")
    assert len(mail.outbox) == 3


def test_counters_are_shared_by_every_worker_with_redis(client, cache_backend, monkeypatch):
    if cache_backend != "redis":
        pytest.skip("local memory is per worker (as the README says)")
    for n in range(5):
        sign_up(client, n)
    # Another worker process has its own connection to the same Redis.
    monkeypatch.setattr(throttling, "cache", caches.create_connection("default"))
    assert sign_up(client, 5).status_code == 429


def test_when_the_cache_cannot_count_the_sign_up_goes_ahead(client, monkeypatch, caplog):
    def unreachable(*args, **kwargs):
        raise RedisConnectionError("Redis is down")

    monkeypatch.setattr(type(caches["default"]), "incr", unreachable)
    assert [sign_up(client, n).status_code for n in range(6)] == [302] * 6
    assert "not counted" in caplog.text
