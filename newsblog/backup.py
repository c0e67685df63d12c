"""One archive holds the whole site: the database, the media files and a manifest to check them by.

    newsblog-backup-20261204T183000Z.tar
        manifest.json      row counts per table, a checksum per media file, the applied migrations,
                           the app's version, the database file's checksum
        database.dump      PostgreSQL: pg_dump's custom format
        database.sqlite3   SQLite: a consistent copy made with SQLite's online backup API
        media/...          every uploaded file

Written here rather than with django-dbbackup: it backs up the database and the media as separate
files with no manifest, so it can neither refuse an archive from newer code nor prove a restore.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import tomllib
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

FORMAT = 1
MANIFEST = "manifest.json"
DUMP = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}


class BackupError(Exception):
    """A backup or restore that must not go on; the message says why, for the operator."""


# --- Backing up --------------------------------------------------------------------------------------


def back_up(output_dir):
    """Write one archive into `output_dir` and return its path."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = output_dir / f"newsblog-backup-{stamp}.tar"
    with tempfile.TemporaryDirectory(prefix="newsblog-backup-") as work:
        work = Path(work)
        dump = work / DUMP[_vendor()]
        tables, migrations = _dump_database(dump)
        media = _media_checksums(Path(settings.MEDIA_ROOT))
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(),
            "app_version": app_version(),
            "database": {"vendor": _vendor(), "file": dump.name, "sha256": _sha256(dump)},
            "tables": tables,
            "migrations": migrations,
            "media": media,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
        partial = target.with_suffix(".tar.partial")
        with tarfile.open(partial, "w") as archive:
            archive.add(work / MANIFEST, MANIFEST)
            archive.add(dump, dump.name)
            for name in media:
                archive.add(Path(settings.MEDIA_ROOT) / name, f"media/{name}")
        partial.rename(target)  # a half-written archive never carries the final name
    return target


def _vendor():
    if connection.vendor not in DUMP:
        raise BackupError(f"backups support PostgreSQL and SQLite, not {connection.vendor}")
    return connection.vendor


def _dump_database(dump):
    """Dump the database and count its rows from the same snapshot: (row counts, migrations)."""
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
            # pg_dump reads exactly what this transaction sees, while it is open.
            _run(["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={dump}"])
            return row_counts(), applied_migrations()
    connection.ensure_connection()
    with sqlite3.connect(dump) as copy:
        connection.connection.backup(copy)
    with _sqlite_connection(dump) as copy:
        return _sqlite_counts(copy), _sqlite_migrations(copy)


def _media_checksums(root):
    if not root.is_dir():
        return {}
    return {
        path.relative_to(root).as_posix(): _sha256(path)
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }


def row_counts():
    with connection.cursor() as cursor:
        counts = {}
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
        return counts


def applied_migrations():
    applied = MigrationRecorder(connection).applied_migrations()
    return sorted(f"{app}.{name}" for app, name in applied)


def _sqlite_counts(copy):
    tables = [row[0] for row in copy.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {
        table: copy.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]  # noqa: S608
        for table in sorted(tables)
        if not table.startswith("sqlite_")
    }


def _sqlite_migrations(copy):
    return sorted(f"{app}.{name}" for app, name in copy.execute("SELECT app, name FROM django_migrations"))


class _sqlite_connection:
    """sqlite3's own context manager commits but never closes; this one closes."""

    def __init__(self, path):
        self.db = sqlite3.connect(path)

    def __enter__(self):
        return self.db

    def __exit__(self, *exc):
        self.db.close()


def app_version():
    version = tomllib.loads((Path(settings.BASE_DIR) / "pyproject.toml").read_text())["project"]["version"]
    try:
        commit = subprocess.run(  # noqa: S603 - fixed arguments
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - git from PATH, where installed
            cwd=settings.BASE_DIR, capture_output=True, text=True, check=True, timeout=10,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return version  # an image without the repository
    return f"{version}+{commit}"


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _run(command):
    """pg_dump / pg_restore against the configured database; the password goes by environment."""
    db = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    target = ["--host", db.get("HOST") or "localhost", "--port", str(db.get("PORT") or 5432)]
    target += ["--username", db.get("USER") or "postgres", "--dbname", db["NAME"]]
    try:
        # Our own arguments: the command, the dump file and the configured database.
        subprocess.run([*command, *target], env=env, check=True, capture_output=True, text=True)  # noqa: S603
    except FileNotFoundError as exc:
        hint = "Debian: apt-get install postgresql-client"
        raise BackupError(f"{command[0]} is not installed ({hint})") from exc
    except subprocess.CalledProcessError as exc:
        raise BackupError(f"{command[0]} failed: {exc.stderr.strip()}") from exc


# --- Restoring ---------------------------------------------------------------------------------------


def restore(archive_path, *, force=False):
    """Restore an archive into an empty database and media folder, then check it against its
    manifest. Returns the manifest."""
    archive_path = Path(archive_path)
    if not archive_path.is_file():
        raise BackupError(f"no archive at {archive_path}")
    try:
        archive = tarfile.open(archive_path)
    except tarfile.TarError as exc:
        raise BackupError(f"{archive_path} is not a newsblog backup (not a tar archive)") from exc
    with archive, tempfile.TemporaryDirectory(prefix="newsblog-restore-") as work:
        manifest = _read_manifest(archive)
        _check_compatible(manifest)
        media_root = Path(settings.MEDIA_ROOT)
        if not force:
            _check_empty(media_root)
        dump = Path(work) / manifest["database"]["file"]
        _extract(archive, manifest["database"]["file"], dump)
        if _sha256(dump) != manifest["database"]["sha256"]:
            raise BackupError("the database file in the archive is damaged (checksum mismatch)")
        _restore_database(dump, force=force)
        if force and media_root.is_dir():
            shutil.rmtree(media_root)
        for name in manifest["media"]:
            _extract(archive, f"media/{name}", media_root / _safe_relative(name))
    verify(manifest)
    return manifest


def _read_manifest(archive):
    try:
        manifest = json.load(archive.extractfile(MANIFEST))
    except (KeyError, AttributeError, ValueError) as exc:
        raise BackupError("this is not a newsblog backup (no readable manifest.json)") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    return manifest


def _check_compatible(manifest):
    vendor = manifest["database"]["vendor"]
    if vendor != connection.vendor:
        raise BackupError(f"the archive holds a {vendor} database; this site runs {connection.vendor}")
    on_disk = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    known = {f"{app}.{name}" for app, name in on_disk}
    newer = sorted(set(manifest["migrations"]) - known)
    if newer:
        raise BackupError(
            "the archive comes from newer code (migrations this code does not have: "
            f"{', '.join(newer[:5])}{'…' if len(newer) > 5 else ''}); upgrade the code first"
        )


def _check_empty(media_root):
    tables = connection.introspection.table_names()
    if tables:
        raise BackupError(
            f"the database is not empty ({len(tables)} tables); restore into a new, empty database, "
            "or pass --force to replace everything in it"
        )
    if media_root.is_dir() and any(media_root.iterdir()):
        raise BackupError(f"the media folder {media_root} is not empty; pass --force to replace it")


def _restore_database(dump, *, force):
    if connection.vendor == "postgresql":
        options = ["--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error"]
        if force:
            options += ["--clean", "--if-exists"]
        connection.close()
        _run(["pg_restore", *options, str(dump)])
        return
    connection.ensure_connection()
    with _sqlite_connection(dump) as source:
        source.backup(connection.connection)  # replaces the whole database, whatever was in it


def _safe_relative(name):
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts:
        raise BackupError(f"refusing an archive member outside the media folder: {name}")
    return Path(*path.parts)


def _extract(archive, member, destination):
    try:
        source = archive.extractfile(member)
    except KeyError as exc:
        raise BackupError(f"the archive lacks {member}") from exc
    destination.parent.mkdir(parents=True, exist_ok=True)
    with source, open(destination, "wb") as out:
        shutil.copyfileobj(source, out)


def verify(manifest):
    """The restored database and media match the manifest, or BackupError says what differs."""
    problems = []
    counts = row_counts()
    for table, expected in manifest["tables"].items():
        if counts.get(table) != expected:
            problems.append(f"table {table}: {counts.get(table)} rows, the backup had {expected}")
    if applied_migrations() != manifest["migrations"]:
        problems.append("the applied migrations differ from the backup's")
    media_root = Path(settings.MEDIA_ROOT)
    for name, checksum in manifest["media"].items():
        path = media_root / _safe_relative(name)
        if not path.is_file() or _sha256(path) != checksum:
            problems.append(f"media file {name} is missing or differs")
    if problems:
        raise BackupError("the restore does not match the backup: " + "; ".join(problems[:10]))
