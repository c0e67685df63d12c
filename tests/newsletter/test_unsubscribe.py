"""Leaving the list: by the link in every mail (a button, so link scanners don't unsubscribe anyone) and
by a mail client's one-click POST (RFC 8058: no login, no CSRF token); and the manage page."""

import re

import pytest
from django.test import Client

from newsletter.models import Delivery, Send
from newsletter.services import manage_token
from tests.factories import make_article, make_category
from tests.newsletter.factories import make_subscriber

pytestmark = pytest.mark.django_db


def test_opening_the_unsubscribe_link_shows_a_button_and_changes_nothing(client):
    subscriber = make_subscriber("reader@example.com")
    page = client.get(f"/newsletter/unsubscribe/{manage_token(subscriber)}/")
    assert page.status_code == 200
    assert "reader@example.com" in page.text and "<button" in page.text
    subscriber.refresh_from_db()
    assert subscriber.is_subscribed


def test_the_button_unsubscribes(client):
    subscriber = make_subscriber("reader@example.com")
    response = client.post(f"/newsletter/unsubscribe/{manage_token(subscriber)}/")
    assert response.status_code == 200 and "You're unsubscribed" in response.text
    subscriber.refresh_from_db()
    assert not subscriber.is_subscribed and subscriber.status == "unsubscribed"


def test_one_click_post_works_without_login_cookies_or_csrf_token():
    subscriber = make_subscriber("reader@example.com")
    mail_client = Client(enforce_csrf_checks=True)
    response = mail_client.post(
        f"/newsletter/unsubscribe/{manage_token(subscriber)}/",
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert not subscriber.is_subscribed


def test_a_forged_token_unsubscribes_nobody():
    subscriber = make_subscriber("reader@example.com")
    token = manage_token(subscriber)
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    response = Client(enforce_csrf_checks=True).post(f"/newsletter/unsubscribe/{forged}/")
    assert response.status_code == 400
    subscriber.refresh_from_db()
    assert subscriber.is_subscribed


def test_a_token_for_a_replaced_address_does_nothing(client):
    subscriber = make_subscriber("old@example.com")
    token = manage_token(subscriber)
    subscriber.email = "new@example.com"
    subscriber.save()
    assert client.post(f"/newsletter/unsubscribe/{token}/").status_code == 400


def test_unsubscribing_drops_what_is_still_queued_for_the_address(client):
    subscriber = make_subscriber("reader@example.com")
    send = Send.objects.create(article=make_article())
    Delivery.objects.create(send=send, subscriber=subscriber)
    client.post(f"/newsletter/unsubscribe/{manage_token(subscriber)}/")
    assert Delivery.objects.get().status == Delivery.Status.SKIPPED


def test_the_manage_page_changes_sections(client):
    politics, sport = make_category(name="Politics"), make_category(name="Sport")
    subscriber = make_subscriber("reader@example.com")
    url = f"/newsletter/manage/{manage_token(subscriber)}/"
    page = client.get(url)
    assert page.status_code == 200 and "Politics" in page.text and "Sport" in page.text
    response = client.post(url, {"action": "save", "scope": "sections", "sections": [sport.pk]}, follow=True)
    assert "Your choice has been saved" in response.text
    subscriber.refresh_from_db()
    assert not subscriber.all_sections and list(subscriber.sections.all()) == [sport]
    assert re.search(rf'value="{sport.pk}"[^>]*checked', response.text)
    assert not re.search(rf'value="{politics.pk}"[^>]*checked', response.text)
    assert client.post(url, {"action": "save", "scope": "sections"}).status_code == 400


def test_the_manage_page_unsubscribes_and_subscribes_again(client):
    subscriber = make_subscriber("reader@example.com")
    url = f"/newsletter/manage/{manage_token(subscriber)}/"
    assert "You're unsubscribed" in client.post(url, {"action": "unsubscribe"}).text
    subscriber.refresh_from_db()
    assert not subscriber.is_subscribed
    assert "Subscribe again" in client.get(url).text
    client.post(url, {"action": "resubscribe"})
    subscriber.refresh_from_db()
    assert subscriber.is_subscribed


def test_a_bad_manage_link_is_a_clear_400(client):
    response = client.get("/newsletter/manage/nonsense/")
    assert response.status_code == 400 and "This link doesn't work" in response.text
