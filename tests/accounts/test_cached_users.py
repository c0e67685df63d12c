"""Users loaded from Redis (accounts/backends.py): no query for a signed-in page, and every change
to the user takes effect on the next request, from any session."""

import pytest
from django.test import Client

from articles import roles
from articles.models import Article
from tests.factories import make_article, make_member, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    return make_article()


def signed_in(user):
    browser = Client()
    browser.force_login(user)
    return browser


def test_a_repeat_signed_in_page_needs_no_query_with_redis(article, cache_backend, django_assert_num_queries):
    browser = signed_in(make_user(display_name="Quiet Reader"))
    browser.get(article.get_absolute_url())
    # session, user, the page's tag versions and the shared page copy all come from Redis
    with django_assert_num_queries(0 if cache_backend == "redis" else 3):
        response = browser.get(article.get_absolute_url())
    assert "Quiet Reader" in response.content.decode()


def test_a_new_display_name_shows_at_once(article):
    user = make_user(display_name="Old Name")
    browser = signed_in(user)
    assert "Old Name" in browser.get(article.get_absolute_url()).content.decode()
    editor = signed_in(user)
    editor.post("/accounts/profile/", {"display_name": "New Name", "bio": ""})
    page = browser.get(article.get_absolute_url()).content.decode()
    assert "New Name" in page and "Old Name" not in page


def deactivate(user):
    user.is_active = False
    user.save()


def set_new_password(user):
    user.set_password("an entirely new passphrase 42")
    user.save()


@pytest.mark.parametrize(
    "change",
    [deactivate, lambda user: user.delete(), set_new_password],
    ids=["deactivated", "deleted", "new-password"],
)
def test_a_changed_account_is_signed_out_on_its_next_request(article, change):
    user = make_user(display_name="Changing Reader")
    browser = signed_in(user)
    assert "Changing Reader" in browser.get(article.get_absolute_url()).content.decode()
    change(user)
    page = browser.get(article.get_absolute_url()).content.decode()
    assert "Changing Reader" not in page
    assert "Log in to leave a comment" in page
    assert browser.get("/accounts/profile/").status_code == 302


def test_staff_rights_taken_away_apply_at_once():
    user = make_member(roles.EDITOR)
    draft = make_article(status=Article.Status.DRAFT, title="Staff only draft")
    browser = signed_in(user)
    assert browser.get(draft.get_absolute_url()).status_code == 200
    user.groups.clear()  # no longer an editor
    assert browser.get(draft.get_absolute_url()).status_code == 404
