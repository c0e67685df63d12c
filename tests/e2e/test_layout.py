"""Every page type at a phone's and a desktop's width, light and dark: nothing wider than the screen,
no accessibility violations; and the parts of the layout a reader relies on: the compact header with
its Menu, comment errors in view without JavaScript, flash messages as wide as the column, print."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.factories import PASSWORD, image_upload, make_article, make_comment, make_staff, make_user

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = (390, 1280)

# Elements wider than the viewport or sticking out of it, except inside a box that scrolls or clips
# its own overflow (the section bar, code blocks, wide tables), which is the fix, not the fault.
OVERFLOWING = """() => {
  const width = window.innerWidth;
  const clips = (el) => {
    for (let box = el.parentElement; box && box !== document.body; box = box.parentElement) {
      if (getComputedStyle(box).overflowX !== "visible") return true;
    }
    return false;
  };
  return [...document.body.querySelectorAll("*")].filter((el) => {
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0 || !el.checkVisibility() || clips(el)) return false;
    return rect.width > width || rect.right > width + 0.5 || rect.left < -0.5;
  }).map((el) => el.outerHTML.slice(0, 120));
}"""


@pytest.fixture
def site(site_url):
    author = make_staff(username="ada", display_name="Ada Writer", bio="Writes about the harbour.")
    reader = make_user(username="rita", display_name="Rita Reader")
    article = make_article(
        title="A remarkably long headline about the harbour ferries that keeps going for a while",
        author=author,
        lead_image=image_upload(),
        lead_image_alt="Ferries at the quay",
        lead_image_caption="The new night ferry.",
        lead_image_credit="Illustration: newsblog",
        body="Text with a https://example.org/a/very/long/address/that/does/not/break/easily/at/all link.\n\n"
        "## Timetable\n\n| Day | First | Last | Every | Note |\n|---|---|---|---|---|\n"
        "| Monday to Friday | 05:30 | 01:30 | 20 minutes | https://example.org/timetables/harbour-night |"
        "\n\n"
        "```\nferry --timetable --from harbour --to island --night --every 20min --verbose\n```",
    )
    for i in range(4):
        make_article(category=article.category, author=author, title=f"Story {i} from the quay")
    first = make_comment(article=article, author=reader, body="Will the café stay open late as well?")
    make_comment(article=article, author=author, parent=first, body="Yes, until one.")
    return {"url": site_url, "article": article, "author": author, "reader": reader}


def log_in(page, site_url, username="rita"):
    page.goto(site_url + "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def paths(site):
    article = site["article"]
    return {
        "home": "/",
        "article": article.get_absolute_url(),
        "category": article.category.get_absolute_url(),
        "author": site["author"].get_absolute_url(),
        "search": "/search/?q=harbour",
        "login": "/accounts/login/",
        "signup": "/accounts/signup/",
        "profile": "/accounts/profile/",
        "404": "/no-such-page/",
    }


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(
    "page_type", ["home", "article", "category", "author", "search", "login", "signup", "profile", "404"]
)
def test_no_page_is_wider_than_the_screen_and_none_has_accessibility_violations(page, site, page_type, width):
    page.set_viewport_size({"width": width, "height": 900})
    if page_type == "profile":
        log_in(page, site["url"])
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.goto(site["url"] + paths(site)[page_type])
        assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth"), scheme
        assert page.evaluate(OVERFLOWING) == [], scheme
        results = Axe().run(page)
        assert results.violations_count == 0, results.generate_report()


def test_phone_header_is_one_compact_row_with_the_sections_behind_the_menu(browser, site):
    # No JavaScript at all: the disclosure is a <details> element.
    context = browser.new_context(viewport={"width": 390, "height": 800}, java_script_enabled=False)
    page = context.new_page()
    page.goto(site["url"] + "/")
    header = page.locator(".site-header")
    assert header.bounding_box()["height"] <= 64
    sections = page.get_by_role("navigation", name="Sections menu")
    expect(sections).to_be_hidden()
    expect(page.get_by_role("navigation", name="Sections", exact=True)).to_be_hidden()
    page.get_by_text("Menu", exact=True).click()
    expect(sections).to_be_visible()
    expect(page.get_by_role("searchbox", name="Search articles")).to_be_visible()
    expect(sections.get_by_role("link", name="RSS feed")).to_be_visible()
    sections.get_by_role("link", name=site["article"].category.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(site["article"].category.name)
    context.close()


def test_desktop_header_shows_sections_a_labelled_search_box_and_the_feed(page, site):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(site["url"] + "/")
    expect(page.locator(".site-menu")).to_be_hidden()
    bar = page.get_by_role("navigation", name="Sections", exact=True)
    expect(bar.get_by_role("link", name=site["article"].category.name)).to_be_visible()
    expect(page.locator(".header-search").get_by_text("Search articles")).to_be_visible()
    expect(page.get_by_role("searchbox", name="Search articles")).to_be_visible()
    bar.get_by_role("link", name="RSS feed").click()
    assert "<rss" in page.content() or page.url.endswith("/feed/")


def test_front_page_leads_with_the_newest_pictured_story(page, site):
    page.goto(site["url"] + "/")
    lead = page.locator(".lead-story")
    expect(lead.get_by_role("heading", level=2)).to_have_text(site["article"].title)
    image = lead.locator("img").bounding_box()
    card = page.locator(".card-grid .card").first.bounding_box()
    assert image["width"] > 1.5 * card["width"]


def test_empty_comment_without_javascript_lands_on_the_form_with_the_error_focused(browser, site):
    context = browser.new_context(viewport={"width": 390, "height": 800}, java_script_enabled=False)
    page = context.new_page()
    log_in(page, site["url"])
    page.goto(site["url"] + site["article"].get_absolute_url())
    page.get_by_role("button", name="Post comment").click()
    # autofocus scrolls the box into view (a #fragment in the URL would switch autofocus off)
    error = page.get_by_text("Write something before posting.")
    expect(error).to_be_in_viewport()
    box = page.get_by_role("textbox", name="Your comment")
    expect(box).to_be_in_viewport()
    expect(box).to_be_focused()
    assert "id_body_error" in box.get_attribute("aria-describedby")
    assert box.get_attribute("aria-invalid") == "true"
    context.close()


def test_flash_messages_are_as_wide_as_the_column_and_in_view(page, site, settings):
    settings.COMMENTS_MIN_INTERVAL_SECONDS = 0
    url = site["url"]
    log_in(page, url)
    article = site["article"]
    page.goto(url + article.get_absolute_url())
    page.get_by_label("Your comment").fill("A new thought about the ferries.")
    page.get_by_role("button", name="Post comment").click()
    mine = page.locator(".comment").filter(has_text="A new thought about the ferries.")
    mine.get_by_role("link", name="Edit").click()
    page.get_by_role("textbox", name="Your comment").fill("A better thought about the ferries.")
    page.get_by_role("button", name="Save changes").click()
    message = page.get_by_text("Your comment has been updated.")
    expect(message).to_be_in_viewport()
    column = page.locator("article.article").bounding_box()
    assert message.bounding_box()["width"] == pytest.approx(column["width"], abs=1)

    page.locator(".comment").filter(has_text="A better thought").get_by_role("link", name="Delete").click()
    page.get_by_role("button", name="Delete comment").click()
    expect(page.get_by_text("Your comment has been deleted.")).to_be_in_viewport()

    page.get_by_role("button", name="Log out").click()
    message = page.get_by_text("You have logged out.")
    expect(message).to_be_visible()
    main = page.locator("main")
    padding = page.evaluate("parseFloat(getComputedStyle(document.querySelector('main')).paddingLeft)")
    assert message.bounding_box()["width"] == pytest.approx(main.bounding_box()["width"] - 2 * padding, abs=1)


def test_comment_authors_link_only_when_they_publish(page, site):
    page.goto(site["url"] + site["article"].get_absolute_url())
    comments = page.locator("#comments")
    expect(comments.get_by_role("link", name="Rita Reader")).to_have_count(0)
    expect(comments.get_by_text("Rita Reader", exact=True)).to_be_visible()
    comments.get_by_role("link", name="Ada Writer").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ada Writer")
    page.goto(site["url"] + "/authors/rita/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")


def test_printing_an_article_prints_the_article_only(page, site):
    page.goto(site["url"] + site["article"].get_absolute_url())
    page.emulate_media(media="print")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator(".article-body")).to_be_visible()
    for part in (".site-header", ".site-footer", ".share", "#comments", ".related", "form"):
        expect(page.locator(part).first).to_be_hidden()


def test_share_links_load_nothing_from_other_sites(page, site):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(site["url"] + site["article"].get_absolute_url())
    share = page.get_by_role("navigation", name="Share this article")
    expect(share.get_by_role("link", name="Email")).to_have_attribute("href", re.compile("^mailto:"))
    assert all(url.startswith(site["url"]) for url in requested), requested


def test_admin_preview_looks_like_the_article_page_and_fits_a_phone(page, site):
    make_staff(username="editor", is_superuser=True)
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(site["url"] + "/admin/login/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(site["url"] + f"/admin/articles/article/{site['article'].pk}/change/")
    page.fill(
        "#id_body", "A paragraph that is long enough to wrap at least once on a phone screen.\n\n## Heading"
    )
    preview = page.locator(".markdownx-preview")
    expect(preview.get_by_role("heading", name="Heading")).to_be_visible()
    admin_style = preview.locator("p").evaluate(
        "p => [getComputedStyle(p).fontFamily, getComputedStyle(p).fontSize]"
    )
    heading_font = preview.locator("h2").evaluate("h => getComputedStyle(h).fontFamily")
    assert preview.bounding_box()["x"] + preview.bounding_box()["width"] <= 390
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")

    page.goto(site["url"] + site["article"].get_absolute_url())
    body = page.locator(".article-body")
    assert (
        body.locator("p").first.evaluate(
            "p => [getComputedStyle(p).fontFamily, getComputedStyle(p).fontSize]"
        )
        == admin_style
    )
    assert body.locator("h2").first.evaluate("h => getComputedStyle(h).fontFamily") == heading_font


def test_admin_comment_list_is_newest_first_with_the_moderators_columns_in_view(page, site):
    make_staff(username="editor", is_superuser=True)
    newest = make_comment(
        article=site["article"], author=site["reader"], body="The newest comment " + "x" * 300
    )
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(site["url"] + "/admin/login/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(site["url"] + "/admin/comments/comment/")
    for column in ("Author", "State", "Created at"):
        expect(page.get_by_role("columnheader", name=column)).to_be_in_viewport()
    results = page.locator(".results")
    assert results.evaluate("el => el.scrollWidth <= el.clientWidth")
    expect(page.locator("#result_list tbody tr").first).to_contain_text(newest.body[:40])
