"""Names that pass for someone else's are refused: look-alike usernames (Unicode TR39 skeletons),
reserved names, and display names that read like a member of staff."""

import pytest
from django.core import mail

from accounts.models import User
from accounts.names import name_key, skeleton
from tests.factories import make_staff, make_user

pytestmark = pytest.mark.django_db

SIGNUP_URL = "/accounts/signup/"
PROFILE_URL = "/accounts/profile/"
LOOKALIKE = "That username looks too much like an existing one. Try another."
USERNAME_RESERVED = "That username is reserved for the site. Try another."
DISPLAY_NAME_RESERVED = "That display name is reserved for the site. Choose another."
LOOKS_LIKE_STAFF = "That name looks like the name of a member of staff. Choose another."


def sign_up(client, **overrides):
    data = {
        "username": "newreader",
        "email": "newreader@example.org",
        "display_name": "",
        "password1": "plum-Orbit-47-lantern",
        "password2": "plum-Orbit-47-lantern",
    }
    data.update(overrides)
    return client.post(SIGNUP_URL, data)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Examples from Unicode TR39 and its confusables.txt.
        ("paypal", "paypal"),
        ("pаypаl", "paypal"),  # Cyrillic а
        ("paypa1", "paypal"),  # digit one
        ("ℌ", "H"),
        ("rn", "rn"),
        ("m", "rn"),
    ],
)
def test_skeleton_is_the_tr39_one(text, expected):
    assert skeleton(text) == expected


def test_skeleton_is_idempotent_and_decomposed():
    for text in ("Zoë", "аdmin", "ﬁsh", "paypa1"):
        assert skeleton(skeleton(text)) == skeleton(text)
    assert skeleton("é") == "e\u0301"


@pytest.mark.parametrize("spelling", ["admin", "ADMIN", "Admin", "аdmin", "АDMIN", "ａｄｍｉｎ", "Ꭺdmin"])
def test_name_key_compares_look_alikes_in_any_case(spelling):
    assert name_key(spelling) == name_key("admin")


def test_a_lookalike_of_an_existing_username_is_refused(client):
    make_user(username="dana")
    for lookalike in ("dаna", "DАNA", "dаnа"):  # Cyrillic а
        response = sign_up(client, username=lookalike)
        assert response.status_code == 400
        assert response.context["form"].errors["username"] == [LOOKALIKE], lookalike
    assert User.objects.count() == 1
    assert mail.outbox == []


def test_digits_that_look_like_letters_count(client):
    make_user(username="paypal")
    response = sign_up(client, username="paypa1")
    assert response.context["form"].errors["username"] == [LOOKALIKE]


def test_a_name_that_only_looks_different_is_fine(client):
    make_user(username="dana")
    assert sign_up(client, username="dina").status_code == 302


def test_an_unconfirmed_signup_holds_its_lookalikes_too(client):
    sign_up(client, username="dana")
    response = sign_up(client, username="dаna", email="other@example.org")
    assert response.context["form"].errors["username"] == [LOOKALIKE]


@pytest.mark.parametrize(
    "username",
    ["admin", "Administrator", "аdmin", "ad_min", "ROOT", "staff", "moderator", "support", "newsblog",
     "noreply", "postmaster", "webmaster", "abuse", "security", "system", "help", "editor"],
)  # fmt: skip
def test_reserved_usernames_are_refused(client, username):
    response = sign_up(client, username=username)
    assert response.status_code == 400
    assert response.context["form"].errors["username"] == [USERNAME_RESERVED]
    assert not User.objects.exists()


def test_the_site_name_is_reserved(client, settings):
    settings.SITE_NAME = "Daily Planet"
    response = sign_up(client, username="daily_planet")
    assert response.context["form"].errors["username"] == [USERNAME_RESERVED]


@pytest.mark.parametrize(
    "display_name", ["Admin", "The Editor", "the-editors", "STAFF", "Newsblog", "Mоderator"]
)
def test_reserved_display_names_are_refused(client, display_name):
    response = sign_up(client, display_name=display_name)
    assert response.status_code == 400
    assert response.context["form"].errors["display_name"] == [DISPLAY_NAME_RESERVED]


@pytest.mark.parametrize(
    "display_name", ["Maria Costa", "MARIA COSTA", "Maria  Costa", "Mаria Cоsta", "mcosta"]
)
def test_display_names_reading_like_staff_are_refused_at_signup(client, display_name):
    make_staff(username="mcosta", display_name="Maria Costa")
    response = sign_up(client, display_name=display_name)
    assert response.status_code == 400
    assert response.context["form"].errors["display_name"] == [LOOKS_LIKE_STAFF]


def test_usernames_reading_like_a_staff_display_name_are_refused(client):
    make_staff(username="mcosta", display_name="Maria Costa")
    response = sign_up(client, username="maria_costa")
    assert response.context["form"].errors["username"] == [LOOKS_LIKE_STAFF]


def test_a_reader_can_be_named_like_another_reader(client):
    make_user(username="mcosta", display_name="Maria Costa")
    assert sign_up(client, display_name="Maria Costa").status_code == 302


def test_the_profile_refuses_a_staff_lookalike_and_keeps_the_old_name(client):
    make_staff(username="editor-in-chief", display_name="The Chief")
    reader = make_user(display_name="Reader")
    client.force_login(reader)
    response = client.post(PROFILE_URL, {"display_name": "The Chіef", "bio": ""})  # Ukrainian і
    assert response.status_code == 400
    assert response.context["form"].errors["display_name"] == [LOOKS_LIKE_STAFF]
    reader.refresh_from_db()
    assert reader.display_name == "Reader"


def test_the_profile_refuses_a_reserved_display_name(client):
    client.force_login(make_user())
    response = client.post(PROFILE_URL, {"display_name": "Administrator", "bio": ""})
    assert response.context["form"].errors["display_name"] == [DISPLAY_NAME_RESERVED]


def test_staff_keep_their_own_name(client):
    staff = make_staff(username="mcosta", display_name="Maria Costa")
    client.force_login(staff)
    response = client.post(PROFILE_URL, {"display_name": "Maria Costa", "bio": "Editor."})
    assert response.status_code == 302


def test_the_admin_refuses_renaming_a_user_to_a_lookalike(admin_client):
    make_user(username="dana")
    other = make_user(username="erin")
    url = f"/admin/accounts/user/{other.pk}/change/"
    form = admin_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
    data.update(username="dаna", date_joined_0="2026-01-01", date_joined_1="00:00:00")
    data.update(groups=[], user_permissions=[])
    data.pop("date_joined", None)
    data.pop("last_login", None)
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert LOOKALIKE in response.text
    other.refresh_from_db()
    assert other.username == "erin"
