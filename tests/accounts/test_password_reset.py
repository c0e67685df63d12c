import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from tests.accounts.conftest import run_worker
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

RESET_URL = "/accounts/password_reset/"
NEW_PASSWORD = "plum-Orbit-47-lantern"
LINK = re.compile(r"http://testserver(/accounts/reset/[^/\s]+/[^/\s]+/)")


def reset_link(message):
    return LINK.search(message.body).group(1)


def test_password_reset_url_is_the_permanent_one():
    assert reverse("accounts:password_reset") == RESET_URL


def test_reset_page_uses_our_template(client):
    response = client.get(RESET_URL)
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "registration/password_reset_form.html"
    assert "Django administration" not in response.text


def test_reset_sends_exactly_one_plain_text_email(client, settings):
    settings.SITE_NAME = "newsblog"
    user = make_user(email="reader@example.org", display_name="Dana Reader")
    response = client.post(RESET_URL, {"email": "reader@example.org"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["reader@example.org"]
    assert message.subject == "Reset your password on newsblog"
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert message.alternatives == []
    assert "Hello Dana Reader," in message.body
    assert f"@{user.username}" in message.body
    assert "If you didn't ask for this" in message.body
    assert "72 hours" in message.body
    assert "<" not in message.body
    assert LINK.search(message.body)


def test_reset_email_matches_the_address_in_any_case(client):
    make_user(email="reader@example.org")
    client.post(RESET_URL, {"email": "READER@example.org"})
    assert len(mail.outbox) == 1


def test_reset_answers_the_same_for_an_unknown_address(client):
    make_user(email="reader@example.org")
    known = client.post(RESET_URL, {"email": "reader@example.org"})
    unknown = client.post(RESET_URL, {"email": "nobody@example.org"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert len(mail.outbox) == 1
    done = client.get(unknown["Location"])
    assert "If an account uses that address" in done.text


def test_reset_with_a_malformed_address_is_a_field_error(client):
    response = client.post(RESET_URL, {"email": "not an address"})
    assert response.status_code == 400
    assert "email" in response.context["form"].errors
    assert 'value="not an address"' in response.text
    assert mail.outbox == []


def test_reset_link_sets_a_new_password_that_logs_in(client):
    user = make_user(email="reader@example.org")
    client.post(RESET_URL, {"email": "reader@example.org"})
    link = reset_link(mail.outbox[0])

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    assert form_page.context["validlink"] is True
    set_password_url = form_page.redirect_chain[-1][0]
    response = client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_complete")
    assert "You can log in with it now" in client.get(response["Location"]).text

    assert (
        client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD}).status_code
        == 400
    )
    response = client.post(reverse("accounts:login"), {"username": user.username, "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_reset_link_works_only_once(client):
    make_user(email="reader@example.org")
    client.post(RESET_URL, {"email": "reader@example.org"})
    link = reset_link(mail.outbox[0])
    form_page = client.get(link, follow=True)
    client.post(
        form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    again = client.get(link, follow=True)
    assert again.context["validlink"] is False
    assert "doesn't work any more" in again.text


def test_forged_reset_link_is_refused(client):
    user = make_user()
    response = client.get(reverse("accounts:password_reset_confirm", args=["MQ", "set-password-x"]))
    assert response.status_code == 200
    assert response.context["validlink"] is False
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_weak_new_password_is_a_field_error(client):
    user = make_user(email="reader@example.org")
    client.post(RESET_URL, {"email": "reader@example.org"})
    form_page = client.get(reset_link(mail.outbox[0]), follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "password", "new_password2": "password"}
    )
    assert response.status_code == 400
    assert "new_password2" in response.context["form"].errors
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_reset_lifts_a_lockout_on_the_account(client):
    user = make_user(email="reader@example.org")
    for _ in range(5):
        client.post(reverse("accounts:login"), {"username": user.username, "password": "not it"})
    assert (
        client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD}).status_code
        == 429
    )

    client.post(RESET_URL, {"email": "reader@example.org"})
    form_page = client.get(reset_link(mail.outbox[0]), follow=True)
    client.post(
        form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    response = client.post(reverse("accounts:login"), {"username": user.username, "password": NEW_PASSWORD})
    assert response.status_code == 302


@pytest.mark.django_db(transaction=True)
def test_a_relay_that_never_answers_does_not_hold_up_the_request(client, database_tasks, silent_relay):
    make_user(email="reader@example.org")
    response = client.post(RESET_URL, {"email": "reader@example.org"})
    assert response.status_code == 302
    # The request only queued the work: it never connected to the relay.
    assert silent_relay == []
    [queued] = DBTaskResult.objects.all()
    assert (queued.task_path, queued.status) == ("accounts.tasks.send_password_reset", "READY")
    expected = {"email": "reader@example.org", "domain": "testserver", "use_https": False}
    assert queued.args_kwargs["kwargs"] == expected
    # The worker looks the account up, queues its mail, and that is what meets the silent relay.
    run_worker()
    assert silent_relay, "the worker never reached the relay"
    assert mail.outbox == []


def test_known_and_unknown_addresses_cost_the_request_the_same(client, database_tasks):
    make_user(email="reader@example.org")
    queries = []
    for email in ("reader@example.org", "nobody@example.org"):
        with CaptureQueriesContext(connection) as captured:
            response = client.post(RESET_URL, {"email": email})
        assert (response.status_code, response["Location"]) == (302, reverse("accounts:password_reset_done"))
        queries.append([re.sub(r"'[^']*'|\d+", "?", q["sql"]) for q in captured.captured_queries])
    assert queries[0] == queries[1]
    assert [t.args_kwargs["kwargs"]["email"] for t in DBTaskResult.objects.order_by("enqueued_at")] == [
        "reader@example.org",
        "nobody@example.org",
    ]
    assert mail.outbox == []
