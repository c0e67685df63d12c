import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from comments.models import Comment
from tests.factories import PASSWORD, make_article, make_comment, make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.COMMENTS_MIN_INTERVAL_SECONDS = 0


def test_visitor_logs_in_from_the_comments_posts_edits_and_replies(page, site_url):
    article = make_article(title="Ferries get a night timetable")
    olga = make_comment(article=article, author=make_user(display_name="Olga"), body="About time too.")
    make_user(username="rita", display_name="Rita Reader")

    page.goto(site_url + article.get_absolute_url())
    expect(page.get_by_role("heading", name="Comments (1)")).to_be_visible()
    page.get_by_role("link", name="Log in to leave a comment").click()

    page.get_by_label("Username").fill("rita")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(site_url + article.get_absolute_url() + "#comments")

    page.get_by_label("Your comment").fill("Will the cafe stay open late as well?\nAsking for a friend.")
    page.get_by_role("button", name="Post comment").click()
    expect(page).to_have_url(re.compile(rf".*{article.get_absolute_url()}#comment-\d+$"))
    anchor = page.url.rsplit("#", 1)[1]
    assert anchor == f"comment-{Comment.objects.get(body__startswith='Will the cafe').pk}"
    mine = page.locator(f"#{anchor}")
    expect(mine).to_contain_text("Will the cafe stay open late as well?")
    expect(mine.get_by_text("Rita Reader", exact=True)).to_be_visible()  # a reader: no author page
    expect(page.get_by_role("heading", name="Comments (2)")).to_be_visible()

    mine.get_by_role("link", name="Edit").click()
    page.get_by_role("textbox", name="Your comment").fill("Will the café stay open late as well?")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(f"#{anchor}")).to_contain_text("Will the café stay open late as well?")
    expect(page.locator(f"#{anchor}")).to_contain_text("edited")

    page.locator(f"#comment-{olga.pk}").get_by_role("link", name="Reply to Olga").click()
    expect(page.get_by_role("heading", name="Reply to Olga")).to_be_visible()
    page.get_by_label("Your comment").fill("Agreed, Olga.")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(f"#comment-{olga.pk} .replies")).to_contain_text("Agreed, Olga.")

    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
