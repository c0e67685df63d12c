"""Login throttling with django-axes: 5 failures for one account or one IP within 15 minutes."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.db.models import F
from django.test import Client
from django.utils import timezone

from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"


def fail(client, username, times=1, **extra):
    responses = [
        client.post(LOGIN_URL, {"username": username, "password": "not it"}, **extra) for _ in range(times)
    ]
    return responses[-1]


def log_in(client, username, **extra):
    return client.post(LOGIN_URL, {"username": username, "password": PASSWORD}, **extra)


def test_four_failures_are_still_only_form_errors(client):
    user = make_user()
    assert fail(client, user.username, times=4).status_code == 400
    assert log_in(client, user.username).status_code == 302


def test_fifth_failure_locks_the_account(client):
    user = make_user()
    assert fail(client, user.username, times=4).status_code == 400
    response = fail(client, user.username)
    assert response.status_code == 429
    assert "Too many failed log-in attempts" in response.text
    assert "15 minutes" in response.text


def test_right_password_is_refused_while_locked(client):
    user = make_user()
    fail(client, user.username, times=5)
    response = log_in(client, user.username)
    assert response.status_code == 429
    assert "Too many failed log-in attempts" in response.text
    assert "accounts/locked_out.html" in [t.name for t in response.templates]
    assert "_auth_user_id" not in client.session


def test_lock_holds_for_the_account_from_another_ip(client):
    user = make_user()
    fail(client, user.username, times=5, REMOTE_ADDR="203.0.113.5")
    response = log_in(client, user.username, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_other_spellings_of_the_username_count_against_one_account(client):
    user = make_user(username="carol")
    for n, spelling in enumerate(["carol", "Carol", "CAROL", "cArol", "caRol"]):
        fail(client, spelling, REMOTE_ADDR=f"203.0.113.{n + 1}")
    assert log_in(client, user.username, REMOTE_ADDR="198.51.100.7").status_code == 429


def test_failures_from_one_ip_are_limited_across_accounts(client):
    users = [make_user() for _ in range(5)]
    for user in users:
        fail(client, user.username, REMOTE_ADDR="203.0.113.9")
    victim = make_user()
    assert log_in(client, victim.username, REMOTE_ADDR="203.0.113.9").status_code == 429
    # Readers elsewhere are not affected.
    assert log_in(client, victim.username, REMOTE_ADDR="198.51.100.7").status_code == 302


def test_lock_expires_after_the_cool_off(client):
    user = make_user()
    fail(client, user.username, times=5)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    response = log_in(client, user.username)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_an_attempt_during_the_lock_restarts_the_wait(client):
    user = make_user()
    fail(client, user.username, times=5)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=14))
    assert log_in(client, user.username).status_code == 429
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=2))
    assert log_in(client, user.username).status_code == 429


def test_success_before_the_limit_resets_the_count(client):
    user = make_user()
    fail(client, user.username, times=4)
    assert log_in(client, user.username).status_code == 302
    client.post("/accounts/logout/")
    assert fail(client, user.username, times=4).status_code == 400
    assert log_in(client, user.username).status_code == 302


def test_admin_command_unlocks_the_account(client):
    user = make_user()
    fail(client, user.username, times=5)
    call_command("axes_reset_username", user.username)
    assert log_in(client, user.username).status_code == 302


def test_the_lockout_says_when_to_come_back(client):
    user = make_user()
    response = fail(client, user.username, times=5)
    assert response.status_code == 429
    assert response["Retry-After"] == str(15 * 60)


def test_behind_a_proxy_each_reader_is_throttled_by_their_own_address(client, settings):
    settings.NEWSBLOG_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for n in range(5):
        # Different accounts, one reader: the address lock is theirs, not the proxy's.
        fail(client, f"nobody-{n}", HTTP_X_FORWARDED_FOR="198.51.100.1", **proxy)
    assert fail(client, "nobody-6", HTTP_X_FORWARDED_FOR="198.51.100.1", **proxy).status_code == 429
    other = make_user()
    assert log_in(client, other.username, HTTP_X_FORWARDED_FOR="198.51.100.2", **proxy).status_code == 302


def test_behind_a_proxy_a_forged_forwarded_for_does_not_escape_the_lock(client, settings):
    settings.NEWSBLOG_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for n in range(5):
        # The client writes a new fake address each time; the proxy appends the real one.
        fail(client, f"nobody-{n}", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 198.51.100.1", **proxy)
    response = fail(client, "nobody-6", HTTP_X_FORWARDED_FOR="192.0.2.99, 198.51.100.1", **proxy)
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.1"}


def test_without_a_proxy_setting_forwarded_for_is_ignored(client):
    for n in range(5):
        fail(client, f"nobody-{n}", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}", REMOTE_ADDR="203.0.113.9")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}


def test_behind_a_proxy_a_forwarded_for_that_is_not_an_address_falls_back_to_the_peer(client, settings):
    settings.NEWSBLOG_PROXY_COUNT = 1
    response = fail(client, "nobody", HTTP_X_FORWARDED_FOR="not-an-address", REMOTE_ADDR="10.0.0.2")
    assert response.status_code == 400
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.0.0.2"}


def test_a_success_clears_only_that_accounts_failures(client):
    victim, attacker = make_user(), make_user()
    fail(client, victim.username, times=3, REMOTE_ADDR="203.0.113.9")
    fail(client, attacker.username, times=1, REMOTE_ADDR="203.0.113.9")
    assert log_in(client, attacker.username, REMOTE_ADDR="203.0.113.9").status_code == 302
    assert set(AccessAttempt.objects.values_list("username", "failures_since_start")) == {
        (victim.username, 3)
    }


def test_guessing_between_logins_to_your_own_account_still_locks_the_victim(client):
    """Four wrong passwords for someone else, one right one for your own account, repeated: the
    victim's failures are never cleared by your success, so the lock comes at the limit."""
    victim, attacker = make_user(), make_user()
    address = {"REMOTE_ADDR": "203.0.113.9"}
    statuses = []
    for _ in range(3):
        statuses += [fail(client, victim.username, **address).status_code for _ in range(4)]
        statuses.append(log_in(client, attacker.username, **address).status_code)
        client.post("/accounts/logout/")
    # Guess 5 is the limit, for the account and for the address; nothing gets through after it.
    assert statuses[:5] == [400, 400, 400, 400, 302]
    assert statuses[5] == 429
    assert set(statuses[6:]) == {429}
    # The account can't log in from anywhere, not even with the right password...
    assert log_in(Client(), victim.username, REMOTE_ADDR="198.51.100.7").status_code == 429
    # ...and the guessing address can't log in at all, not even to its own account.
    assert log_in(Client(), attacker.username, **address).status_code == 429
    # Readers elsewhere are unaffected.
    assert log_in(Client(), attacker.username, REMOTE_ADDR="198.51.100.7").status_code == 302
