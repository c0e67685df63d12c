import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, make_category, make_staff

pytestmark = pytest.mark.django_db(transaction=True)


def collect_csp_violations(page):
    violations = []
    page.on(
        "console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None
    )
    return violations


def test_staff_writes_previews_and_publishes_then_a_visitor_reads_it(page, browser, site_url):
    make_staff(username="editor", display_name="Edith Editor", is_superuser=True)
    make_category(name="Transport", slug="transport")
    violations = collect_csp_violations(page)

    page.goto(site_url + "/admin/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(site_url + "/admin/articles/article/add/")

    page.get_by_label("Title").press_sequentially("Trams return to the old bridge")
    expect(page.get_by_label("Slug")).to_have_value("trams-return-to-the-old-bridge")
    page.locator("#id_category").select_option(label="Transport")
    page.get_by_label("Summary bullets").fill("Service restarts on Monday.\nTrams every ten minutes.")
    page.locator("#id_body").fill("## Why now\n\nThe bridge repairs are **finished**.\n\n- Monday\n- Tuesday")
    preview = page.locator(".markdownx-preview")
    expect(preview.locator("strong")).to_have_text("finished")
    expect(preview.locator("h2")).to_have_text("Why now")
    page.locator("#id_status").select_option("published")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    assert violations == []

    visitor = browser.new_context().new_page()
    visitor.goto(site_url + "/")
    visitor.get_by_role("link", name="Trams return to the old bridge").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Trams return to the old bridge")
    expect(visitor.get_by_text("Service restarts on Monday.")).to_be_visible()
    expect(visitor.locator(".article-body strong")).to_have_text("finished")
    expect(visitor.get_by_role("link", name="Edith Editor @editor")).to_be_visible()
