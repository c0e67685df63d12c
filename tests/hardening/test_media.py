"""Uploaded files can never run script on the site's origin, whatever their name or content, and stored
images carry nothing about where, when or with what they were taken."""

import io
from pathlib import Path

import pytest
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from PIL import Image

from articles.models import Article
from tests.articles.test_admin import (
    IDENTIFYING_NAME,
    assert_carries_nothing_but_pixels,
    assert_page_shows_only_clean_images,
    assert_server_named,
    telltale_jpeg,
)
from tests.factories import image_upload, make_article

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


# What is stored: every path that saves an article image stores pixels only, under a server-made name.


def stored_files():
    root = Path(default_storage.location)
    return {
        path.relative_to(root).as_posix(): path.read_bytes() for path in root.rglob("*") if path.is_file()
    }


def assert_article_images_clean(article):
    assert_server_named(article.lead_image.name, article.lead_image.name.rsplit(".", 1)[-1])
    assert article.lead_image_renditions
    for name in [article.lead_image.name, *(r["name"] for r in article.lead_image_renditions)]:
        with default_storage.open(name) as stored:
            assert_carries_nothing_but_pixels(stored.read())


def test_article_saved_from_code_stores_a_clean_image(tmp_path):
    photo = tmp_path / IDENTIFYING_NAME
    photo.write_bytes(telltale_jpeg())
    with photo.open("rb") as handle:
        article = make_article(lead_image=File(handle, name=photo.name), lead_image_alt="A street")
    article.refresh_from_db()
    assert_article_images_clean(article)
    assert set(stored_files()) == {
        article.lead_image.name,
        *(r["name"] for r in article.lead_image_renditions),
    }


def test_field_file_save_stores_a_clean_image():
    article = make_article()
    article.lead_image_alt = "A street"
    article.lead_image.save(IDENTIFYING_NAME, ContentFile(telltale_jpeg()))  # saves the article too
    article.refresh_from_db()
    assert_article_images_clean(article)


def test_demo_content_images_are_clean():
    call_command("load_demo_content", stdout=io.StringIO())
    with_images = Article.objects.exclude(lead_image="")
    assert with_images.exists()
    for article in with_images:
        assert_article_images_clean(article)


# clean_media: images stored before every path cleaned them.


def store_as_before_the_fix(article, original, renditions=()):
    """Point an article at files written straight to storage, as uploads were once kept."""
    name = default_storage.save(f"articles/{IDENTIFYING_NAME}", ContentFile(original))
    stored = [{"width": w, "height": h, "name": default_storage.save(f"articles/{n}", ContentFile(data))}
              for w, h, n, data in renditions]  # fmt: skip
    Article.objects.filter(pk=article.pk).update(
        lead_image=name, lead_image_width=1200, lead_image_height=800, lead_image_renditions=stored
    )
    article.refresh_from_db()
    return [name, *(r["name"] for r in stored)]


def telltale_rendition():
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "SnoopCam"
    Image.new("RGB", (480, 320), (1, 2, 3)).save(buffer, "WEBP", exif=exif)
    return buffer.getvalue()


def editor_upload_as_before_the_fix():
    buffer = io.BytesIO()
    frames = [Image.new("RGB", (60, 40), color) for color in ((255, 0, 0), (0, 0, 255))]
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], comment=b"SnoopCam at 51.5007")
    return default_storage.save(
        "markdownx/0123456789abcdef0123456789abcdef.gif", ContentFile(buffer.getvalue())
    )


def run_clean_media(*args):
    out = io.StringIO()
    call_command("clean_media", *args, stdout=out)
    return out.getvalue()


def test_clean_media_recleans_old_images_and_leaves_clean_ones_alone(client):
    dirty = make_article(title="Old upload")
    old_files = store_as_before_the_fix(
        dirty, telltale_jpeg(), [(480, 320, "IMG_2041 Jane Doe-480w.webp", telltale_rendition())]
    )
    updated_at = dirty.updated_at
    tidy = make_article(title="New upload", lead_image=image_upload(), lead_image_alt="Fine")
    editor_file = editor_upload_as_before_the_fix()
    assert client.get(dirty.get_absolute_url()).status_code == 200  # a copy is cached with the old URLs
    tidy_before = {name: data for name, data in stored_files().items() if name not in old_files}

    output = run_clean_media()

    assert "Lead images: cleaned 1, 1 already clean." in output
    assert "Editor uploads: cleaned 1, 0 already clean." in output
    dirty.refresh_from_db()
    assert_article_images_clean(dirty)
    assert (dirty.lead_image_width, dirty.lead_image_height) == (800, 1200)
    assert dirty.updated_at == updated_at  # the public "Updated on" date is not an edit's
    assert not any(default_storage.exists(name) for name in old_files)
    with default_storage.open(editor_file) as stored:  # same name: the article body links to it
        assert_carries_nothing_but_pixels(stored.read())
    after = stored_files()
    assert {name: after[name] for name in tidy_before if name != editor_file} == {
        name: data for name, data in tidy_before.items() if name != editor_file
    }
    assert_page_shows_only_clean_images(client, dirty)
    assert_page_shows_only_clean_images(client, tidy)

    # Idempotent: a second run finds nothing to do and changes nothing.
    assert "Lead images: cleaned 0, 2 already clean." in run_clean_media()
    assert stored_files() == after


def test_clean_media_dry_run_changes_nothing():
    article = make_article()
    old_files = store_as_before_the_fix(article, telltale_jpeg())
    before = stored_files()
    output = run_clean_media("--dry-run")
    assert f"Would clean article {article.pk}" in output
    assert "Lead images: would clean 1, 0 already clean." in output
    assert stored_files() == before
    article.refresh_from_db()
    assert article.lead_image.name == old_files[0]


def test_clean_media_reports_what_it_could_not_clean_and_cleans_the_rest():
    missing = make_article(slug="missing-file")
    Article.objects.filter(pk=missing.pk).update(
        lead_image="articles/gone.jpg", lead_image_width=1200, lead_image_height=800
    )
    dirty = make_article(slug="dirty")
    store_as_before_the_fix(dirty, telltale_jpeg())
    with pytest.raises(CommandError, match="missing-file"):
        run_clean_media()
    dirty.refresh_from_db()
    assert_article_images_clean(dirty)
