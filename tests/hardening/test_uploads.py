"""Uploads when the media disk is full or read-only: a clear error, nothing half-written, nothing half-saved.

The failures are real: MEDIA_ROOT is a small tmpfs mounted for the test, filled up or remounted
read-only (we run as root here and in CI). Where mounting is not permitted the tests skip with the
reason, and fail under CI=true.
"""

import io
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from PIL import Image

from articles.images import STORAGE_FAILED, ImageStorageError, encode_image, pixels_only
from articles.models import Article
from tests.articles.test_admin import article_form
from tests.factories import image_upload, make_article, make_category, make_staff
from tests.hardening.servers import ROOT, clean_env

pytestmark = pytest.mark.django_db

FILLER = "filler"
MESSAGE = "The image could not be stored: the media storage is full or read-only."


def unavailable(reason):
    message = f"A real full or read-only disk needs a tmpfs mount, which is not available here: {reason}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


class Tmpfs:
    """A tmpfs of `size` bytes mounted on `path`: filled to leave a few bytes, or remounted read-only."""

    def __init__(self, path, size):
        self.path = path
        self.size = size

    def mount(self):
        if shutil.which("mount") is None:
            unavailable("no mount command")
        self.path.mkdir(parents=True, exist_ok=True)
        options = f"size={self.size},mode=0755"
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "newsblog-test-media", str(self.path)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            unavailable(result.stderr.strip() or f"mount exited with {result.returncode}")
        return self

    def unmount(self):
        if subprocess.run(["umount", str(self.path)], capture_output=True, check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(self.path)], capture_output=True, check=False)

    def free(self):
        stat = os.statvfs(self.path)
        return stat.f_bavail * stat.f_frsize

    def fill(self, leave=0):
        """Write a filler file until only `leave` bytes (rounded to whole blocks) are free."""
        with open(self.path / FILLER, "ab") as filler:
            while self.free() > leave:
                try:
                    filler.write(b"\0" * min(65536, max(1, self.free() - leave)))
                    filler.flush()
                except OSError:  # ENOSPC: full
                    break
        return self

    def make_read_only(self):
        result = subprocess.run(
            ["mount", "-o", "remount,ro", str(self.path)], capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            unavailable(result.stderr.strip())
        return self

    def files(self):
        """Every file on the disk (the filler aside), as media names."""
        return sorted(
            path.relative_to(self.path).as_posix()
            for path in self.path.rglob("*")
            if path.is_file() and path.name != FILLER
        )


@pytest.fixture
def media_disk(settings, tmp_path):
    disk = Tmpfs(tmp_path / "media-disk", size=2 * 1024 * 1024).mount()
    settings.MEDIA_ROOT = disk.path
    try:
        yield disk
    finally:
        disk.unmount()


@pytest.fixture
def staff_client(client):
    client.staff = make_staff(is_superuser=True)
    client.force_login(client.staff)
    return client


def noisy_jpeg(size=(1200, 800)):
    """A photo-like JPEG: noise does not compress, so its renditions are large too."""
    buffer = io.BytesIO()
    Image.effect_noise(size, 80).convert("RGB").save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def post_article(client, upload, **overrides):
    data = article_form(make_category(), client.staff, lead_image=upload, lead_image_alt="A photo")
    data.update(overrides)
    return client.post("/admin/articles/article/add/", data)


def assert_site_still_serves(client, article):
    assert client.get("/").status_code == 200
    assert client.get(article.get_absolute_url()).status_code == 200
    assert client.get("/admin/articles/article/").status_code == 200


def test_admin_upload_to_a_full_disk_is_a_form_error_and_leaves_nothing(staff_client, media_disk):
    existing = make_article(title="Already published")
    media_disk.fill()
    response = post_article(staff_client, image_upload(name="holiday.jpg"), title="New one", slug="new-one")
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert response.context["adminform"].form.errors["lead_image"] == [STORAGE_FAILED]
    assert not Article.objects.filter(slug="new-one").exists()
    assert media_disk.files() == []  # not even an empty or partial file
    assert_site_still_serves(staff_client, existing)


def test_admin_upload_that_only_partly_fits_removes_the_partial_file(staff_client, media_disk):
    media_disk.fill(leave=16 * 1024)  # room for the start of the original, not all of it
    response = post_article(staff_client, SimpleUploadedFile("photo.jpg", noisy_jpeg()))
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert not Article.objects.exists()
    assert media_disk.files() == []


def test_a_failing_rendition_removes_the_original_and_the_renditions_before_it(
    staff_client, media_disk, caplog
):
    data = noisy_jpeg()
    with Image.open(io.BytesIO(data)) as image:
        original = len(encode_image(pixels_only(image, "JPEG"), "JPEG"))
    # The original and the first rendition fit; a later rendition does not.
    media_disk.fill(leave=original + 120 * 1024)
    response = post_article(staff_client, SimpleUploadedFile("photo.jpg", data))
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    removed = int(re.search(r"removing the (\d+) file", caplog.text).group(1))
    assert removed >= 3  # the original, at least one rendition, and the one that failed
    assert not Article.objects.exists()
    assert media_disk.files() == []


def test_replacing_an_image_on_a_full_disk_keeps_the_article_as_it_was(staff_client, media_disk):
    article = make_article(author=staff_client.staff, lead_image=image_upload(), lead_image_alt="Before")
    before = (article.lead_image.name, article.lead_image_renditions, article.title)
    kept = media_disk.files()
    media_disk.fill()
    data = article_form(article.category, staff_client.staff, slug=article.slug, title="A new title")
    data["published_at_0"] = article.published_at.strftime("%Y-%m-%d")
    data["published_at_1"] = article.published_at.strftime("%H:%M:%S")
    data.update(lead_image=image_upload(), lead_image_alt="After")
    response = staff_client.post(f"/admin/articles/article/{article.pk}/change/", data)
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    article.refresh_from_db()
    assert (article.lead_image.name, article.lead_image_renditions, article.title) == before
    assert media_disk.files() == kept
    assert_site_still_serves(staff_client, article)
    assert staff_client.get(article.lead_image.url).status_code == 200


def test_admin_upload_to_a_read_only_disk_is_a_form_error(staff_client, media_disk):
    existing = make_article()
    media_disk.make_read_only()
    response = post_article(staff_client, image_upload(), slug="new-one")
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["lead_image"] == [STORAGE_FAILED]
    assert not Article.objects.filter(slug="new-one").exists()
    assert media_disk.files() == []
    assert_site_still_serves(staff_client, existing)


def editor_upload(client, upload):
    return client.post("/markdownx/upload/", {"image": upload}, HTTP_X_REQUESTED_WITH="XMLHttpRequest")


@pytest.mark.parametrize("failure", ["full", "partly-full", "read-only"])
def test_editor_upload_on_a_failing_disk_answers_a_json_error(staff_client, media_disk, failure):
    if failure == "read-only":
        media_disk.make_read_only()
    else:
        media_disk.fill(leave=16 * 1024 if failure == "partly-full" else 0)
    response = editor_upload(staff_client, SimpleUploadedFile("photo.jpg", noisy_jpeg()))
    assert response.status_code == 507
    assert response.json() == {"image": [STORAGE_FAILED]}
    assert media_disk.files() == []


def test_saving_an_article_from_code_on_a_full_disk_raises_and_saves_nothing(media_disk):
    media_disk.fill()
    with pytest.raises(ImageStorageError):
        make_article(slug="from-code", lead_image=image_upload(), lead_image_alt="A photo")
    assert not Article.objects.filter(slug="from-code").exists()
    assert media_disk.files() == []


def test_files_are_removed_when_the_row_cannot_be_saved(settings):
    make_article(slug="taken")
    media = Path(settings.MEDIA_ROOT)
    before = sorted(media.rglob("*.*")) if media.exists() else []
    article = Article(
        slug="taken", title="Same slug", author=make_staff(), category=make_category(), summary="One.",
        body="Text.", lead_image=image_upload(), lead_image_alt="A photo",
    )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        article.save()
    assert sorted(media.rglob("*.*")) == before


PRODUCTION_PROBE = """
import json, os, sys, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from articles.models import Article
from tests.articles.test_admin import article_form
from tests.factories import image_bytes, make_article, make_category, make_staff

existing = make_article(title="Already published")
staff = make_staff(is_superuser=True)
client = Client(raise_request_exception=False)
client.force_login(staff)

def photo():
    return SimpleUploadedFile("IMG_2041.jpg", image_bytes(), content_type="image/jpeg")

def attempt(slug):
    form = article_form(make_category(), staff, slug=slug, lead_image=photo(), lead_image_alt="A photo")
    admin = client.post("/admin/articles/article/add/", form, secure=True)
    editor = client.post(
        "/markdownx/upload/", {"image": photo()}, secure=True, HTTP_X_REQUESTED_WITH="XMLHttpRequest"
    )
    return {
        "admin": [admin.status_code, admin.content.decode()],
        "editor": [editor.status_code, editor.content.decode()],
        "saved": Article.objects.filter(slug=slug).exists(),
        "home": client.get("/", secure=True).status_code,
        "article": client.get(existing.get_absolute_url(), secure=True).status_code,
    }

result = {"full": attempt("on-a-full-disk")}  # MEDIA_ROOT from the environment, as in production
with override_settings(MEDIA_ROOT=sys.argv[1]):
    result["read-only"] = attempt("on-a-read-only-disk")
print("PROBE" + json.dumps(result))
"""


def test_production_settings_answer_a_failing_media_disk_without_a_500(
    media_disk, tmp_path, collected_static
):
    """The same, in a fresh DJANGO_DEBUG=0 process: MEDIA_ROOT on a full disk, then on a read-only one."""
    media_disk.fill()
    read_only = Tmpfs(tmp_path / "read-only-disk", size=64 * 1024).mount()
    try:
        read_only.make_read_only()
        env = clean_env(
            DJANGO_SETTINGS_MODULE="newsblog.settings",
            DJANGO_DEBUG="0",
            DJANGO_SECRET_KEY=secrets.token_urlsafe(48),
            DJANGO_ALLOWED_HOSTS="testserver",
            DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
            MEDIA_ROOT=str(media_disk.path),
            NEWSBLOG_PAGE_CACHE="0",
        )
        result = subprocess.run(
            [sys.executable, "-c", PRODUCTION_PROBE, str(read_only.path)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr[-3000:]
        assert read_only.files() == []
    finally:
        read_only.unmount()
    probe = json.loads(next(line for line in result.stdout.splitlines() if line.startswith("PROBE"))[5:])
    for failure in ("full", "read-only"):
        status, html = probe[failure]["admin"]
        assert status == 200 and MESSAGE in html, failure
        assert probe[failure]["editor"] == [507, json.dumps({"image": [STORAGE_FAILED]})]
        assert not probe[failure]["saved"]
        assert (probe[failure]["home"], probe[failure]["article"]) == (200, 200)
    assert media_disk.files() == []
