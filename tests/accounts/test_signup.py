"""Sign-up: an account waits, unconfirmed, until its owner opens the link mailed to them; the page and
the work are the same whether or not the address already has an account."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail, signing
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.forms import SignupForm
from accounts.models import User
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "plum-Orbit-47-lantern"
SIGNUP_URL = "/accounts/signup/"
DONE_URL = "/accounts/signup/done/"
CONFIRM_LINK = re.compile(r"http://testserver(/accounts/signup/confirm/[^/\s]+/)")


def signup_data(**overrides):
    data = {
        "username": "newreader",
        "email": "newreader@example.org",
        "display_name": "New Reader",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    data.update(overrides)
    return data


def confirm_link(message):
    found = CONFIRM_LINK.search(message.body)
    assert found, message.body
    return found.group(1)


def sign_up_and_confirm(client, **overrides):
    """The whole journey: the form, the mail, the link, the button. Returns the button's response."""
    response = client.post(overrides.pop("url", SIGNUP_URL), signup_data(**overrides))
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    link = confirm_link(mail.outbox[-1])
    return client.post(link)


def test_signup_url_is_the_permanent_one():
    assert reverse("accounts:signup") == SIGNUP_URL


def test_signup_page_shows_the_form(client):
    response = client.get(SIGNUP_URL)
    assert response.status_code == 200
    for name in ("username", "email", "display_name", "password1", "password2"):
        assert f'name="{name}"' in response.text
    assert "We'll send you a link to confirm it." in response.text


def test_signup_makes_an_unconfirmed_account_and_mails_a_link(client):
    response = client.post(SIGNUP_URL, signup_data())
    assert response.status_code == 302
    assert response["Location"] == DONE_URL
    user = User.objects.get(username="newreader")
    assert (user.is_active, user.awaiting_confirmation) == (False, True)
    assert user.email == "newreader@example.org"
    assert user.check_password(NEW_PASSWORD)
    assert "_auth_user_id" not in client.session
    [message] = mail.outbox
    assert message.to == ["newreader@example.org"]
    assert message.subject == "Confirm your newsblog account"
    assert "Hello New Reader," in message.body
    assert "@newreader" in message.body
    assert "expires 3 days after you signed up" in message.body
    assert "http://testserver/accounts/signup/resend/" in message.body
    done = client.get(DONE_URL)
    assert "Check your email" in done.text
    assert 'action="/accounts/signup/resend/"' in done.text


def test_an_unconfirmed_account_cannot_log_in(client):
    client.post(SIGNUP_URL, signup_data())
    response = client.post("/accounts/login/", {"username": "newreader", "password": NEW_PASSWORD})
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


def test_opening_the_link_asks_before_confirming(client):
    client.post(SIGNUP_URL, signup_data())
    response = client.get(confirm_link(mail.outbox[0]))
    assert response.status_code == 200
    assert "@newreader" in response.text
    assert "Confirm and log in" in response.text
    # A mail scanner following the link confirms nothing.
    assert User.objects.get(username="newreader").awaiting_confirmation
    assert "_auth_user_id" not in client.session


def test_confirming_activates_the_account_and_logs_in(client):
    response = sign_up_and_confirm(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("articles:home")
    user = User.objects.get(username="newreader")
    assert (user.is_active, user.awaiting_confirmation) == (True, False)
    assert client.session["_auth_user_id"] == str(user.pk)
    assert "Welcome! Your account is ready." in client.get("/").text


def test_the_link_works_once(client):
    sign_up_and_confirm(client)
    link = confirm_link(mail.outbox[0])
    client.post("/accounts/logout/")
    for method in (client.get, client.post):
        response = method(link)
        assert response.status_code == 400
        assert "This link doesn" in response.text
        assert "_auth_user_id" not in client.session


def test_a_forged_link_is_refused(client):
    user = make_user(username="target", is_active=False, awaiting_confirmation=True)
    forged = signing.dumps({"id": user.pk, "username": "target"}, salt="something-else")
    for token in (forged, "nonsense", forged[:-3] + "abc"):
        response = client.post(reverse("accounts:signup-confirm", args=[token]))
        assert response.status_code == 400
    user.refresh_from_db()
    assert user.awaiting_confirmation


def test_the_link_expires(client, monkeypatch):
    client.post(SIGNUP_URL, signup_data())
    link = confirm_link(mail.outbox[0])
    later = timezone.now().timestamp() + 3 * 24 * 3600 + 60
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    response = client.post(link)
    assert response.status_code == 400
    assert "have a new one sent" in response.text
    assert User.objects.get(username="newreader").awaiting_confirmation


def test_display_name_is_optional(client):
    sign_up_and_confirm(client, display_name="")
    assert User.objects.get(username="newreader").public_name == "newreader"


def test_signup_never_creates_staff(client):
    data = {"is_staff": "on", "is_superuser": "on", "is_active": "on", "groups": "1", "user_permissions": "1"}
    sign_up_and_confirm(client, **data)
    user = User.objects.get(username="newreader")
    assert not user.is_staff
    assert not user.is_superuser
    assert not user.user_permissions.exists()


def test_after_confirming_the_reader_returns_to_a_safe_next(client):
    response = sign_up_and_confirm(client, url=SIGNUP_URL + "?next=/articles/some-story/")
    assert response["Location"] == "/articles/some-story/"


def test_signup_next_from_the_hidden_field_is_used(client):
    response = sign_up_and_confirm(client, next="/category/world/?page=2")
    assert response["Location"] == "/category/world/?page=2"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.com",
        "https://evil.com/",
        "http://evil.com",
        "javascript:alert(1)",
        "/\\evil.com",
        "accounts:logout",
    ],
)
def test_signup_ignores_a_next_to_another_site(client, target):
    response = sign_up_and_confirm(client, next=target)
    assert response.status_code == 302
    assert response["Location"] == reverse("articles:home")


def test_signup_form_does_not_echo_an_unsafe_next(client):
    response = client.get(SIGNUP_URL, {"next": "https://evil.com/"})
    assert 'name="next" value=""' in response.text


def test_signup_keeps_a_safe_next_in_the_form(client):
    response = client.get(SIGNUP_URL, {"next": "/articles/x/"})
    assert 'name="next" value="/articles/x/"' in response.text


def test_signed_in_reader_is_sent_to_the_profile(client):
    client.force_login(make_user())
    response = client.get(SIGNUP_URL)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:profile")


@pytest.mark.parametrize("username", ["alice", "ALICE", "Alice"])
def test_taken_username_in_any_case_is_a_field_error(client, username):
    make_user(username="alice")
    response = client.post(SIGNUP_URL, signup_data(username=username))
    assert response.status_code == 400
    assert response.context["form"].errors["username"] == ["That username is taken. Try another."]
    assert get_user_model().objects.filter(username__iexact="alice").count() == 1


def test_a_registered_email_gets_the_same_answer_and_a_note_instead_of_a_link(client):
    existing = make_user(username="dana", email="dana@example.org")
    known = client.post(SIGNUP_URL, signup_data(username="dana2", email="Dana@EXAMPLE.org"))
    unknown = client.post(SIGNUP_URL, signup_data(username="erin", email="erin@example.org"))
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert (known.status_code, known["Location"]) == (302, DONE_URL)
    note, link = mail.outbox
    assert note.to == ["dana@example.org"]
    assert note.subject == "You already have a newsblog account"
    assert "@dana" in note.body
    assert "http://testserver/accounts/login/" in note.body
    assert "http://testserver/accounts/password_reset/" in note.body
    assert not CONFIRM_LINK.search(note.body)
    assert confirm_link(link)
    existing.refresh_from_db()
    assert existing.check_password(PASSWORD) and existing.is_active


def test_known_and_unknown_addresses_cost_the_request_the_same(client, settings):
    # Tasks wait for the worker here, so only the request's own work is counted.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    make_user(username="dana", email="dana@example.org")
    queries = []
    for n, email in enumerate(["dana@example.org", "nobody@example.org"]):
        with CaptureQueriesContext(connection) as captured:
            response = client.post(SIGNUP_URL, signup_data(username=f"newcomer{n}", email=email))
        assert response.status_code == 302
        queries.append([re.sub(r"'[^']*'|\d+", "?", q["sql"]) for q in captured.captured_queries])
    assert queries[0] == queries[1]
    assert mail.outbox == []

    from django_tasks_db.models import DBTaskResult

    tasks = DBTaskResult.objects.order_by("enqueued_at")
    assert [t.task_path for t in tasks] == ["accounts.tasks.send_signup_mail"] * 2


def test_the_username_is_held_while_waiting_for_confirmation(client):
    client.post(SIGNUP_URL, signup_data())
    response = client.post(SIGNUP_URL, signup_data(username="NewReader", email="other@example.org"))
    assert response.status_code == 400
    assert response.context["form"].errors["username"] == ["That username is taken. Try another."]


def test_an_expired_signup_frees_its_username(client):
    client.post(SIGNUP_URL, signup_data())
    expired = timezone.now() - timedelta(days=3, minutes=1)
    User.objects.filter(username="newreader").update(date_joined=expired)
    response = client.post(SIGNUP_URL, signup_data(email="someone-else@example.org"))
    assert response.status_code == 302
    assert User.objects.get(username="newreader").email == "someone-else@example.org"


def test_the_cleanup_command_deletes_only_expired_signups():
    old = timezone.now() - timedelta(days=4)
    make_user(username="expired", is_active=False, awaiting_confirmation=True, date_joined=old)
    make_user(username="fresh", is_active=False, awaiting_confirmation=True)
    make_user(username="confirmed", date_joined=old)
    make_user(username="deactivated", is_active=False, date_joined=old)
    call_command("delete_unconfirmed_accounts", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert set(User.objects.values_list("username", flat=True)) == {"fresh", "confirmed", "deactivated"}


def test_nobody_can_keep_an_address_from_its_owner(client):
    """Someone signs up with your address: you can still sign up with it, and confirming yours
    removes theirs (they could never confirm it: the link only went to you)."""
    client.post(SIGNUP_URL, signup_data(username="squatter", email="owner@example.org"))
    response = sign_up_and_confirm(client, username="rightful", email="owner@example.org")
    assert response.status_code == 302
    assert list(User.objects.values_list("username", flat=True)) == ["rightful"]


def test_confirming_after_the_address_got_an_account_elsewhere(client):
    client.post(SIGNUP_URL, signup_data())
    link = confirm_link(mail.outbox[0])
    make_user(username="first", email="NewReader@example.org")
    response = client.post(link)
    assert response.status_code == 409
    assert "You already have an account" in response.text
    assert User.objects.get(username="newreader").awaiting_confirmation
    assert "_auth_user_id" not in client.session


class TestAskingForTheLinkAgain:
    URL = "/accounts/signup/resend/"

    def test_the_page_has_a_form(self, client):
        response = client.get(self.URL)
        assert response.status_code == 200
        assert 'name="email"' in response.text

    def test_a_waiting_signup_gets_a_new_link(self, client):
        client.post(SIGNUP_URL, signup_data())
        response = client.post(self.URL, {"email": "NEWREADER@example.org"})
        assert (response.status_code, response["Location"]) == (302, DONE_URL)
        assert len(mail.outbox) == 2
        assert client.post(confirm_link(mail.outbox[1])).status_code == 302
        assert User.objects.get(username="newreader").is_active

    def test_the_same_answer_for_an_account_and_for_nobody(self, client):
        make_user(username="dana", email="dana@example.org")
        known = client.post(self.URL, {"email": "dana@example.org"})
        unknown = client.post(self.URL, {"email": "nobody@example.org"})
        assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
        [note] = mail.outbox
        assert note.to == ["dana@example.org"] and "already have" in note.subject

    def test_a_malformed_address_is_a_field_error(self, client):
        response = client.post(self.URL, {"email": "not an address"})
        assert response.status_code == 400
        assert "email" in response.context["form"].errors
        assert mail.outbox == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"password2": "something-else-entirely-9"}, "password2"),
        ({"password1": "password", "password2": "password"}, "password2"),
        ({"password1": "12345678901", "password2": "12345678901"}, "password2"),
        ({"password1": "short1", "password2": "short1"}, "password2"),
        ({"password1": "newreader1", "password2": "newreader1"}, "password2"),
        ({"email": "not-an-email"}, "email"),
        ({"email": ""}, "email"),
        ({"username": ""}, "username"),
        ({"username": "has space"}, "username"),
        ({"username": "tab\tname"}, "username"),
        ({"username": "bell\x07name"}, "username"),
        ({"username": "nul\x00name"}, "username"),
        ({"username": "x" * 151}, "username"),
        ({"display_name": "x" * 10_000}, "display_name"),
        ({"display_name": "evil\u202eeman"}, "display_name"),
        ({"display_name": "line\nbreak"}, "display_name"),
    ],
)
def test_bad_input_rerenders_with_a_field_error(client, overrides, field):
    response = client.post(SIGNUP_URL, signup_data(**overrides))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not User.objects.exists()
    assert mail.outbox == []


def test_bad_input_keeps_what_was_typed_except_passwords(client):
    response = client.post(SIGNUP_URL, signup_data(password2="something-else-entirely-9"))
    assert response.status_code == 400
    assert 'value="newreader"' in response.text
    assert 'value="newreader@example.org"' in response.text
    assert 'value="New Reader"' in response.text
    assert NEW_PASSWORD not in response.text
    assert "something-else-entirely-9" not in response.text


def test_race_on_the_username_constraint_is_a_form_error(client, monkeypatch):
    # Another sign-up for "Alice" commits between our check and our insert.
    make_user(username="Alice")
    monkeypatch.setattr("accounts.forms._taken", lambda field, value: False)
    monkeypatch.setattr("accounts.forms.name_key", lambda value: "never-matches")
    monkeypatch.setattr(User, "clean", lambda self: None)
    monkeypatch.setattr(User, "validate_constraints", lambda self, exclude=None: None)
    response = client.post(SIGNUP_URL, signup_data(username="alice"))
    assert response.status_code == 400
    assert response.context["form"].errors["username"][0] in (
        "That username is taken. Try another.",
        "That username looks too much like an existing one. Try another.",
    )
    assert mail.outbox == []


def test_race_on_the_lookalike_constraint_is_a_form_error(client, monkeypatch):
    # "paypa1" commits between our look-alike check for "paypal" and our insert.
    make_user(username="paypa1")
    monkeypatch.setattr("accounts.forms.name_key", lambda value: "never-matches")
    monkeypatch.setattr(User, "clean", lambda self: None)
    response = client.post(SIGNUP_URL, signup_data(username="paypal"))
    assert response.status_code == 400
    assert response.context["form"].errors["username"] == [
        "That username looks too much like an existing one. Try another."
    ]
    assert User.objects.count() == 1


def test_email_domain_is_normalised():
    form = SignupForm(signup_data(email="Someone@Example.ORG"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["email"] == "Someone@example.org"


def test_session_key_rotates_when_the_confirmation_logs_in(client):
    client.get(SIGNUP_URL)
    session = client.session
    session["seen"] = True
    session.save()
    before = session.session_key
    sign_up_and_confirm(client)
    assert client.session.session_key != before


def test_new_passwords_are_hashed_with_argon2(client, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    client.post(SIGNUP_URL, signup_data())
    assert User.objects.get(username="newreader").password.startswith("argon2$")
