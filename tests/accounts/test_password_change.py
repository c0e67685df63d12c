import pytest
from django.urls import reverse

from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

CHANGE_URL = "/accounts/password_change/"
NEW_PASSWORD = "plum-Orbit-47-lantern"


def change_data(**overrides):
    data = {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    data.update(overrides)
    return data


def test_password_change_url_is_the_permanent_one():
    assert reverse("accounts:password_change") == CHANGE_URL


def test_password_change_needs_login(client):
    response = client.get(CHANGE_URL)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={CHANGE_URL}"


def test_password_change_page_uses_our_template(client):
    client.force_login(make_user())
    response = client.get(CHANGE_URL)
    assert response.status_code == 200
    assert "registration/password_change_form.html" in [t.name for t in response.templates]
    assert "admin/" not in " ".join(t.name for t in response.templates)


def test_password_change_sets_the_new_password_and_keeps_the_reader_logged_in(client):
    user = make_user()
    client.force_login(user)
    response = client.post(CHANGE_URL, change_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_change_done")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert client.session["_auth_user_id"] == str(user.pk)
    done = client.get(response["Location"])
    assert done.status_code == 200
    assert "Password changed" in done.text


def test_session_key_rotates_on_password_change(client):
    client.force_login(make_user())
    before = client.session.session_key
    client.post(CHANGE_URL, change_data())
    assert client.session.session_key != before


def test_password_change_logs_out_other_sessions(client):
    from django.test import Client

    user = make_user()
    other_device = Client()
    other_device.force_login(user)
    client.force_login(user)
    client.post(CHANGE_URL, change_data())
    response = other_device.get(reverse("accounts:profile"))
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"old_password": "not my password"}, "old_password"),
        ({"new_password2": "plum-Orbit-47-lanterns"}, "new_password2"),
        ({"new_password1": "password", "new_password2": "password"}, "new_password2"),
        ({"new_password1": "", "new_password2": ""}, "new_password1"),
    ],
)
def test_bad_password_change_is_a_field_error(client, overrides, field):
    user = make_user()
    client.force_login(user)
    response = client.post(CHANGE_URL, change_data(**overrides))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert NEW_PASSWORD not in response.text
