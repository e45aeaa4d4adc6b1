"""`aftersales backup <file>`: backup and restore of the whole system, one command each (S22).

One archive (`.tar.gz`) holds `manifest.json`, the database and the media directory (attachments,
signatures). SQLite is copied with the sqlite3 online-backup API, which gives a consistent copy
while the server keeps running (WAL); PostgreSQL goes through `pg_dump -Fc` / `pg_restore`. The
Huey queue and the generated secret key are not part of a backup: the queue is transient and a
new machine may have its own key (users log in again)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

FORMAT = 1


class BackupError(Exception):
    pass


def _db() -> dict[str, Any]:
    return dict(settings.DATABASES["default"])


def engine_name() -> str:
    engine = _db()["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if "postgresql" in engine:
        return "postgresql"
    raise BackupError(f"backup does not support the database engine {engine}")


def _sqlite_connect(name: str, timeout: float = 30) -> sqlite3.Connection:
    return sqlite3.connect(name, timeout=timeout, uri=name.startswith("file:"))


def _pg_env() -> tuple[list[str], dict[str, str]]:
    db = _db()
    args = []
    if db.get("HOST"):
        args += ["-h", str(db["HOST"])]
    if db.get("PORT"):
        args += ["-p", str(db["PORT"])]
    if db.get("USER"):
        args += ["-U", str(db["USER"])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _run(cmd: list[str], env: dict[str, str]) -> None:
    if shutil.which(cmd[0]) is None:
        raise BackupError(f"{cmd[0]} is not installed (Debian: apt-get install postgresql-client)")
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{cmd[0]} failed: {result.stderr.strip()}")


def _dump_database(workdir: Path) -> str:
    engine = engine_name()
    if engine == "sqlite":
        target = workdir / "database.sqlite3"
        source = _sqlite_connect(str(_db()["NAME"]))
        copy = sqlite3.connect(str(target))
        try:
            with copy:
                source.backup(copy)
        finally:
            copy.close()
            source.close()
        return target.name
    args, env = _pg_env()
    target = workdir / "database.pgdump"
    _run(
        [
            "pg_dump",
            "-Fc",
            "--no-owner",
            "--no-privileges",
            *args,
            "-f",
            str(target),
            _db()["NAME"],
        ],
        env,
    )
    return target.name


def backup(path: Path) -> dict[str, Any]:
    """Write the archive to `path` (atomically: a partial archive never replaces a good one)."""
    path = Path(path)
    media = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="aftersales-backup-") as tmp:
        workdir = Path(tmp)
        db_file = _dump_database(workdir)
        files = [p for p in media.rglob("*") if p.is_file()] if media.exists() else []
        manifest = {
            "format": FORMAT,
            "engine": engine_name(),
            "database": db_file,
            "media_files": len(files),
            "created_at": datetime.now(UTC).isoformat(),
        }
        (workdir / "manifest.json").write_text(json.dumps(manifest, indent=2))
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(workdir / "manifest.json", arcname="manifest.json")
            tar.add(workdir / db_file, arcname=db_file)
            if media.exists():
                tar.add(media, arcname="media")
        partial.replace(path)
    return manifest


def read_manifest(path: Path) -> dict[str, Any]:
    try:
        with tarfile.open(path, "r:gz") as tar:
            member = tar.extractfile("manifest.json")
            if member is None:
                raise KeyError
            manifest = json.loads(member.read())
    except (OSError, KeyError, tarfile.TarError, json.JSONDecodeError) as exc:
        raise BackupError(f"{path} is not an Aftersales backup archive ({exc})")
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unsupported backup format {manifest.get('format')}")
    return manifest


def restore(path: Path) -> dict[str, Any]:
    """Replace the database and the media directory with the archive's. Stop the server and the
    workers first: open connections would keep writing to the old data."""
    path = Path(path)
    manifest = read_manifest(path)
    engine = engine_name()
    if manifest["engine"] != engine:
        raise BackupError(
            f"the backup is of a {manifest['engine']} database but this system runs on {engine}; "
            "restore it on the same kind of database"
        )
    media = Path(settings.MEDIA_ROOT)
    media.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="aftersales-restore-", dir=media.parent) as tmp:
        workdir = Path(tmp)
        with tarfile.open(path, "r:gz") as tar:
            tar.extractall(workdir, filter="data")
        db_file = workdir / manifest["database"]
        connections.close_all()
        if engine == "sqlite":
            source = sqlite3.connect(str(db_file))
            target = _sqlite_connect(str(_db()["NAME"]), timeout=30)
            try:
                # The backup API copies page by page into the live file under its lock, so the
                # WAL and any reader stay consistent (no file swapping underneath them).
                source.backup(target)
            finally:
                target.close()
                source.close()
        else:
            args, env = _pg_env()
            _run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--no-privileges",
                    "--single-transaction",
                    *args,
                    "-d",
                    _db()["NAME"],
                    str(db_file),
                ],
                env,
            )
        restored_media = workdir / "media"
        old = media.with_name(media.name + ".before-restore")
        if old.exists():
            shutil.rmtree(old)
        if media.exists():
            media.rename(old)
        if restored_media.exists():
            restored_media.rename(media)
        else:
            media.mkdir(parents=True)
        if old.exists():
            shutil.rmtree(old)
    return manifest


class Command(BaseCommand):
    help = "Back up the database and the media files into one archive (.tar.gz)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="archive to write, e.g. aftersales-2026-05-01.tar.gz")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = backup(Path(options["file"]))
        except BackupError as exc:
            raise CommandError(str(exc))
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up the {manifest['engine']} database and {manifest['media_files']} "
                f"media file(s) to {options['file']}"
            )
        )
