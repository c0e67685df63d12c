import pytest
from django.urls import reverse

from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"
LOGOUT_URL = "/accounts/logout/"


def test_account_urls_are_the_permanent_ones():
    assert reverse("accounts:login") == LOGIN_URL
    assert reverse("accounts:logout") == LOGOUT_URL


def test_login_page_uses_our_template(client):
    response = client.get(LOGIN_URL)
    assert response.status_code == 200
    assert "registration/login.html" in [t.name for t in response.templates]
    assert "Forgot your password?" in response.text


def test_right_password_logs_in_and_goes_home(client):
    user = make_user()
    response = client.post(LOGIN_URL, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("articles:home")
    assert client.session["_auth_user_id"] == str(user.pk)


def test_username_is_matched_whatever_its_case(client):
    user = make_user(username="Alice")
    response = client.post(LOGIN_URL, {"username": "aLICE", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_wrong_password_rerenders_with_an_error_and_keeps_the_username(client):
    user = make_user()
    response = client.post(LOGIN_URL, {"username": user.username, "password": "wrong password"})
    assert response.status_code == 400
    assert "That username and password don&#x27;t match an account." in response.text
    assert "capitals count there (not in the username)" in response.text
    assert "case-sensitive" not in response.text
    assert f'value="{user.username}"' in response.text
    assert "wrong password" not in response.text
    assert "_auth_user_id" not in client.session


def test_inactive_account_cannot_log_in(client):
    user = make_user(is_active=False)
    response = client.post(LOGIN_URL, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


def test_empty_form_is_a_field_error(client):
    response = client.post(LOGIN_URL, {})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"username", "password"}


def test_login_returns_to_a_safe_next(client):
    user = make_user()
    response = client.post(
        LOGIN_URL + "?next=/articles/a-story/%23comments",
        {"username": user.username, "password": PASSWORD},
    )
    assert response["Location"] == "/articles/a-story/#comments"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.com",
        "https://evil.com/",
        "http://evil.com/steal",
        "javascript:alert(1)",
        "/\\evil.com",
        "\\\\evil.com",
        "https://testserver.evil.com/",
    ],
)
def test_login_ignores_a_next_to_another_site(client, target):
    user = make_user()
    response = client.post(LOGIN_URL, {"username": user.username, "password": PASSWORD, "next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("articles:home")


def test_login_form_does_not_echo_an_unsafe_next(client):
    response = client.get(LOGIN_URL, {"next": "//evil.com"})
    assert 'name="next" value=""' in response.text


def test_signed_in_reader_visiting_login_is_redirected(client):
    client.force_login(make_user())
    response = client.get(LOGIN_URL)
    assert response.status_code == 302


def test_session_key_rotates_on_login(client):
    user = make_user()
    client.get(LOGIN_URL)
    session = client.session
    session["seen"] = True
    session.save()
    before = session.session_key
    client.post(LOGIN_URL, {"username": user.username, "password": PASSWORD})
    assert client.session.session_key != before
    assert client.session["_auth_user_id"] == str(user.pk)


def test_logout_is_a_post(client):
    user = make_user()
    client.force_login(user)
    response = client.post(LOGOUT_URL)
    assert response.status_code == 302
    assert response["Location"] == reverse("articles:home")
    assert "_auth_user_id" not in client.session


def test_logout_by_get_is_refused_and_keeps_the_session(client):
    user = make_user()
    client.force_login(user)
    response = client.get(LOGOUT_URL)
    assert response.status_code == 405
    assert client.session["_auth_user_id"] == str(user.pk)


def test_logout_needs_the_csrf_token(client):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(make_user())
    response = csrf_client.post(LOGOUT_URL)
    assert response.status_code == 403
    assert "_auth_user_id" in csrf_client.session


def test_header_shows_a_logout_button_not_a_link(client):
    client.force_login(make_user())
    response = client.get(reverse("articles:home"))
    assert f'action="{LOGOUT_URL}"' in response.text
    assert f'href="{LOGOUT_URL}"' not in response.text


@pytest.mark.parametrize("target", ["//evil.com", "https://evil.com/"])
def test_logout_ignores_a_next_to_another_site(client, target):
    client.force_login(make_user())
    response = client.post(LOGOUT_URL, {"next": target})
    assert response["Location"] == reverse("articles:home")


@pytest.mark.parametrize("username", ["x" * 10_000, "nul\x00name", "  ", "<script>"])
def test_odd_usernames_are_form_errors_not_crashes(client, username):
    response = client.post(LOGIN_URL, {"username": username, "password": "whatever"})
    assert response.status_code == 400
    assert "<script>" not in response.text.split('<main id="main"')[1]


def test_the_login_page_points_new_readers_at_their_confirmation_mail(client):
    response = client.get("/accounts/login/")
    assert "Just signed up?" in response.text
    assert 'href="/accounts/signup/resend/"' in response.text


def test_log_out_says_so(client):
    client.force_login(make_user())
    response = client.post(LOGOUT_URL, follow=True)
    assert response.redirect_chain[-1][0] == reverse("articles:home")
    assert "You have logged out." in response.text
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "url",
    [
        LOGIN_URL,
        "/accounts/password_reset/",
        "/accounts/password_reset/done/",
        "/accounts/reset/MQ/set-password/",
        "/accounts/reset/done/",
    ],
)
def test_account_pages_carry_the_site_name_not_the_host(client, settings, url):
    settings.SITE_NAME = "The Harbour Post"
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    response = client.get(url, HTTP_HOST="127.0.0.1:8103")
    assert response.status_code == 200
    assert "The Harbour Post" in response.text
    assert '<a class="site-name" href="/">The Harbour Post</a>' in response.text
    assert "127.0.0.1:8103" not in response.text.split("<body", 1)[1].replace("127.0.0.1:8103/", "")


@pytest.mark.parametrize("url", ["/accounts/password_change/", "/accounts/password_change/done/"])
def test_signed_in_account_pages_carry_the_site_name(client, settings, url):
    settings.SITE_NAME = "The Harbour Post"
    client.force_login(make_user())
    response = client.get(url)
    assert '<a class="site-name" href="/">The Harbour Post</a>' in response.text
    assert "<title>" in response.text and "testserver" not in response.text
