import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.factories import make_article, make_category, make_tag

pytestmark = pytest.mark.django_db(transaction=True)


def test_reader_opens_an_article_from_the_home_page(page, site_url):
    article = make_article(title="Night buses return to the harbour line")

    page.goto(site_url + "/")
    expect(page.get_by_role("link", name="newsblog")).to_be_visible()
    page.get_by_role("link", name="Night buses return to the harbour line").click()

    expect(page).to_have_url(site_url + article.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Night buses return to the harbour line")
    expect(page.get_by_text("Log in to leave a comment")).to_be_visible()


def test_reader_follows_a_tag_from_an_article_to_the_tag_page(page, site_url):
    iran = make_tag(name="Iran", slug="iran")
    article = make_article(title="Talks resume in Geneva", tags=[iran, make_tag(name="Diplomacy")])
    make_article(title="Oil exports fall", tags=[iran], category=make_category())
    make_article(title="A new tram line opens")

    page.goto(site_url + article.get_absolute_url())
    tags = page.get_by_role("navigation", name="Tags")
    expect(tags.get_by_role("link")).to_have_text(["Diplomacy", "Iran"])
    tags.get_by_role("link", name="Iran").click()

    expect(page).to_have_url(site_url + "/tags/iran/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Iran")
    expect(page.get_by_role("heading", level=2)).to_have_text(["Oil exports fall", "Talks resume in Geneva"])
    page.get_by_role("link", name="Oil exports fall").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Oil exports fall")
    # Related reading leads with the story that shares its tag.
    expect(page.locator(".related-item-title").first).to_have_text("Talks resume in Geneva")


@pytest.mark.parametrize("path_of", ["home", "article", "category", "author", "tag"])
def test_reader_pages_have_no_accessibility_violations(page, site_url, path_of):
    tag = make_tag(name="Accessibility")
    article = make_article(title="Accessible by default", tags=[tag])
    paths = {
        "home": "/",
        "article": article.get_absolute_url(),
        "category": article.category.get_absolute_url(),
        "author": article.author.get_absolute_url(),
        "tag": tag.get_absolute_url(),
    }
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.goto(site_url + paths[path_of])
        results = Axe().run(page)
        assert results.violations_count == 0, results.generate_report()
