"""Another site's page reads the content API from a real browser, only when its origin is allowed."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.factories import make_article

pytestmark = pytest.mark.django_db(transaction=True)

# What an app's page does: read the list, then revalidate it with the ETag it was given.
READ_TWICE = """async (url) => {
    const first = await fetch(url);
    const etag = first.headers.get("ETag");
    const body = await first.json();
    const again = await fetch(url, {headers: {"If-None-Match": etag}});
    return {status: first.status, etag, titles: body.results.map((a) => a.title), again: again.status};
}"""


class AppPage(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the handler's required name
        body = b"<!doctype html><title>Another site</title>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def app_origin():
    """Another site on this machine (on loopback, as the API is: Chromium keeps pages on public
    addresses from reading loopback ones whatever CORS says)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), AppPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def app_page(page, app_origin):
    page.goto(f"{app_origin}/")
    return page


def test_an_allowed_site_reads_and_revalidates_the_api(app_page, app_origin, site_url, settings):
    settings.NEWSBLOG_API_CORS_ORIGINS = settings.CORS_ALLOWED_ORIGINS = [app_origin]
    settings.CORS_URLS_REGEX = r"^/api/"
    make_article(title="Ferries run late")
    result = app_page.evaluate(READ_TWICE, f"{site_url}/api/articles/")
    assert result["status"] == 200
    assert result["titles"] == ["Ferries run late"]
    assert result["etag"].startswith('W/"')  # exposed to the page
    assert result["again"] == 304  # after a preflight for If-None-Match


def test_without_cors_origins_the_browser_keeps_the_api_from_other_sites(app_page, site_url):
    make_article()
    error = app_page.evaluate(
        "async (url) => { try { await fetch(url); return null; } catch (e) { return e.message; } }",
        f"{site_url}/api/articles/",
    )
    assert error == "Failed to fetch"
