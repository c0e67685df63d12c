import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.factories import make_article

pytestmark = pytest.mark.django_db(transaction=True)


def test_reader_opens_an_article_from_the_home_page(page, site_url):
    article = make_article(title="Night buses return to the harbour line")

    page.goto(site_url + "/")
    expect(page.get_by_role("link", name="newsblog")).to_be_visible()
    page.get_by_role("link", name="Night buses return to the harbour line").click()

    expect(page).to_have_url(site_url + article.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Night buses return to the harbour line")
    expect(page.get_by_text("Log in to leave a comment")).to_be_visible()


@pytest.mark.parametrize("path_of", ["home", "article", "category", "author"])
def test_reader_pages_have_no_accessibility_violations(page, site_url, path_of):
    article = make_article(title="Accessible by default")
    paths = {
        "home": "/",
        "article": article.get_absolute_url(),
        "category": article.category.get_absolute_url(),
        "author": article.author.get_absolute_url(),
    }
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.goto(site_url + paths[path_of])
        results = Axe().run(page)
        assert results.violations_count == 0, results.generate_report()
