"""Preview links: a signed, expiring address to an unpublished article for someone without an account."""

import time
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from articles import roles
from articles.models import Article
from articles.preview import preview_path
from tests.factories import make_article, make_comment, make_member

pytestmark = pytest.mark.django_db


def draft(**overrides):
    fields = {"status": Article.Status.DRAFT, "published_at": None, "title": "Embargoed budget story"}
    return make_article(**{**fields, **overrides})


def made_hours_ago(article, hours):
    """A link signed `hours` ago (the signer reads the clock through time.time)."""
    with mock.patch("django.core.signing.time.time", return_value=time.time() - hours * 3600):
        return preview_path(article)


def test_a_preview_link_shows_the_draft_to_someone_without_an_account(client):
    article = draft()
    make_comment(article=article)  # even a stray comment is not shown on a preview
    response = client.get(preview_path(article))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Embargoed budget story" in html and "Preview" in html and "not published yet" in html
    assert '<meta name="robots" content="noindex">' in html
    assert response["X-Robots-Tag"] == "noindex"
    assert response["Cache-Control"] == "private, no-store"
    assert 'id="comments"' not in html and "<textarea" not in html and "Log in to leave a comment" not in html
    assert "Share this article" not in html  # its address is not public yet


def test_a_preview_is_never_stored_by_the_page_cache(client):
    article = draft()
    url = preview_path(article)
    assert "Embargoed budget story" in client.get(url).content.decode()
    article.title = "Retitled before publication"
    article.save()
    assert "Retitled before publication" in client.get(url).content.decode()


def test_a_preview_link_still_works_just_before_it_expires(client, settings):
    settings.NEWSBLOG_PREVIEW_HOURS = 48
    assert client.get(made_hours_ago(draft(), 47)).status_code == 200


def test_an_expired_preview_link_is_a_clear_410(client, settings):
    settings.NEWSBLOG_PREVIEW_HOURS = 48
    response = client.get(made_hours_ago(draft(), 49))
    assert response.status_code == 410
    html = response.content.decode()
    assert "This preview link has expired" in html and "Embargoed budget story" not in html
    assert response["Cache-Control"] == "private, no-store"


def test_a_shorter_setting_ends_links_sooner(client, settings):
    settings.NEWSBLOG_PREVIEW_HOURS = 1
    assert client.get(made_hours_ago(draft(), 2)).status_code == 410


@pytest.mark.parametrize("tamper", ["flip", "other-id", "garbage"])
def test_a_tampered_preview_link_is_a_clear_404(client, tamper):
    article, other = draft(), draft(slug="other-draft", title="Another draft")
    path = preview_path(article)
    token = path.rstrip("/").rsplit("/", 1)[1]
    if tamper == "flip":
        token = token[:-1] + ("A" if token[-1] != "A" else "B")
    elif tamper == "other-id":
        token = str(other.pk) + token[token.index(":") :]
    else:
        token = "not-a-token"
    response = client.get(f"/preview/{token}/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "This preview link is not valid" in html
    assert "Embargoed budget story" not in html and "Another draft" not in html


def test_a_preview_of_a_deleted_article_is_a_404(client):
    article = draft()
    path = preview_path(article)
    article.delete()
    assert client.get(path).status_code == 404


def test_a_preview_of_an_article_published_since_goes_to_its_page(client):
    article = draft()
    path = preview_path(article)
    article.status = Article.Status.PUBLISHED
    article.save()
    response = client.get(path)
    assert response.status_code == 302 and response["Location"] == article.get_absolute_url()


def test_a_preview_of_a_scheduled_article_says_when_it_comes_out(client):
    article = draft(status=Article.Status.PUBLISHED, published_at=timezone.now() + timedelta(days=1))
    html = client.get(preview_path(article)).content.decode()
    assert "scheduled for" in html and "Preview" in html


def test_the_change_form_shows_the_link_to_the_writer_and_editors_only(client):
    writer = make_member(roles.WRITER)
    article = draft(author=writer)
    url = f"/admin/articles/article/{article.pk}/change/"
    for user, shown in ((writer, True), (make_member(roles.EDITOR), True)):
        client.force_login(user)
        html = client.get(url).content.decode()
        assert ('id="preview-url"' in html) is shown
        assert "http://testserver/preview/" in html
    published = make_article(author=writer)
    client.force_login(writer)
    html = client.get(f"/admin/articles/article/{published.pk}/change/").content.decode()
    assert 'id="preview-url"' not in html  # public already: its own page is the link


def test_the_link_in_the_change_form_opens_the_preview(client):
    editor = make_member(roles.EDITOR)
    article = draft()
    client.force_login(editor)
    html = client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    start = html.index("http://testserver/preview/")
    link = html[start : html.index('"', start)]
    client.logout()
    assert "Embargoed budget story" in client.get(link.removeprefix("http://testserver")).content.decode()
