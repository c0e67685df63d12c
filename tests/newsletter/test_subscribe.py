"""Subscribing: signed in at once, with an address only after the confirmation link (double opt-in)."""

import time
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse

from newsletter.models import Subscriber
from tests.factories import make_category, make_user
from tests.newsletter.conftest import link_in

pytestmark = pytest.mark.django_db
URL = "/newsletter/"


def test_the_footer_form_leads_to_the_newsletter_page_with_the_address(client):
    home = client.get("/")
    assert 'action="/newsletter/"' in home.text and 'name="email"' in home.text
    page = client.get(URL, {"email": "reader@example.com"})
    assert page.status_code == 200
    assert 'value="reader@example.com"' in page.text


def test_an_address_gets_a_confirmation_link_and_nothing_else_until_it_is_opened(client):
    response = client.post(URL, {"email": "Reader@Example.com", "scope": "all"})
    assert response.status_code == 302 and response.url == reverse("newsletter:subscribe-done")
    [message] = mail.outbox
    assert message.to == ["Reader@example.com"]
    assert "Confirm your" in message.subject
    subscriber = Subscriber.objects.get()
    assert subscriber.status == "pending"
    assert Subscriber.objects.confirmed().count() == 0

    confirm = link_in(message, "confirm")
    page = client.get(confirm)
    assert page.status_code == 200 and "Confirm my subscription" in page.text
    subscriber.refresh_from_db()
    assert subscriber.status == "pending", "opening the link (a mail scanner) must not confirm"
    response = client.post(confirm)
    assert response.status_code == 302 and response.url.startswith("/newsletter/manage/")
    subscriber.refresh_from_db()
    assert subscriber.is_subscribed and subscriber.all_sections
    assert client.post(confirm).status_code == 400, "a used link does nothing"


def test_the_confirmation_link_expires(client, settings):
    four_days_ago = time.time() - 4 * 24 * 3600
    with mock.patch("django.core.signing.time.time", return_value=four_days_ago):
        client.post(URL, {"email": "late@example.com", "scope": "all"})
    confirm = link_in(mail.outbox[0], "confirm")
    settings.NEWSLETTER_CONFIRM_DAYS = 5
    assert client.get(confirm).status_code == 200, "still valid for a 5-day window"
    settings.NEWSLETTER_CONFIRM_DAYS = 3
    response = client.post(confirm)
    assert response.status_code == 400
    assert "doesn't work any more" in response.text
    assert not Subscriber.objects.confirmed().exists()


def test_a_forged_confirmation_link_is_refused(client):
    assert client.get("/newsletter/confirm/not-a-token/").status_code == 400


def test_sections_are_chosen_when_subscribing(client):
    politics, sport = make_category(name="Politics"), make_category(name="Sport")
    client.post(URL, {"email": "picky@example.com", "scope": "sections", "sections": [politics.pk]})
    client.post(link_in(mail.outbox[0], "confirm"))
    subscriber = Subscriber.objects.get()
    assert not subscriber.all_sections
    assert list(subscriber.sections.all()) == [politics]
    assert list(Subscriber.objects.wanting(politics.pk)) == [subscriber]
    assert list(Subscriber.objects.wanting(sport.pk)) == []


def test_choosing_sections_without_a_section_is_refused(client):
    response = client.post(URL, {"email": "picky@example.com", "scope": "sections"})
    assert response.status_code == 400
    assert "Choose at least one section" in response.text
    assert mail.outbox == []


def test_a_bad_address_is_refused_with_a_message(client):
    response = client.post(URL, {"email": "not an address", "scope": "all"})
    assert response.status_code == 400 and "valid email" in response.text
    assert not Subscriber.objects.exists()


def test_subscribing_again_before_confirming_sends_the_link_again(client):
    client.post(URL, {"email": "again@example.com", "scope": "all"})
    client.post(URL, {"email": "again@example.com", "scope": "all"})
    assert [m.subject for m in mail.outbox] == [mail.outbox[0].subject] * 2
    assert "Confirm" in mail.outbox[1].subject
    assert Subscriber.objects.count() == 1
    # Either link works.
    assert client.post(link_in(mail.outbox[0], "confirm")).status_code == 302


def test_the_answer_is_the_same_for_a_known_and_an_unknown_address(client):
    make_category()
    client.post(URL, {"email": "known@example.com", "scope": "all"})
    client.post(link_in(mail.outbox[0], "confirm"))
    known = client.post(URL, {"email": "known@example.com", "scope": "all"})
    unknown = client.post(URL, {"email": "stranger@example.com", "scope": "all"})
    assert (known.status_code, known.url) == (unknown.status_code, unknown.url)
    # The known address is told it is subscribed already (and how to manage it); its choice is unchanged.
    assert "already subscribed" in mail.outbox[1].subject
    assert "/newsletter/manage/" in mail.outbox[1].body
    assert Subscriber.objects.get(email="known@example.com").is_subscribed


def test_requests_for_one_address_are_throttled(client, settings):
    settings.ACCOUNT_MAILS_MAX_PER_HOUR_PER_EMAIL = 2
    for _ in range(2):
        assert client.post(URL, {"email": "flood@example.com", "scope": "all"}).status_code == 302
    response = client.post(URL, {"email": "flood@example.com", "scope": "all"})
    assert response.status_code == 429 and response["Retry-After"]
    assert len(mail.outbox) == 2


def test_requests_from_one_network_are_throttled(client, settings):
    settings.ACCOUNT_MAILS_MAX_PER_HOUR_PER_IP = 2
    for n in range(2):
        assert client.post(URL, {"email": f"a{n}@example.com", "scope": "all"}).status_code == 302
    assert client.post(URL, {"email": "a9@example.com", "scope": "all"}).status_code == 429


def test_a_signed_in_reader_is_subscribed_at_once_with_their_account_address(client):
    user = make_user(email="member@example.com")
    client.force_login(user)
    page = client.get(URL)
    assert (
        "member@example.com" in page.text
        and 'name="email"' not in page.text.split("<main")[1].split("</main>")[0]
    )
    response = client.post(URL, {"scope": "all"}, follow=True)
    assert "You're subscribed" in response.text
    subscriber = Subscriber.objects.get()
    assert subscriber.is_subscribed and subscriber.user == user
    assert mail.outbox == []
    assert "manage your subscription" in client.get(URL).text


def test_expired_requests_are_forgotten(client):
    client.post(URL, {"email": "gone@example.com", "scope": "all"})
    Subscriber.objects.update(requested_at=Subscriber.objects.get().requested_at - timedelta(days=30))
    assert Subscriber.objects.pending().count() == 0
    client.post(URL, {"email": "new@example.com", "scope": "all"})
    assert list(Subscriber.objects.values_list("email", flat=True)) == ["new@example.com"]
