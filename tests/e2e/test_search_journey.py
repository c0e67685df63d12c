import json

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.factories import make_article

pytestmark = pytest.mark.django_db(transaction=True)

COLLECT_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def test_reader_finds_an_article_by_a_word_in_its_body(page, site_url):
    article = make_article(title="Council meeting", body="The mayor spoke about the quokka enclosure.")
    make_article(title="Weather", body="Rain all week.")

    page.goto(site_url + "/")
    page.locator(".site-header").get_by_role("searchbox", name="Search articles").fill("quokka")
    page.locator(".site-header").get_by_role("button", name="Search").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Results for “quokka”")
    expect(page.get_by_text("1 article found.")).to_be_visible()
    expect(page.locator("mark")).to_have_text("quokka")
    page.get_by_role("link", name="Council meeting").click()
    expect(page).to_have_url(site_url + article.get_absolute_url())


@pytest.mark.parametrize("query", ["", "quokka", "nothing-matches-this"])
def test_search_page_has_no_accessibility_violations(page, site_url, query):
    make_article(title="Council meeting", body="The mayor spoke about the quokka enclosure.")
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.goto(site_url + "/search/?q=" + query)
        results = Axe().run(page)
        assert results.violations_count == 0, results.generate_report()


def test_json_ld_is_allowed_by_the_strict_csp(page, site_url):
    # script-src 'self' has no 'unsafe-inline': an executable inline script would be reported here,
    # a JSON-LD data block is not (browsers do not apply script-src to non-script types).
    article = make_article(title="</script><script>window.__pwned = 1</script>")
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    page.add_init_script(COLLECT_CSP_VIOLATIONS)

    page.goto(site_url + article.get_absolute_url())

    data = json.loads(page.locator('script[type="application/ld+json"]').text_content())
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == article.title
    assert page.evaluate("window.__pwned") is None
    assert page.evaluate("window.__cspViolations") == []
    assert not [m for m in messages if "Content Security Policy" in m]


def test_an_inline_script_would_be_reported(page, site_url):
    """The listener above really sees violations: an injected executable inline script is blocked."""
    article = make_article()
    page.add_init_script(COLLECT_CSP_VIOLATIONS)
    page.goto(site_url + article.get_absolute_url())
    page.evaluate(
        """() => { const s = document.createElement("script"); s.textContent = "window.__ran = 1";
                  document.head.appendChild(s); }"""
    )
    page.wait_for_function("window.__cspViolations.length > 0")
    assert page.evaluate("window.__ran") is None


def test_article_with_related_reading_has_no_accessibility_violations(page, site_url):
    article = make_article(title="Main story")
    make_article(title="Another story", category=article.category)
    make_article(title="A third story")
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.goto(site_url + article.get_absolute_url())
        expect(page.get_by_role("heading", name="Related reading")).to_be_visible()
        results = Axe().run(page)
        assert results.violations_count == 0, results.generate_report()
