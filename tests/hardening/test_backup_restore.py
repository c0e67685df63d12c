"""The restore drill: make a site, back it up, lose everything, restore, and prove nothing changed."""

import io
import json
import os
import shutil
import tarfile
from pathlib import Path

import pytest

from tests.hardening.servers import clean_env, manage

ON_POSTGRESQL = os.environ.get("DATABASE_URL", "").startswith("postgres")

CONTENT = """
from datetime import timedelta
from django.utils import timezone
from articles.models import Article
from tests.factories import make_comment, make_user

reader = make_user(username="restored_reader", password="a sturdy passphrase 42")
article = Article.objects.filter(lead_image__gt="").first()
old = timezone.now() - timedelta(days=3)
make_comment(article=article, author=reader, body="Kept through the restore", created_at=old)
make_comment(article=article, author=reader, body="Hidden, and kept hidden", state="hidden", created_at=old)
print(article.get_absolute_url())
"""

SNAPSHOT = """
import hashlib, json
from pathlib import Path
from django.conf import settings
from django.test import Client
from accounts.models import User
from articles.models import Article
from comments.models import Comment
from newsblog.backup import applied_migrations, row_counts

media = Path(settings.MEDIA_ROOT)
print(json.dumps({
    "tables": row_counts(),
    "migrations": applied_migrations(),
    "articles": list(Article.objects.order_by("pk").values_list("slug", "title", "body_html", "status",
                                                                 "lead_image", "lead_image_renditions")),
    "users": list(User.objects.order_by("pk").values_list("username", "email", "password", "is_staff")),
    "comments": list(Comment.objects.order_by("pk").values_list("body", "state", "author__username")),
    "media": {p.relative_to(media).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
              for p in sorted(media.rglob("*")) if p.is_file()},
    "page": Client().get("{url}").content.decode(),
}))
"""

LOGIN = """
from django.test import Client
client = Client()
credentials = {"username": "restored_reader", "password": "a sturdy passphrase 42"}
response = client.post("/accounts/login/", credentials)
print(response.status_code, client.get("/accounts/profile/").status_code)
"""


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(request, tmp_path_factory):
    """Environment variables for a site of its own: a database and a media folder nobody else uses."""
    tmp_path = tmp_path_factory.mktemp(request.param)
    if (request.param == "postgresql") != ON_POSTGRESQL:
        pytest.skip(f"the {request.param} drill runs in the {request.param} pass of the suite")
    if request.param == "sqlite":
        database = tmp_path / "site.sqlite3"
        yield clean_env(DATABASE_URL=f"sqlite:///{database}", MEDIA_ROOT=str(tmp_path / "media"))
        return
    import psycopg

    admin_url = os.environ["DATABASE_URL"]
    name = f"newsblog_drill_{os.getpid()}"
    base = admin_url.rsplit("/", 1)[0]

    def recreate():
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')

    recreate()
    env = clean_env(DATABASE_URL=f"{base}/{name}", MEDIA_ROOT=str(tmp_path / "media"))
    env["_recreate"] = recreate
    yield env
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


def run(env, *args):
    variables = {k: v for k, v in env.items() if isinstance(v, str)}
    return manage(*args, env={**variables, "DJANGO_ALLOWED_HOSTS": "testserver"})


def lose_everything(env):
    shutil.rmtree(env["MEDIA_ROOT"])
    if "_recreate" in env:
        env["_recreate"]()
    else:
        Path(env["DATABASE_URL"].removeprefix("sqlite:///")).unlink()


def snapshot(env, url):
    return json.loads(run(env, "shell", "-c", SNAPSHOT.replace("{url}", url)).stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def backed_up(site, tmp_path_factory):
    """The site with content (articles with images, users, comments) and its backup: (url, archive)."""
    run(site, "migrate", "--noinput")
    run(site, "load_demo_content")
    url = run(site, "shell", "-c", CONTENT).stdout.strip().splitlines()[-1]
    folder = tmp_path_factory.mktemp("backups")
    archive = run(site, "backup", "--output", str(folder)).stdout.strip().splitlines()[-1]
    return url, Path(archive), snapshot(site, url)


def test_a_backup_restores_into_an_empty_site_exactly(site, backed_up):
    url, archive, before = backed_up
    assert before["media"], "the demo content has lead images"
    assert archive.name.startswith("newsblog-backup-") and archive.suffix == ".tar"
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["tables"] == before["tables"]
    assert manifest["media"] == before["media"]
    assert manifest["migrations"] == before["migrations"]

    lose_everything(site)
    restored = run(site, "restore", str(archive)).stdout
    assert "Restored and verified" in restored

    after = snapshot(site, url)
    assert after == before  # every row count, the sampled rows, every media checksum, the page
    assert run(site, "shell", "-c", LOGIN).stdout.split()[-2:] == ["302", "200"]


def test_restore_refuses_a_site_that_is_not_empty_unless_forced(site, backed_up):
    url, archive, before = backed_up
    with pytest.raises(Exception) as refused:
        run(site, "restore", str(archive))
    assert "not empty" in refused.value.stderr
    assert "Restored and verified" in run(site, "restore", "--force", str(archive)).stdout
    assert snapshot(site, url) == before


def test_restore_refuses_an_archive_from_newer_code_or_a_damaged_one(site, backed_up, tmp_path):
    url, archive, before = backed_up
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}

    def rewritten(name, change):
        path = tmp_path / name
        with tarfile.open(path, "w") as tar:
            for member, data in change(dict(members)).items():
                info = tarfile.TarInfo(member)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        return path

    newer = {**manifest, "migrations": [*manifest["migrations"], "articles.9999_from_the_future"]}
    future = rewritten("future.tar", lambda m: {**m, "manifest.json": json.dumps(newer).encode()})
    database = manifest["database"]["file"]
    damaged = rewritten("damaged.tar", lambda m: {**m, database: m[database][:-100] + b"\0" * 100})
    missing = tmp_path / "nothing.tar"
    for path, reason in [(future, "newer code"), (damaged, "damaged"), (missing, "no archive")]:
        with pytest.raises(Exception) as refused:
            run(site, "restore", "--force", str(path))
        assert reason in refused.value.stderr
    assert snapshot(site, url) == before  # refused before anything was touched
