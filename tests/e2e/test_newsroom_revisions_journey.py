"""Newsroom journeys in the admin: two editors collide and nothing is lost, a revision is restored, a
correction appears on the page and in its JSON-LD."""

import json
import re

import pytest
from playwright.sync_api import expect

from articles.models import Article
from tests.factories import PASSWORD, make_article, make_staff

pytestmark = pytest.mark.django_db(transaction=True)


def signed_in_page(browser, site_url, username):
    page = browser.new_context().new_page()
    page.goto(site_url + "/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(
        page.get_by_role("link", name="Log out").or_(page.get_by_role("button", name="Log out"))
    ).to_be_visible()
    return page


def test_two_editors_collide_and_nothing_is_lost(browser, site_url):
    make_staff(username="ann", display_name="Ann Editor", is_superuser=True)
    make_staff(username="bob", display_name="Bob Editor", is_superuser=True)
    article = make_article(title="Harbour cranes return", body="The cranes return in May.")
    change = f"{site_url}/admin/articles/article/{article.pk}/change/"
    ann, bob = signed_in_page(browser, site_url, "ann"), signed_in_page(browser, site_url, "bob")
    ann.goto(change)
    bob.goto(change)

    ann.locator("#id_body").fill("The cranes return in May, the port said.")
    ann.get_by_role("button", name="Save and continue editing").click()
    expect(ann.locator(".messagelist")).to_contain_text("was changed successfully")

    bob.get_by_label("Title").fill("Harbour cranes return after ten years")
    bob.get_by_role("button", name="Save and continue editing").click()
    expect(bob.locator(".errornote, .errorlist").first).to_be_visible()
    expect(bob.get_by_text("Someone else saved this article after you opened it")).to_be_visible()
    conflict = bob.locator(".edit-conflict")
    expect(conflict).to_contain_text("Ann Editor")
    expect(conflict.locator(".diff ins")).to_contain_text(", the port said")
    expect(bob.get_by_label("Title")).to_have_value(
        "Harbour cranes return after ten years"
    )  # Bob's input kept
    article.refresh_from_db()
    assert article.title == "Harbour cranes return"  # nothing overwritten

    # Bob takes Ann's sentence into his version and saves again: both edits are in.
    bob.locator("#id_body").fill("The cranes return in May, the port said.")
    bob.get_by_role("button", name="Save and continue editing").click()
    expect(bob.locator(".messagelist")).to_contain_text("was changed successfully")
    article.refresh_from_db()
    assert article.title == "Harbour cranes return after ten years"
    assert article.body == "The cranes return in May, the port said."


def test_an_editor_restores_a_revision(browser, site_url):
    make_staff(username="ann", display_name="Ann Editor", is_superuser=True)
    article = make_article(title="Night markets expand", body="Twelve new stalls open.")
    article.title, article.body = "Night markets shrink", "Everything is wrong here."
    article.save()
    page = signed_in_page(browser, site_url, "ann")

    page.goto(f"{site_url}/admin/articles/article/{article.pk}/change/")
    page.get_by_role("link", name="History").click()
    rows = page.locator("#revision-list tbody tr")
    expect(rows).to_have_count(2)
    rows.nth(1).locator("input[name=from]").check()
    rows.nth(0).locator("input[name=to]").check()
    page.get_by_role("button", name="Compare selected revisions").click()
    expect(page.locator(".diff del").first).to_contain_text("expand")
    page.go_back()

    page.locator("#revision-list tbody tr").nth(1).get_by_role("button", name="Restore").click()
    expect(page.locator(".messagelist")).to_contain_text("Restored the revision of")
    expect(page.get_by_label("Title")).to_have_value("Night markets expand")

    visitor = browser.new_context().new_page()
    visitor.goto(site_url + article.get_absolute_url())
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Night markets expand")
    expect(visitor.locator(".article-body")).to_contain_text("Twelve new stalls open.")
    assert Article.history.filter(id=article.pk).count() == 3  # the restore is a revision too


def test_a_correction_appears_on_the_page_and_in_json_ld(browser, site_url):
    make_staff(username="ann", display_name="Ann Editor", is_superuser=True)
    article = make_article(title="Tram depot reopens")
    visitor = browser.new_context().new_page()
    visitor.goto(site_url + article.get_absolute_url())  # cached for anonymous readers
    expect(visitor.locator(".corrections")).to_have_count(0)

    page = signed_in_page(browser, site_url, "ann")
    page.goto(f"{site_url}/admin/articles/article/{article.pk}/change/")
    page.get_by_role("button", name=re.compile("Add another public correction", re.I)).click()
    page.locator("#id_corrections-0-date").fill("2025-06-24")
    page.locator("#id_corrections-0-text").fill("An earlier version gave the wrong opening day.")
    page.get_by_label("Minor edit").check()
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    visitor.reload()
    correction = visitor.locator(".correction")
    expect(correction).to_contain_text(
        "Correction, June 24, 2025: An earlier version gave the wrong opening day."
    )
    expect(correction.locator("time")).to_have_attribute("datetime", "2025-06-24")
    data = json.loads(visitor.locator('script[type="application/ld+json"]').text_content())
    assert data["correction"] == [
        {
            "@type": "CorrectionComment",
            "text": "An earlier version gave the wrong opening day.",
            "datePublished": "2025-06-24",
        }
    ]
