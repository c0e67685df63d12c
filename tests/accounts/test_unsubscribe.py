"""Stopping the site's mail: from the profile, or from the link in the mail without logging in (a
confirmation page, then a POST; a mail client's RFC 8058 one-click POST works too)."""

import re

import pytest
from django.core import signing
from django.test import Client

from accounts.mail import unsubscribe_headers, unsubscribe_token
from tests.factories import make_article, make_staff, make_user

pytestmark = pytest.mark.django_db


def unsubscribe_path(kind, user):
    return f"/accounts/unsubscribe/{unsubscribe_token(kind, user.pk)}/"


def notify_replies(user):
    user.refresh_from_db()
    return user.notify_replies


def test_opening_the_link_only_asks(client):
    user = make_user()
    response = client.get(unsubscribe_path("replies", user))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Stop getting emails when someone replies to your comments?" in html
    assert '<form method="post">' in html and ">Unsubscribe</button>" in html
    assert 'name="robots" content="noindex"' in html
    assert notify_replies(user) is True


def test_the_button_unsubscribes_without_logging_in():
    user = make_user()
    browser = Client(enforce_csrf_checks=True)
    path = unsubscribe_path("replies", user)
    browser.get(path)
    response = browser.post(path)
    assert response.status_code == 200
    assert "You will no longer get emails when someone replies to your comments." in response.content.decode()
    assert notify_replies(user) is False
    assert "You're already unsubscribed" in browser.get(path).content.decode()


def test_a_mail_clients_one_click_post_unsubscribes():
    user = make_user()
    browser = Client(enforce_csrf_checks=True)  # a mail client has no cookie and no CSRF token
    response = browser.post(
        unsubscribe_path("replies", user),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert notify_replies(user) is False


def test_a_link_stops_only_its_own_kind_for_its_own_recipient(client):
    user, other = make_user(notify_article_comments=True), make_user()
    client.post(unsubscribe_path("article-comments", user))
    user.refresh_from_db()
    assert (user.notify_article_comments, user.notify_replies) == (False, True)
    assert notify_replies(other) is True


@pytest.mark.parametrize(
    "token",
    [
        "nonsense",
        signing.dumps({"kind": "replies", "to": "1"}, salt="another.purpose"),
        signing.dumps({"kind": "newsletter-nobody-registered", "to": "1"}, salt="newsblog.mail.unsubscribe"),
    ],
    ids=["nonsense", "signed-for-another-purpose", "unknown-kind"],
)
def test_a_broken_or_forged_link_is_refused_with_a_message(client, token):
    user = make_user()
    for method in (client.get, client.post):
        response = method(f"/accounts/unsubscribe/{token}/")
        assert response.status_code == 400
        assert "This link doesn't work" in response.content.decode()
    assert notify_replies(user) is True


def test_a_tampered_link_is_refused(client):
    user, other = make_user(), make_user()
    token = unsubscribe_token("replies", user.pk)
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.post(f"/accounts/unsubscribe/{forged}/").status_code == 400
    assert notify_replies(user) is True and notify_replies(other) is True


def test_other_methods_are_refused(client):
    assert client.put(unsubscribe_path("replies", make_user())).status_code == 405


def test_the_headers_point_mail_clients_at_the_link():
    assert unsubscribe_headers("https://news.example.org/accounts/unsubscribe/abc/") == {
        "List-Unsubscribe": "<https://news.example.org/accounts/unsubscribe/abc/>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


# The profile


def checkbox(html, name):
    return re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)


def profile_form(client, user, **changes):
    data = {"display_name": user.display_name, "bio": user.bio, **changes}
    return client.post("/accounts/profile/", {k: v for k, v in data.items() if v is not False})


def test_replies_are_on_by_default_and_the_profile_turns_them_off(client):
    user = make_user()
    client.force_login(user)
    html = client.get("/accounts/profile/").content.decode()
    assert "Email me when someone replies to my comments" in html
    assert "checked" in checkbox(html, "notify_replies")
    assert "new comments on my articles" not in html  # a reader has no articles
    assert profile_form(client, user, notify_replies=False).status_code == 302
    assert notify_replies(user) is False
    assert profile_form(client, user, notify_replies="on").status_code == 302
    assert notify_replies(user) is True


def test_the_profile_shows_an_unsubscribe_at_once(client):
    """The signed-in user is cached (with Redis): the unsubscribed setting shows on the next page."""
    user = make_user()
    client.force_login(user)
    client.get("/accounts/profile/")
    Client().post(unsubscribe_path("replies", user))
    html = client.get("/accounts/profile/").content.decode()
    assert "checked" not in checkbox(html, "notify_replies")


def test_staff_can_ask_about_comments_on_their_articles(client):
    writer = make_staff()
    client.force_login(writer)
    assert "Email me about new comments on my articles" in client.get("/accounts/profile/").content.decode()
    assert profile_form(client, writer, notify_replies="on", notify_article_comments="on").status_code == 302
    writer.refresh_from_db()
    assert writer.notify_article_comments is True


def test_a_former_member_of_staff_can_still_turn_article_comment_mail_off(client):
    writer = make_article(author=make_staff(notify_article_comments=True)).author
    writer.is_staff = False
    writer.save()
    client.force_login(writer)
    assert "Email me about new comments on my articles" in client.get("/accounts/profile/").content.decode()
    assert profile_form(client, writer, notify_replies="on").status_code == 302
    writer.refresh_from_db()
    assert writer.notify_article_comments is False
    assert "new comments on my articles" not in client.get("/accounts/profile/").content.decode()


def test_readers_cannot_turn_on_article_comment_mail(client):
    user = make_user()
    client.force_login(user)
    profile_form(client, user, notify_replies="on", notify_article_comments="on")
    user.refresh_from_db()
    assert user.notify_article_comments is False
