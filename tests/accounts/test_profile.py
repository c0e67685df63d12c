import pytest
from django.urls import reverse

from accounts.models import User
from tests.factories import make_article, make_user

pytestmark = pytest.mark.django_db

PROFILE_URL = "/accounts/profile/"
SCRIPT = '<script>alert("x")</script>'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"


def test_profile_url_is_the_permanent_one():
    assert reverse("accounts:profile") == PROFILE_URL


def test_profile_needs_login(client):
    response = client.get(PROFILE_URL)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={PROFILE_URL}"


def test_profile_shows_the_current_values(client):
    user = make_user(display_name="Dana", bio="Writes about trains.")
    client.force_login(user)
    response = client.get(PROFILE_URL)
    assert response.status_code == 200
    assert 'value="Dana"' in response.text
    assert "Writes about trains." in response.text
    # Readers have no public author page to link to; staff are told where theirs will be.
    assert f'href="{user.get_absolute_url()}"' not in response.text


def test_profile_saves_display_name_and_bio(client):
    user = make_user()
    client.force_login(user)
    response = client.post(PROFILE_URL, {"display_name": "Dana Reader", "bio": "Line one.\nLine two."})
    assert response.status_code == 302
    assert response["Location"] == PROFILE_URL
    user.refresh_from_db()
    assert user.display_name == "Dana Reader"
    assert user.bio == "Line one.\nLine two."
    assert "Your profile has been saved." in client.get(PROFILE_URL).text


def test_profile_ignores_other_fields(client):
    user = make_user(username="dana", email="dana@example.org")
    client.force_login(user)
    client.post(
        PROFILE_URL,
        {
            "display_name": "D",
            "bio": "",
            "is_staff": "on",
            "is_superuser": "on",
            "username": "root",
            "email": "x@y.z",
        },
    )
    user.refresh_from_db()
    assert (user.username, user.email, user.is_staff, user.is_superuser) == (
        "dana",
        "dana@example.org",
        False,
        False,
    )


def test_clearing_the_display_name_falls_back_to_the_username(client):
    user = make_user(username="dana", display_name="Dana")
    client.force_login(user)
    client.post(PROFILE_URL, {"display_name": "", "bio": ""})
    user.refresh_from_db()
    assert user.public_name == "dana"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"display_name": "x" * 10_000, "bio": "kept bio"}, "display_name"),
        ({"display_name": "x" * 81, "bio": "kept bio"}, "display_name"),
        ({"display_name": "Dana\u202e", "bio": "kept bio"}, "display_name"),
        ({"display_name": "Dana", "bio": "y" * 2001}, "bio"),
        ({"display_name": "Dana", "bio": "bell\x07"}, "bio"),
    ],
)
def test_bad_profile_input_is_a_field_error_and_saves_nothing(client, data, field):
    user = make_user(display_name="Old Name", bio="Old bio")
    client.force_login(user)
    response = client.post(PROFILE_URL, data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    user.refresh_from_db()
    assert (user.display_name, user.bio) == ("Old Name", "Old bio")


def test_refused_edit_keeps_what_was_typed_but_not_in_the_header(client):
    user = make_user(display_name="Old Name")
    client.force_login(user)
    response = client.post(PROFILE_URL, {"display_name": "Brand New", "bio": "y" * 2001})
    assert response.status_code == 400
    assert 'value="Brand New"' in response.text
    assert '<a href="/accounts/profile/" class="account-name"><bdi>Old Name</bdi></a>' in response.text


def test_display_name_with_script_is_text_in_the_header_and_profile(client):
    user = make_user(display_name=SCRIPT)
    client.force_login(user)
    response = client.get(PROFILE_URL)
    assert SCRIPT not in response.text
    assert f'class="account-name"><bdi>{ESCAPED}</bdi></a>' in response.text
    assert f'value="{ESCAPED}"' in response.text


def test_display_name_with_script_saved_through_the_form_is_text_on_the_author_page(client):
    user = make_user(is_staff=True)
    make_article(author=user)  # only people who publish have an author page
    client.force_login(user)
    client.post(PROFILE_URL, {"display_name": SCRIPT, "bio": "<b>bold</b> & <img src=x onerror=alert(1)>"})
    assert User.objects.get(pk=user.pk).display_name == SCRIPT
    client.logout()
    response = client.get(user.get_absolute_url())
    assert response.status_code == 200
    assert SCRIPT not in response.text
    assert ESCAPED in response.text
    assert "<img src=x" not in response.text
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;img" in response.text
