"""Content API answers are cached and revalidated like reader pages, and never stale."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from articles.models import Article
from comments.models import Comment
from comments.services import moderate_comments
from tests.factories import make_article, make_comment, make_staff, make_tag, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("backend")]


def detail_url(article):
    return f"/api/articles/{article.slug}/"


def post_comment(article, body="Fresh comment"):
    reader = Client()
    reader.force_login(make_user())
    reader.post(f"/articles/{article.slug}/comments/", {"body": body})


def test_answers_carry_validators_and_shared_cache_headers(client):
    article = make_article()
    for url in (detail_url(article), "/api/articles/", "/api/categories/", "/api/tags/", "/api/authors/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["ETag"].startswith('W/"'), url
        assert response["Last-Modified"], url
        assert response["Cache-Control"] == "public, max-age=0, must-revalidate", url


@pytest.mark.parametrize("path", ["detail", "/api/articles/", "/api/authors/"])
def test_if_none_match_is_a_304_and_a_repeat_is_served_from_the_cache(
    client, django_assert_num_queries, backend, path
):
    article = make_article()
    url = detail_url(article) if path == "detail" else path
    first = client.get(url)
    # the answer's tag versions only (in Redis, no query at all)
    with django_assert_num_queries(0 if backend == "redis" else 1):
        revalidated = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert revalidated.status_code == 304
    assert revalidated.content == b""
    with django_assert_num_queries(0 if backend == "redis" else 1):
        again = client.get(url)
    assert again.content == first.content
    assert again["Content-Type"] == "application/json; charset=utf-8"


def edit_article(article):
    article.title = "A new headline"
    article.save()


def rename_author(article):
    article.author.display_name = "Renamed Reporter"
    article.author.save()


def rename_section(article):
    article.category.name = "Renamed section"
    article.category.save()


def rename_tag(article):
    tag = article.tags.get()
    tag.name = "Renamed tag"
    tag.save()


def add_tag(article):
    article.tags.add(make_tag(name="Added tag"))


def remove_tag_from_its_side(article):
    article.tags.get().articles.clear()


def add_comment(article):
    post_comment(article)


def hide_comment(article):
    moderate_comments(comments=Comment.objects.filter(article=article), hide=True)


CHANGES = [edit_article, rename_author, rename_section, rename_tag, add_tag, remove_tag_from_its_side]
CHANGES += [add_comment, hide_comment]


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize("path", ["detail", "/api/articles/"])
def test_every_change_shows_on_the_next_request(client, change, path):
    article = make_article()
    article.tags.add(make_tag(name="Original tag"))
    make_comment(article=article)
    url = detail_url(article) if path == "detail" else path
    before = client.get(url)
    assert client.get(url, HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 304
    change(Article.objects.get(pk=article.pk))
    after = client.get(url, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert after.json() != before.json()


def test_a_new_comment_changes_the_count_and_leaves_other_articles_cached(
    client, django_assert_num_queries, backend
):
    commented, other = make_article(), make_article()
    client.get(detail_url(commented))
    other_before = client.get(detail_url(other))
    post_comment(commented)
    assert client.get(detail_url(commented)).json()["comment_count"] == 1
    with django_assert_num_queries(0 if backend == "redis" else 1):
        assert client.get(detail_url(other), HTTP_IF_NONE_MATCH=other_before["ETag"]).status_code == 304
    listed = {a["slug"]: a["comment_count"] for a in client.get("/api/articles/").json()["results"]}
    assert listed == {commented.slug: 1, other.slug: 0}


def test_unpublishing_takes_an_article_out_at_once(client):
    article = make_article()
    assert client.get(detail_url(article)).status_code == 200
    assert client.get("/api/authors/").json()["results"]
    article.status = Article.Status.DRAFT
    article.save()
    assert client.get(detail_url(article)).status_code == 404
    assert client.get("/api/articles/").json()["results"] == []
    assert client.get("/api/authors/").json()["results"] == []
    assert client.get("/api/categories/").json()["results"] == []


def test_a_scheduled_article_appears_when_its_time_comes(client, monkeypatch):
    soon = timezone.now() + timedelta(minutes=5)
    article = make_article(published_at=soon)
    assert client.get("/api/articles/").json()["results"] == []
    assert client.get(detail_url(article)).status_code == 404
    monkeypatch.setattr(timezone, "now", lambda: soon + timedelta(seconds=1))
    assert [a["slug"] for a in client.get("/api/articles/").json()["results"]] == [article.slug]
    assert client.get(detail_url(article)).status_code == 200


def test_a_new_author_and_a_new_tag_appear_in_their_lists(client):
    make_article()
    assert len(client.get("/api/authors/").json()["results"]) == 1
    assert client.get("/api/tags/").json()["results"] == []
    make_article(author=make_staff()).tags.add(make_tag(name="Fresh"))
    assert len(client.get("/api/authors/").json()["results"]) == 2
    assert [t["name"] for t in client.get("/api/tags/").json()["results"]] == ["Fresh"]


def test_signed_in_readers_get_the_same_answer_privately(client):
    article = make_article()
    anonymous = client.get(detail_url(article))
    member = Client()
    member.force_login(make_user())
    for _ in range(2):  # the second from the shared copy
        response = member.get(detail_url(article))
        assert response.json() == anonymous.json()
        assert response["Cache-Control"] == "private, no-cache"


def test_each_host_gets_its_own_absolute_urls(client, settings):
    settings.ALLOWED_HOSTS = ["news.example", "other.example"]
    article = make_article()
    first = client.get(detail_url(article), HTTP_HOST="news.example").json()
    second = client.get(detail_url(article), HTTP_HOST="other.example").json()
    assert first["url"].startswith("http://news.example/")
    assert second["url"].startswith("http://other.example/")
