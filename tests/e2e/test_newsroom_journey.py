"""The newsroom in a browser: a writer drafts and submits, an editor sends it back with a note and
then publishes; a writer is never offered what they may not do; a preview link works until it expires."""

import time
from unittest import mock

import pytest
from playwright.sync_api import expect

from articles import roles
from articles.models import Article
from articles.preview import preview_path
from tests.factories import PASSWORD, make_article, make_category, make_member

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, site_url, username):
    page.goto(site_url + "/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()


def open_in_admin(page, site_url, title):
    page.goto(site_url + "/admin/articles/article/")
    page.get_by_role("link", name=title).click()


def test_a_writer_submits_an_editor_sends_back_then_publishes(browser, site_url):
    make_member(roles.WRITER, username="wren", display_name="Wren Writer")
    make_member(roles.EDITOR, username="dana", display_name="Dana Desk")
    make_category(name="Transport", slug="transport")
    writer = browser.new_context().new_page()
    editor = browser.new_context().new_page()

    # The writer drafts, then submits.
    log_in(writer, site_url, "wren")
    writer.goto(site_url + "/admin/articles/article/add/")
    writer.get_by_label("Title").press_sequentially("Night buses run again")
    writer.locator("#id_category").select_option(label="Transport")
    writer.get_by_label("Summary bullets").fill("Six routes return on Friday.\nEvery half hour.")
    writer.locator("#id_body").fill("The night network is **back**.")
    writer.get_by_role("button", name="Save and continue editing").click()
    expect(writer.locator(".messagelist")).to_contain_text("was added successfully")
    writer.locator("#id_status").select_option("review")
    writer.get_by_role("button", name="Save", exact=True).click()
    expect(writer.locator(".messagelist")).to_contain_text("was changed successfully")

    # The editor finds it in the review queue and sends it back with a note.
    log_in(editor, site_url, "dana")
    editor.get_by_role("link", name="1 article waiting for review").click()
    expect(editor.locator("#result_list")).to_contain_text("Wren Writer")
    editor.get_by_role("link", name="Night buses run again").click()
    editor.locator("#id_status").select_option("draft")
    editor.get_by_role("button", name="Save", exact=True).click()
    expect(editor.locator(".errorlist")).to_contain_text("Say why it goes back")
    editor.get_by_label("Note to the writer").fill("Which six routes? Name them in the summary.")
    editor.get_by_role("button", name="Save", exact=True).click()
    expect(editor.locator(".messagelist")).to_contain_text("was changed successfully")

    # The writer sees why it came back, fixes it and submits again.
    open_in_admin(writer, site_url, "Night buses run again")
    expect(writer.get_by_text("Which six routes? Name them in the summary.")).to_be_visible()
    writer.get_by_label("Summary bullets").fill("Routes N1 to N6 return on Friday.\nEvery half hour.")
    writer.locator("#id_status").select_option("review")
    writer.get_by_role("button", name="Save", exact=True).click()
    expect(writer.locator(".messagelist")).to_contain_text("was changed successfully")

    # The editor publishes; the story is on the front page.
    editor.goto(site_url + "/admin/")
    editor.get_by_role("link", name="1 article waiting for review").click()
    editor.get_by_role("link", name="Night buses run again").click()
    editor.locator("#id_status").select_option("published")
    editor.get_by_role("button", name="Save", exact=True).click()
    expect(editor.locator(".messagelist")).to_contain_text("was changed successfully")

    visitor = browser.new_context().new_page()
    visitor.goto(site_url + "/")
    visitor.get_by_role("link", name="Night buses run again").click()
    expect(visitor.get_by_text("Routes N1 to N6 return on Friday.")).to_be_visible()
    expect(visitor.get_by_role("link", name="Wren Writer @wren")).to_be_visible()


def test_a_writer_is_not_offered_what_they_may_not_do(page, site_url):
    writer = make_member(roles.WRITER, username="wren")
    make_article(author=writer, title="My draft", status=Article.Status.DRAFT, published_at=None)
    make_article(author=writer, title="My published story")
    make_article(title="A colleague's story")
    log_in(page, site_url, "wren")

    expect(page.get_by_role("link", name="Comments")).to_have_count(0)
    expect(page.get_by_role("link", name="Users")).to_have_count(0)
    page.goto(site_url + "/admin/articles/article/")
    expect(page.get_by_role("link", name="A colleague's story")).to_have_count(0)
    actions = page.locator("select[name=action] option")
    expect(actions).to_contain_text(["---------", "Submit selected drafts for review"])
    expect(page.locator("select[name=action]")).not_to_contain_text("Publish")

    page.get_by_role("link", name="My draft").click()
    status = page.locator("#id_status option")
    expect(status).to_have_text(["Draft", "In review"])
    expect(page.locator("#id_published_at_0")).to_have_count(0)
    expect(page.locator("#id_author")).to_have_count(0)

    open_in_admin(page, site_url, "My published story")
    expect(page.locator("#id_title")).to_have_count(0)  # read-only: shown, not editable
    expect(page.get_by_role("button", name="Save", exact=True)).to_have_count(0)


def test_a_preview_link_works_while_valid_and_is_refused_after_expiry(browser, site_url):
    make_member(roles.EDITOR, username="dana")
    article = make_article(title="Embargoed budget story", status=Article.Status.DRAFT, published_at=None)
    editor = browser.new_context().new_page()
    log_in(editor, site_url, "dana")
    open_in_admin(editor, site_url, "Embargoed budget story")
    link = editor.locator("#preview-url").input_value()

    guest = browser.new_context().new_page()
    response = guest.goto(link)
    assert response.status == 200 and response.headers["x-robots-tag"] == "noindex"
    expect(guest.get_by_role("heading", level=1)).to_have_text("Embargoed budget story")
    expect(guest.get_by_role("status")).to_contain_text("Preview")
    expect(guest.locator("textarea")).to_have_count(0)

    with mock.patch("django.core.signing.time.time", return_value=time.time() - 49 * 3600):
        old_link = site_url + preview_path(article)  # made two days ago: past the 48 hours
    response = guest.goto(old_link)
    assert response.status == 410
    expect(guest.get_by_role("heading", level=1)).to_have_text("This preview link has expired")
    expect(guest.get_by_text("Embargoed budget story")).to_have_count(0)
