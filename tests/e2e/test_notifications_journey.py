import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core import mail
from playwright.sync_api import expect

from comments.services import post_comment
from tests.factories import make_article, make_comment, make_user

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "plum-Orbit-47-lantern"


def no_violations(page):
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_a_reader_follows_a_reply_mail_unsubscribes_and_turns_it_back_on(page, site_url, settings):
    settings.NEWSBLOG_SITE_URL = site_url
    article = make_article(title="Night trains return")
    alice = make_user(username="alice", display_name="Alice", password=PASSWORD)
    comment = make_comment(article=article, author=alice, body="Sleeper cars are back.")
    post_comment(article=article, author=make_user(display_name="Bob"), body="About time!", parent=comment)

    [message] = mail.outbox
    # The reply's link opens the article at the reply.
    link = re.search(r"Read it and reply: (\S+)", message.body).group(1)
    page.goto(link)
    expect(page.locator(link[link.index("#") :])).to_contain_text("About time!")

    # The unsubscribe link asks first, and needs no log-in.
    page.goto(re.search(r"<(\S+)>", message.extra_headers["List-Unsubscribe"]).group(1))
    expect(page.get_by_role("heading", level=1)).to_have_text("Unsubscribe?")
    no_violations(page)
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You're unsubscribed")
    alice.refresh_from_db()
    assert alice.notify_replies is False

    # The profile shows it, and turns it back on.
    page.get_by_role("link", name="your profile").click()
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your profile")
    replies = page.get_by_label("Email me when someone replies to my comments")
    expect(replies).not_to_be_checked()
    expect(page.get_by_label("Email me about new comments on my articles")).to_have_count(0)
    no_violations(page)
    replies.check()
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Your profile has been saved.")).to_be_visible()
    expect(page.get_by_label("Email me when someone replies to my comments")).to_be_checked()
    alice.refresh_from_db()
    assert alice.notify_replies is True
