"""The strict CSP holds on every page a reader or an editor uses: not one violation, live preview included."""

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, make_article, make_comment, make_staff, make_user

pytestmark = pytest.mark.django_db(transaction=True)

# Record every violation in the page itself, so that none is missed between console messages.
LISTENER = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


class Watch:
    """CSP violations (the page's own listener and the console) and Permissions-Policy errors."""

    def __init__(self, page):
        self.page = page
        self.found = []
        page.add_init_script(LISTENER)
        page.on("console", self.console)

    def console(self, message):
        text = message.text
        if "Content Security Policy" in text or "Permissions policy" in text or "Permissions-Policy" in text:
            self.found.append(f"{self.page.url}: {text}")

    def collect(self):
        self.found += [f"{self.page.url}: {v}" for v in self.page.evaluate("window.__violations || []")]

    def visit(self, url):
        response = self.page.goto(url)
        assert response.status == 200, url
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe" not in policy
        self.page.wait_for_load_state("load")
        self.collect()
        return response


def test_reader_pages_and_the_admin_editor_run_without_a_csp_violation(page, site_url):
    editor = make_staff(username="editor", is_superuser=True)
    article = make_article(
        author=editor, body="## Heading\n\nSome **bold** text and a [link](https://example.org)."
    )
    make_comment(
        article=article, author=make_user(display_name="Cara Commenter"), body="See https://example.org"
    )
    watch = Watch(page)

    for path in ("/", article.get_absolute_url(), "/accounts/login/", "/accounts/signup/", "/search/?q=bold"):
        watch.visit(site_url + path)
    expect(page.locator("body")).to_be_visible()

    # A signed-in reader sees the comment form.
    page.goto(site_url + "/accounts/login/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()
    watch.visit(site_url + article.get_absolute_url())
    expect(page.locator("textarea[name=body]")).to_be_visible()

    # The admin's Markdown editor: typing updates the live preview, under the same policy.
    watch.visit(site_url + f"/admin/articles/article/{article.pk}/change/")
    body = page.locator("#id_body")
    body.fill("")
    body.press_sequentially("## Preview works\n\nUnder *CSP*.")
    preview = page.locator(".markdownx-preview")
    expect(preview.locator("h2")).to_have_text("Preview works")
    expect(preview.locator("em")).to_have_text("CSP")
    watch.collect()

    assert watch.found == []
