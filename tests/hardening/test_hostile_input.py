"""Hostile values in every form field and query string: a 4xx or a calm 200, never a 500, no new rows."""

from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from comments.models import Comment
from tests.factories import PASSWORD, make_article, make_comment, make_tag, make_user

pytestmark = pytest.mark.django_db

HUGE = "x" * 100_000
HOSTILE = {
    "huge": HUGE,
    "nul": "a\x00b",
    "only-nul": "\x00",
    "controls": "\x1b[31m\x07\x08\u202e\u2066evil\u200b",
    "sql": "' OR 1=1; DROP TABLE accounts_user; --",
    "traversal": "../../../../etc/passwd",
    "markup": '"><script>alert(1)</script>',
    "negative": "-1",
    "zero": "0",
    "huge-number": "9" * 40,
    "float": "1e9",
    "fullwidth-digit": "\uff12",
    "emoji": "\U0001f4a5" * 50,
    "empty": "",
    "spaces": "   \t  ",
}
# Raw query strings the test client would otherwise encode for us.
RAW_QUERIES = ["%ff%fe", "%00", "%c0%af", "%e2%28%a1", "%25%32%35", "%", "%%%", "&&&", "=" * 100]


@pytest.fixture
def site(settings):
    settings.COMMENTS_MIN_INTERVAL_SECONDS = 0
    settings.COMMENTS_MAX_PER_HOUR = 0
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    reader = make_user(username="reader")
    article = make_article(slug="the-story", tags=[make_tag(slug="the-subject")])
    comment = make_comment(article=article, author=reader)
    client = Client()
    client.force_login(reader)
    return {"reader": reader, "article": article, "comment": comment, "client": client}


def rows():
    return get_user_model().objects.count(), Comment.objects.count()


# Values no text field may ever store.
NEVER_STORED = ("huge", "nul", "only-nul", "controls")


def assert_local_redirect(response):
    location = urlsplit(response["Location"])
    assert not location.scheme and not location.netloc, response["Location"]


def assert_calm(response, label="", allowed=(200, 301, 302, 400, 403, 404, 405)):
    assert response.status_code in allowed, (label, response.status_code)
    assert b"Traceback" not in response.content


# Query strings: (path, parameter) -> every hostile value and every raw escape.
QUERY_TARGETS = [
    ("/", "page"),
    ("/category/{category}/", "page"),
    ("/authors/reader/", "page"),
    ("/tags/the-subject/", "page"),
    ("/search/", "q"),
    ("/search/?q=story", "page"),
    ("/articles/the-story/", "comments"),
    ("/articles/the-story/", "reply_to"),
    ("/accounts/login/", "next"),
    ("/accounts/signup/", "next"),
    ("/feed/", "page"),
]


def clients_for(site, path):
    """A reader and, on the page that shows them something extra (the comment form), a signed-in one."""
    return (Client(), site["client"]) if path.startswith("/articles/") else (Client(),)


@pytest.mark.parametrize("path,param", QUERY_TARGETS)
def test_hostile_query_values_never_break_a_page(site, path, param):
    path = path.format(category=site["article"].category.slug)
    extra = dict([path.split("?")[1].split("=")]) if "?" in path else {}
    path = path.split("?")[0]
    for label, value in HOSTILE.items():
        for client in clients_for(site, path):
            response = client.get(path, {**extra, param: value})
            assert_calm(response, label)
            if param == "page" and path != "/feed/" and label in ("negative", "zero", "huge-number", "sql"):
                assert response.status_code == 404, label
            if param == "next":
                assert b"<script>alert" not in response.content, label


@pytest.mark.parametrize("path", [target[0].split("?")[0] for target in QUERY_TARGETS])
def test_malformed_query_strings_never_break_a_page(site, path):
    path = path.format(category=site["article"].category.slug)
    for raw in RAW_QUERIES:
        for client in clients_for(site, path):
            for name in ("page", "q", "comments", "reply_to", "next"):
                assert_calm(client.get(f"{path}?{name}={raw}"), raw)
            assert_calm(client.get(f"{path}?{raw}"), raw)


@pytest.mark.parametrize(
    "path",
    [
        "/media/../../etc/passwd",
        "/media/..%2f..%2fetc%2fpasswd",
        "/articles/..%2f..%2fetc/",
        "/articles/%00/",
        "/articles/%ff%fe/",
        "/authors/%00/",
        "/authors/%ff/",
        "/authors/..%2f..%2fetc%2fpasswd/",
        "/authors/" + "a" * 5000 + "/",
        "/category/%00/",
        "/category/" + "a" * 5000 + "/",
        "/tags/%00/",
        "/tags/" + "a" * 5000 + "/",
        "/tags/..%2f..%2fetc/feed/",
        "/comments/99999999999999999999999/edit/",
        "/comments/-1/edit/",
        "/reset/%00/%00/",
        "/reset/MQ/set-password/",
        "/static/../newsblog/settings.py",
        "/%00",
        "/healthz%00",
    ],
)
def test_hostile_paths_are_refused(site, path):
    for client in (Client(), site["client"]):
        response = client.get(path)
        assert_calm(response, path, allowed=(200, 301, 302, 400, 404))
        assert b"root:" not in response.content
        assert b"SECRET_KEY" not in response.content


SIGNUP = {
    "username": "newreader",
    "email": "newreader@example.org",
    "display_name": "New Reader",
    "password1": "a sturdy passphrase 42",
    "password2": "a sturdy passphrase 42",
}


@pytest.mark.parametrize("field", [*SIGNUP, "next"])
@pytest.mark.parametrize("label", HOSTILE)
def test_hostile_signup_values_create_no_account_unless_harmless(site, field, label):
    before = rows()
    data = {**SIGNUP, field: HOSTILE[label]}
    if field == "password1":
        data["password2"] = HOSTILE[label]
    response = Client().post("/accounts/signup/", data)
    assert_calm(response, label, allowed=(302, 400))
    if response.status_code == 400:
        assert rows() == before
        return
    # Accepted: a number-like username, an odd but valid password, a plain display name, an ignored next=.
    assert field != "email", label
    assert (field, label) not in [(f, bad) for f in ("username", "display_name") for bad in NEVER_STORED]
    assert "nul" not in label or field == "next"
    assert_local_redirect(response)
    user = get_user_model().objects.get(email=SIGNUP["email"])
    assert "\x00" not in user.username + user.display_name


@pytest.mark.parametrize("field", ["username", "password", "next"])
@pytest.mark.parametrize("label", HOSTILE)
def test_hostile_login_values_are_refused(site, field, label):
    data = {"username": "reader", "password": "wrong password", "next": "/", field: HOSTILE[label]}
    response = Client().post("/accounts/login/", data)
    assert_calm(response, label, allowed=(400, 403))


@pytest.mark.parametrize("field", ["display_name", "bio"])
@pytest.mark.parametrize("label", HOSTILE)
def test_hostile_profile_values_are_refused_or_stored_as_text(site, field, label):
    reader = site["reader"]
    before = getattr(reader, field)
    data = {"display_name": reader.display_name, "bio": reader.bio, field: HOSTILE[label]}
    response = site["client"].post("/accounts/profile/", data)
    assert_calm(response, label, allowed=(302, 400))
    reader.refresh_from_db()
    if label in NEVER_STORED and not (field == "bio" and label == "huge"):
        assert response.status_code == 400
    if response.status_code == 400:
        assert getattr(reader, field) == before


@pytest.mark.parametrize("label", HOSTILE)
def test_hostile_password_reset_email_sends_nothing(site, label, mailoutbox):
    response = Client().post("/accounts/password_reset/", {"email": HOSTILE[label]})
    assert_calm(response, label, allowed=(302, 400))
    assert mailoutbox == []


@pytest.mark.parametrize("label", HOSTILE)
def test_hostile_signup_resend_email_sends_nothing(site, label, mailoutbox):
    response = Client().post("/accounts/signup/resend/", {"email": HOSTILE[label]})
    assert_calm(response, label, allowed=(302, 400))
    assert mailoutbox == []


@pytest.mark.parametrize("field", ["old_password", "new_password1"])
@pytest.mark.parametrize("label", HOSTILE)
def test_hostile_password_change_values_change_nothing(site, field, label):
    data = {"old_password": PASSWORD, "new_password1": HOSTILE[label], "new_password2": HOSTILE[label]}
    data[field] = HOSTILE[label]
    response = site["client"].post("/accounts/password_change/", data)
    assert_calm(response, label, allowed=(302, 400))
    site["reader"].refresh_from_db()
    if field == "old_password" or "nul" in label or label in ("empty", "spaces", "negative", "zero"):
        assert response.status_code == 400
    if response.status_code == 400:
        assert site["reader"].check_password(PASSWORD)
    else:  # an odd password is still a password: it works, and only it
        assert site["reader"].check_password(HOSTILE[label])


@pytest.mark.parametrize("field", ["body", "parent"])
@pytest.mark.parametrize("label", HOSTILE)
def test_hostile_comment_values_save_nothing_or_clean_text(site, field, label):
    before = Comment.objects.count()
    data = {"body": "A fair point.", "parent": "", field: HOSTILE[label]}
    response = site["client"].post("/articles/the-story/comments/", data)
    assert_calm(response, label, allowed=(302, 400, 409))
    if field == "body" and label in ("huge", "only-nul", "empty", "spaces"):
        assert response.status_code == 400
    if field == "parent" and label in ("sql", "traversal", "markup", "negative", "zero", "huge-number"):
        assert response.status_code == 400
    if response.status_code == 302:
        saved = Comment.objects.latest("id")
        # Controls that are never text are dropped; direction controls are text, isolated when shown.
        assert not any(ch in saved.body for ch in "\x00\x07\x08\x1b")
        if field == "body" and label == "controls":
            assert saved.body == "[31m\u202e\u2066evil\u200b"
        assert "<script" not in saved.body_html
    else:
        assert Comment.objects.count() == before


@pytest.mark.parametrize("label", HOSTILE)
def test_hostile_comment_edits_keep_the_old_text_when_refused(site, label):
    comment = site["comment"]
    response = site["client"].post(f"/comments/{comment.pk}/edit/", {"body": HOSTILE[label]})
    assert_calm(response, label, allowed=(302, 400))
    comment.refresh_from_db()
    if response.status_code == 400:
        assert comment.body.startswith("Comment number")
    assert "\x00" not in comment.body


def test_an_anonymous_comment_post_with_a_huge_body_keeps_a_bounded_copy(site):
    client = Client()
    response = client.post("/articles/the-story/comments/", {"body": HUGE})
    assert response.status_code == 302
    assert len(client.session["pending_comment"]["body"]) <= 5000
