import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core import mail
from playwright.sync_api import expect

from accounts.models import User

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "plum-Orbit-47-lantern"


def test_reader_signs_up_logs_out_logs_in_and_renames_themself(page, site_url):
    csp_errors = []
    page.on("console", lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(site_url + "/")
    page.get_by_role("link", name="Sign up").click()

    page.get_by_label("Username").fill("dana")
    page.get_by_label("Email address").fill("dana@example.org")
    page.get_by_label("Display name").fill("Dana")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert not User.objects.get(username="dana").is_active
    [message] = mail.outbox
    assert message.to == ["dana@example.org"]
    # The link in the mail points back at the site the form was posted to.
    link = re.search(r"http://\S+/accounts/signup/confirm/\S+/", message.body).group(0)
    assert link.startswith(site_url)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your account")
    page.get_by_role("button", name="Confirm and log in").click()

    expect(page).to_have_url(site_url + "/")
    expect(page.get_by_text("Welcome! Your account is ready.")).to_be_visible()
    account = page.get_by_role("navigation", name="Account")
    expect(account.get_by_role("link", name="Dana")).to_be_visible()

    account.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You have logged out.")).to_be_visible()
    expect(account.get_by_role("link", name="Log in")).to_be_visible()
    expect(account.get_by_role("link", name="Dana")).to_have_count(0)

    account.get_by_role("link", name="Log in").click()
    page.get_by_label("Username").fill("dana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(site_url + "/")
    expect(account.get_by_role("link", name="Dana")).to_be_visible()

    account.get_by_role("link", name="Dana").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your profile")
    page.get_by_label("Display name").fill("Dana <b>Quill</b>")
    page.get_by_label("Bio").fill("Writes about night trains.")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Your profile has been saved.")).to_be_visible()
    expect(account.get_by_role("link", name="Dana <b>Quill</b>")).to_be_visible()

    # A reader who has published nothing has no public author page.
    expect(page.get_by_role("link", name="your author page")).to_have_count(0)
    page.goto(site_url + "/authors/dana/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    assert User.objects.get(username="dana").display_name == "Dana <b>Quill</b>"
    assert csp_errors == []


def test_wrong_password_five_times_shows_the_lockout_page(page, site_url):
    User.objects.create_user(username="erin", email="erin@example.org", password=PASSWORD)
    page.goto(site_url + "/accounts/login/")
    for _ in range(5):
        page.get_by_label("Username").fill("erin")
        page.get_by_label("Password").fill("not my password")
        page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many failed log-in attempts")
    expect(page.get_by_role("alert")).to_contain_text("15 minutes")


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/accounts/signup/", "/accounts/signup/done/", "/accounts/signup/resend/"]
)
def test_account_pages_have_no_accessibility_violations(page, site_url, path):
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.goto(site_url + path)
        results = Axe().run(page)
        assert results.violations_count == 0, results.generate_report()


def test_signup_errors_have_no_accessibility_violations(page, site_url):
    page.goto(site_url + "/accounts/signup/")
    page.get_by_label("Username").fill("has space")
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator(".field-error").first).to_be_visible()
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
