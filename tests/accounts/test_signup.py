import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts.forms import SignupForm
from accounts.models import User
from tests.factories import make_user

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "plum-Orbit-47-lantern"
SIGNUP_URL = "/accounts/signup/"


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


def test_signup_url_is_the_permanent_one():
    assert reverse("accounts:signup") == SIGNUP_URL


def test_signup_page_shows_the_form(client):
    response = client.get(SIGNUP_URL)
    assert response.status_code == 200
    for name in ("username", "email", "display_name", "password1", "password2"):
        assert f'name="{name}"' in response.text


def test_signup_creates_an_account_and_logs_in(client):
    response = client.post(SIGNUP_URL, signup_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("articles:home")
    user = User.objects.get(username="newreader")
    assert user.email == "newreader@example.org"
    assert user.display_name == "New Reader"
    assert user.check_password(NEW_PASSWORD)
    assert client.session["_auth_user_id"] == str(user.pk)


def test_display_name_is_optional(client):
    response = client.post(SIGNUP_URL, signup_data(display_name=""))
    assert response.status_code == 302
    assert User.objects.get(username="newreader").public_name == "newreader"


def test_signup_never_creates_staff(client):
    data = signup_data(is_staff="on", is_superuser="on", is_active="", groups="1", user_permissions="1")
    client.post(SIGNUP_URL, data)
    user = User.objects.get(username="newreader")
    assert not user.is_staff
    assert not user.is_superuser
    assert user.is_active
    assert not user.user_permissions.exists()


def test_signup_returns_to_a_safe_next(client):
    response = client.post(SIGNUP_URL + "?next=/articles/some-story/", signup_data())
    assert response["Location"] == "/articles/some-story/"


def test_signup_next_from_the_hidden_field_is_used(client):
    response = client.post(SIGNUP_URL, signup_data(next="/category/world/?page=2"))
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
    response = client.post(SIGNUP_URL, signup_data(next=target))
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


def test_taken_email_in_any_case_is_a_field_error(client):
    make_user(email="reader@example.org")
    response = client.post(SIGNUP_URL, signup_data(email="Reader@EXAMPLE.org"))
    assert response.status_code == 400
    assert "already exists" in response.context["form"].errors["email"][0]
    assert "__all__" not in response.context["form"].errors


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
    assert "_auth_user_id" not in client.session


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
    monkeypatch.setattr(User, "validate_constraints", lambda self, exclude=None: None)
    response = client.post(SIGNUP_URL, signup_data(username="alice"))
    assert response.status_code == 400
    assert response.context["form"].errors["username"] == ["That username is taken. Try another."]
    assert "_auth_user_id" not in client.session


def test_race_on_the_email_constraint_is_a_form_error(client, monkeypatch):
    make_user(email="newreader@EXAMPLE.org")
    monkeypatch.setattr("accounts.forms._taken", lambda field, value: False)
    monkeypatch.setattr(User, "validate_constraints", lambda self, exclude=None: None)
    response = client.post(SIGNUP_URL, signup_data(email="NewReader@example.org"))
    assert response.status_code == 400
    assert "already exists" in response.context["form"].errors["email"][0]


def test_email_domain_is_normalised():
    form = SignupForm(signup_data(email="Someone@Example.ORG"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["email"] == "Someone@example.org"


def test_session_key_rotates_on_signup(client):
    client.get(SIGNUP_URL)
    session = client.session
    session["seen"] = True
    session.save()
    before = session.session_key
    client.post(SIGNUP_URL, signup_data())
    assert client.session.session_key != before


def test_new_passwords_are_hashed_with_argon2(client, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    client.post(SIGNUP_URL, signup_data())
    assert User.objects.get(username="newreader").password.startswith("argon2$")
