"""The content API answers what the article pages show, and nothing that is not public."""

import json
import re
from datetime import datetime, timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

from articles.models import Article
from tests.factories import (
    image_upload,
    make_article,
    make_category,
    make_comment,
    make_staff,
    make_tag,
    make_user,
)

pytestmark = pytest.mark.django_db


def page_time(html, css_class=None):
    """The datetime of the article page's first <time> (or the one inside `css_class`)."""
    scope = html.split(f'class="{css_class}"', 1)[1] if css_class else html
    return datetime.fromisoformat(re.search(r'<time datetime="([^"]+)"', scope).group(1))


def test_article_detail_matches_the_article_page(client):
    author = make_staff(display_name="Ada Reporter")
    tag = make_tag(name="Batteries")
    article = make_article(
        author=author,
        summary="One.\nTwo.\nThree.",
        body="Hello **world**.\n\n| a | b |\n|---|---|\n| 1 | 2 |",
        lead_image=image_upload(),
        lead_image_alt="A photo",
        lead_image_caption="The harbour",
        lead_image_credit="Photo: Ada",
    )
    article.tags.add(tag)
    article.published_at = timezone.now() - timedelta(days=2)
    article.save()  # an update after publication: "Updated on" shows on the page
    make_comment(article=article)
    make_comment(article=article)
    article.refresh_from_db()

    page = client.get(article.get_absolute_url())
    data = client.get(f"/api/articles/{article.slug}/").json()

    html = page.content.decode()
    shown = page.context["article"]
    assert data["title"] == shown.title
    assert data["url"] == f"http://testserver{article.get_absolute_url()}"
    assert data["body_html"] == shown.body_html
    assert data["body_html"] in html and "<table>" in data["body_html"]
    assert data["summary"] == ["One.", "Two.", "Three."]
    assert all(f"<li>{bullet}</li>" in html for bullet in data["summary"])
    assert datetime.fromisoformat(data["published_at"]) == page_time(html) == article.published_at
    assert datetime.fromisoformat(data["updated_at"]) == page_time(html, "updated") == article.updated_at
    assert data["comment_count"] == 2 and "Comments (2)" in html
    assert data["author"] == {
        "username": author.username,
        "display_name": "Ada Reporter",
        "url": f"http://testserver/authors/{author.username}/",
    }
    assert data["category"] == {
        "name": article.category.name,
        "slug": article.category.slug,
        "url": f"http://testserver{article.category.get_absolute_url()}",
    }
    assert data["tags"] == [
        {"name": "Batteries", "slug": tag.slug, "url": f"http://testserver/tags/{tag.slug}/"}
    ]
    image = data["lead_image"]
    assert image["url"] == f"http://testserver{article.lead_image.url}"
    assert (image["width"], image["height"]) == (1200, 800)
    assert (image["alt"], image["caption"], image["credit"]) == ("A photo", "The harbour", "Photo: Ada")
    widths = [r["width"] for r in image["renditions"]]
    assert widths == sorted(widths) and widths[-1] == 1200
    for rendition in image["renditions"]:
        assert rendition["url"].startswith("http://testserver/media/") and rendition["url"].endswith(".webp")
        assert rendition["url"].removeprefix("http://testserver") in html  # the page's srcset


def test_an_article_without_image_or_tags(client):
    article = make_article()
    data = client.get(f"/api/articles/{article.slug}/").json()
    assert data["lead_image"] is None
    assert data["tags"] == []


def test_the_list_shows_published_articles_newest_first_without_bodies(client):
    older = make_article(published_at=timezone.now() - timedelta(days=2))
    newer = make_article(published_at=timezone.now() - timedelta(hours=1))
    response = client.get("/api/articles/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    data = response.json()
    assert [a["slug"] for a in data["results"]] == [newer.slug, older.slug]
    assert "body_html" not in data["results"][0]
    detail = client.get(f"/api/articles/{newer.slug}/").json()
    assert data["results"][0] == {key: value for key, value in detail.items() if key != "body_html"}
    assert data["next"] is None and data["previous"] is None


def test_drafts_and_scheduled_articles_never_appear(client):
    section, author, tag = make_category(), make_staff(), make_tag()
    public = make_article(category=section, author=author)
    draft = make_article(category=section, author=author, status=Article.Status.DRAFT)
    scheduled = make_article(category=section, author=author, published_at=timezone.now() + timedelta(days=1))
    for article in (public, draft, scheduled):
        article.tags.add(tag)
    hidden = {draft.slug, scheduled.slug}
    for url in (
        "/api/articles/",
        f"/api/articles/?category={section.slug}",
        f"/api/articles/?author={author.username}",
        f"/api/articles/?tag={tag.slug}",
    ):
        slugs = {a["slug"] for a in client.get(url).json()["results"]}
        assert slugs == {public.slug}, url
    for slug in hidden:
        response = client.get(f"/api/articles/{slug}/")
        assert response.status_code == 404
        assert response.json() == {"detail": f"No published article {slug!r}."}


def test_staff_get_no_drafts_either(client):
    staff = make_staff()
    draft = make_article(author=staff, status=Article.Status.DRAFT)
    client.force_login(staff)
    assert client.get(f"/api/articles/{draft.slug}/").status_code == 404
    assert client.get("/api/articles/").json()["results"] == []


def test_only_sections_tags_and_authors_with_a_published_article_are_listed(client):
    shown_section, hidden_section = make_category(name="Alpha"), make_category(name="Beta")
    writer, drafter = make_staff(bio="Writes."), make_staff()
    shown_tag, hidden_tag = make_tag(name="Aardvark"), make_tag(name="Secret")
    public = make_article(category=shown_section, author=writer)
    draft = make_article(category=hidden_section, author=drafter, status=Article.Status.DRAFT)
    public.tags.add(shown_tag)
    draft.tags.add(hidden_tag)
    make_user()  # a reader who never published

    categories = client.get("/api/categories/").json()["results"]
    assert categories == [
        {
            "name": "Alpha",
            "slug": shown_section.slug,
            "url": "http://testserver/category/" + shown_section.slug + "/",
            "description": "",
        }
    ]
    tags = client.get("/api/tags/").json()["results"]
    assert tags == [
        {"name": "Aardvark", "slug": shown_tag.slug, "url": f"http://testserver/tags/{shown_tag.slug}/"}
    ]
    authors = client.get("/api/authors/").json()["results"]
    assert authors == [
        {
            "username": writer.username,
            "display_name": writer.public_name,
            "url": f"http://testserver/authors/{writer.username}/",
            "bio": "Writes.",
        }
    ]
    for url in (
        f"/api/articles/?category={hidden_section.slug}",
        f"/api/articles/?tag={hidden_tag.slug}",
        f"/api/articles/?author={drafter.username}",
    ):
        assert client.get(url).status_code == 404, url


def test_filters_combine(client):
    section, other_section = make_category(), make_category()
    author, other_author = make_staff(), make_staff()
    tag = make_tag()
    match = make_article(category=section, author=author)
    match.tags.add(tag)
    make_article(category=section, author=other_author).tags.add(tag)
    make_article(category=other_section, author=author).tags.add(tag)
    make_article(category=section, author=author)
    url = f"/api/articles/?category={section.slug}&tag={tag.slug}&author={author.username}"
    assert [a["slug"] for a in client.get(url).json()["results"]] == [match.slug]
    assert len(client.get(f"/api/articles/?tag={tag.slug}").json()["results"]) == 3
    assert len(client.get(f"/api/articles/?category={section.slug}").json()["results"]) == 3


def test_pagination_follows_next_and_previous_links(client):
    section = make_category()
    articles = [
        make_article(category=section, published_at=timezone.now() - timedelta(hours=i)) for i in range(1, 6)
    ]
    url, seen, pages = f"/api/articles/?limit=2&category={section.slug}", [], []
    while url:
        data = client.get(url).json()
        pages.append(data)
        seen += [a["slug"] for a in data["results"]]
        url = data["next"]
    assert seen == [a.slug for a in articles]
    assert [len(p["results"]) for p in pages] == [2, 2, 1]
    assert pages[0]["previous"] is None
    assert pages[1]["previous"] == f"http://testserver/api/articles/?limit=2&category={section.slug}"
    assert pages[2]["previous"] == f"http://testserver/api/articles/?limit=2&category={section.slug}&offset=2"
    assert pages[1]["next"] == f"http://testserver/api/articles/?limit=2&category={section.slug}&offset=4"
    past_the_end = client.get("/api/articles/?offset=50").json()
    assert past_the_end["results"] == [] and past_the_end["next"] is None


@pytest.mark.parametrize("url", ["/api/categories/", "/api/tags/", "/api/authors/"])
def test_every_list_is_paginated(client, url):
    for _ in range(3):
        make_article().tags.add(make_tag())
    first = client.get(f"{url}?limit=2").json()
    second = client.get(first["next"]).json()
    assert len(first["results"]) == 2 and len(second["results"]) == 1
    assert second["next"] is None and second["previous"] == f"http://testserver{url}?limit=2"


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/api/articles/?limit=0", 422, "limit: Input should be greater than or equal to 1"),
        ("/api/articles/?limit=101", 422, "limit: Input should be less than or equal to 100"),
        ("/api/articles/?limit=ten", 422, "limit: Input should be a valid integer"),
        ("/api/articles/?offset=-1", 422, "offset: Input should be greater than or equal to 0"),
        ("/api/articles/?offset=99999999999999999999", 422, "offset: Input should be less than or equal to"),
        ("/api/articles/?category=no%20such", 422, "category: String should match pattern"),
        ("/api/articles/?author=%00", 422, "author: String should match pattern"),
        ("/api/articles/?categroy=news", 400, "Unknown parameter 'categroy'"),
        ("/api/tags/?page=2", 400, "Unknown parameter 'page': this endpoint takes limit, offset."),
        ("/api/articles/a-slug/?v=2", 400, "Unknown parameter 'v': this endpoint takes no parameters."),
        ("/api/articles/?category=nowhere", 404, "No section 'nowhere' with published articles."),
        ("/api/articles/?tag=nothing", 404, "No tag 'nothing' on published articles."),
        ("/api/articles/?author=nobody", 404, "No author 'nobody' with published articles."),
        ("/api/articles/no-such-article/", 404, "No published article 'no-such-article'."),
        ("/api/no-such-endpoint/", 404, "Nothing at /api/no-such-endpoint/: see /api/ for the endpoints."),
    ],
)
def test_bad_requests_get_a_clear_json_message(client, url, status, message):
    make_article()
    response = client.get(url)
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    assert message in response.json()["detail"]


def test_the_api_is_read_only(client):
    article = make_article()
    for method in (client.post, client.put, client.delete):
        response = method(f"/api/articles/{article.slug}/")
        assert response.status_code == 405
    assert Article.objects.filter(pk=article.pk).exists()


@pytest.mark.parametrize("url", ["/api/articles/", "/api/tags/", "/api/categories/", "/api/authors/"])
def test_head_answers_like_get_without_a_body(client, url):
    make_article()
    response = client.head(url)
    assert response.status_code == 200
    assert response.content == b""
    assert response["ETag"] == client.get(url)["ETag"]


def test_the_index_lists_the_endpoints(client):
    data = client.get("/api/").json()
    assert data == {
        "articles": "http://testserver/api/articles/",
        "categories": "http://testserver/api/categories/",
        "tags": "http://testserver/api/tags/",
        "authors": "http://testserver/api/authors/",
        "openapi": "http://testserver/api/openapi.json",
    }


def test_the_openapi_schema_lists_every_endpoint(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == {
        "/api/articles/",
        "/api/articles/{slug}/",
        "/api/categories/",
        "/api/tags/",
        "/api/authors/",
    }
    assert all(set(operations) == {"get"} for operations in schema["paths"].values())
    filters = {p["name"] for p in schema["paths"]["/api/articles/"]["get"]["parameters"]}
    assert filters == {"limit", "offset", "category", "tag", "author"}
    operation_ids = [
        operation["operationId"] for ops in schema["paths"].values() for operation in ops.values()
    ]
    assert len(operation_ids) == len(set(operation_ids)) == 5
    refs = set(re.findall(r'"\$ref": "#/components/schemas/(\w+)"', response.content.decode()))
    assert refs and refs <= set(schema["components"]["schemas"])
    article = schema["components"]["schemas"]["Article"]["properties"]
    assert {"title", "body_html", "comment_count", "lead_image", "tags", "summary"} <= set(article)


def test_a_lost_database_is_a_503_with_retry_after_not_a_500(client, monkeypatch):
    article = make_article()

    def unreachable():
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("api.views.articles_for_api", unreachable)
    response = client.get(f"/api/articles/{article.slug}/")
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
