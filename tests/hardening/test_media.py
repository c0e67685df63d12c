"""Uploaded files can never run script on the site's origin, whatever their name or content."""

import pytest

pytestmark = pytest.mark.django_db

HOSTILE_FILES = {
    "page.html": b"<!doctype html><script>alert(document.cookie)</script>",
    "drawing.svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>x()</script></svg>',
    "note.xhtml": b'<html xmlns="http://www.w3.org/1999/xhtml"><script>alert(3)</script></html>',
    "image.jpg": b"<html><script>alert(4)</script></html>",  # a lie about its type: nosniff keeps it one
    "no-extension": b"<script>alert(5)</script>",
}


@pytest.fixture
def media_root(settings, tmp_path):
    root = tmp_path / "media"
    (root / "articles").mkdir(parents=True)
    for name, content in HOSTILE_FILES.items():
        (root / "articles" / name).write_bytes(content)
    settings.MEDIA_ROOT = root
    return root


@pytest.mark.parametrize("name", HOSTILE_FILES)
def test_uploaded_file_is_served_sandboxed_and_unsniffable(client, media_root, name):
    response = client.get(f"/media/articles/{name}")
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = [part.strip() for part in response["Content-Security-Policy"].split(";")]
    assert "default-src 'none'" in policy
    assert "sandbox" in policy
    # The page CSP (which allows 'self' scripts) must not be what the browser sees for media.
    assert "script-src 'self'" not in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    "path",
    [
        "/media/../../etc/passwd",
        "/media/..%2f..%2fetc%2fpasswd",
        "/media/articles/..%2f..%2f..%2fnewsblog%2fsettings.py",
        "/media/%2fetc%2fpasswd",
        "/media/articles/%00page.html",
        "/media/articles/",
        "/media/articles/missing.html",
    ],
)
def test_traversal_and_missing_media_are_refused(client, media_root, path):
    response = client.get(path)
    assert 400 <= response.status_code < 500
    assert b"root:" not in response.content
    assert b"SECRET_KEY" not in response.content
