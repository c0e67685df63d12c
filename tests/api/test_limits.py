"""The content API's rate limit per client address, opt-in CORS, and its security headers."""

import pytest

from tests.factories import make_article

pytestmark = pytest.mark.django_db

APP = "https://app.example"


@pytest.fixture
def cors_on(settings):
    """As NEWSBLOG_API_CORS_ORIGINS=https://app.example,https://other.example sets it up."""
    settings.NEWSBLOG_API_CORS_ORIGINS = settings.CORS_ALLOWED_ORIGINS = [APP, "https://other.example"]
    settings.CORS_URLS_REGEX = r"^/api/"


def test_too_many_requests_from_one_address_get_a_429_with_retry_after(client, settings):
    settings.NEWSBLOG_API_REQUESTS_PER_MINUTE = 3
    article = make_article()
    url = f"/api/articles/{article.slug}/"
    etag = client.get(url)["ETag"]
    assert client.get(url).status_code == 200  # from the cache: counted all the same
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    response = client.get(url)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["Cache-Control"] == "no-store"
    assert response.json() == {
        "detail": f"Too many requests from your address: try again in {response['Retry-After']} seconds."
    }
    assert client.get("/api/tags/").status_code == 429  # every endpoint
    assert client.get(url, REMOTE_ADDR="203.0.113.9").status_code == 200  # another reader
    assert client.get(article.get_absolute_url()).status_code == 200  # the site's pages are not limited


def test_behind_a_proxy_the_limit_is_per_reader_not_per_proxy(client, settings):
    settings.NEWSBLOG_API_REQUESTS_PER_MINUTE = 2
    settings.NEWSBLOG_PROXY_COUNT = 1
    for _ in range(2):
        assert client.get("/api/tags/", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 200
    assert client.get("/api/tags/", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429
    assert client.get("/api/tags/", HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 200


def test_a_limit_of_zero_turns_it_off(client, settings):
    settings.NEWSBLOG_API_REQUESTS_PER_MINUTE = 0
    assert all(client.get("/api/tags/").status_code == 200 for _ in range(20))


def test_without_origins_there_are_no_cors_headers(client):
    article = make_article()
    response = client.get(f"/api/articles/{article.slug}/", HTTP_ORIGIN=APP)
    assert response.status_code == 200
    assert not [header for header in response.headers if header.lower().startswith("access-control-")]
    assert "origin" not in response.get("Vary", "").lower()
    preflight = client.options("/api/articles/", HTTP_ORIGIN=APP, HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET")
    assert "Access-Control-Allow-Origin" not in preflight


@pytest.mark.usefixtures("cors_on")
def test_an_allowed_origin_may_read_the_api_from_its_pages(client):
    article = make_article()
    url = f"/api/articles/{article.slug}/"
    first = client.get(url, HTTP_ORIGIN=APP)
    assert first["Access-Control-Allow-Origin"] == APP
    assert "ETag" in first["Access-Control-Expose-Headers"]
    assert "origin" in first["Vary"].lower()
    assert "Access-Control-Allow-Credentials" not in first
    # The cached copy and the 304 carry the header for each request's own origin.
    other = client.get(url, HTTP_ORIGIN="https://other.example")
    assert other.content == first.content
    assert other["Access-Control-Allow-Origin"] == "https://other.example"
    revalidated = client.get(url, HTTP_ORIGIN=APP, HTTP_IF_NONE_MATCH=first["ETag"])
    assert revalidated.status_code == 304
    assert revalidated["Access-Control-Allow-Origin"] == APP


@pytest.mark.usefixtures("cors_on")
def test_a_preflight_is_answered_for_reading_only(client):
    response = client.options(
        "/api/articles/",
        HTTP_ORIGIN=APP,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match",
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == APP
    assert response["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert "if-none-match" in response["Access-Control-Allow-Headers"]


@pytest.mark.usefixtures("cors_on")
def test_other_origins_and_the_site_itself_get_no_cors_headers(client):
    article = make_article()
    assert "Access-Control-Allow-Origin" not in client.get(
        "/api/articles/", HTTP_ORIGIN="https://evil.example"
    )
    assert "Access-Control-Allow-Origin" not in client.get(article.get_absolute_url(), HTTP_ORIGIN=APP)


@pytest.mark.usefixtures("cors_on")
def test_a_429_can_be_read_by_an_allowed_origin(client, settings):
    settings.NEWSBLOG_API_REQUESTS_PER_MINUTE = 1
    client.get("/api/tags/", HTTP_ORIGIN=APP)
    response = client.get("/api/tags/", HTTP_ORIGIN=APP)
    assert response.status_code == 429
    assert response["Access-Control-Allow-Origin"] == APP
    assert "Retry-After" in response["Access-Control-Expose-Headers"]


def test_json_answers_keep_the_sites_security_headers(client):
    article = make_article()
    for _ in range(2):  # rendered, then from the cache
        response = client.get(f"/api/articles/{article.slug}/")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Frame-Options"] == "DENY"
        assert "default-src 'self'" in response["Content-Security-Policy"]
        assert response["Referrer-Policy"] == "same-origin"
