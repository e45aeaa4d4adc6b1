"""The operating commands: `aftersales serve`, `aftersales backup` and `aftersales restore`.

The serve and backup tests run the real command line in a fresh data directory (SQLite), the
way `make demo` and an operator run them."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import tarfile
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from aftersales.core.management.commands.backup import engine_name


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DB_NAME")}
    env["AFTERSALES_DATA_DIR"] = str(data_dir)
    env.pop("MEDIA_ROOT", None)
    return env


def _aftersales(data_dir: Path, *args: str, timeout: float = 120) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "aftersales", *args],
        env=_env(data_dir),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """A fresh, migrated SQLite installation in a data directory of its own."""
    data_dir = tmp_path_factory.mktemp("site")
    _aftersales(data_dir, "migrate", "--noinput")
    return data_dir


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_help_lists_its_options(tmp_path):
    out = _aftersales(tmp_path, "serve", "--help")
    for option in ("--bind", "--workers", "--no-huey"):
        assert option in out


def test_serve_answers_the_login_page_and_stops_both_processes_on_sigterm(site):
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aftersales",
            "serve",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--no-collectstatic",
        ],
        env=_env(site),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        status = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as r:
                    status = r.status
                    break
            except OSError:
                time.sleep(0.3)
        assert status == 200
        children = subprocess.run(
            ["ps", "--ppid", str(proc.pid), "-o", "args="],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        assert "gunicorn" in children
        assert "run_huey --flush-locks" in children
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out[-2000:]
    assert "Stopped." in out
    leftover = subprocess.run(
        ["ps", "--ppid", str(proc.pid), "-o", "pid="], capture_output=True, text=True, check=False
    ).stdout
    assert leftover.strip() == ""


def test_backup_and_restore_bring_back_the_database_and_the_media_files(site, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    media = site / "media"
    (media / "attachments").mkdir(parents=True, exist_ok=True)
    (media / "attachments" / "photo.jpg").write_bytes(b"\xff\xd8\xff original")
    _aftersales(
        site,
        "shell",
        "-c",
        "from aftersales.customers.models import Customer;"
        "Customer.objects.create(code='BK-1', name='备份前的客户')",
    )
    out = _aftersales(site, "backup", str(archive))
    assert "Backed up the sqlite database" in out
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert {"manifest.json", "database.sqlite3", "media/attachments/photo.jpg"} <= set(names)

    # Things change after the backup …
    _aftersales(
        site,
        "shell",
        "-c",
        "from aftersales.customers.models import Customer;"
        "Customer.objects.filter(code='BK-1').delete();"
        "Customer.objects.create(code='BK-2', name='备份后的客户')",
    )
    (media / "attachments" / "photo.jpg").unlink()
    (media / "attachments" / "later.pdf").write_bytes(b"%PDF- later")

    # … and the restore puts the system back as it was.
    _aftersales(site, "restore", "--noinput", str(archive))
    codes = _aftersales(
        site,
        "shell",
        "-c",
        "from aftersales.customers.models import Customer;"
        "print(sorted(Customer.objects.values_list('code', flat=True)))",
    )
    assert "BK-1" in codes and "BK-2" not in codes
    assert (media / "attachments" / "photo.jpg").read_bytes() == b"\xff\xd8\xff original"
    assert not (media / "attachments" / "later.pdf").exists()


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    bogus = tmp_path / "notes.tar.gz"
    bogus.write_bytes(b"not an archive")
    with pytest.raises(CommandError, match="not an Aftersales backup"):
        call_command("restore", "--noinput", str(bogus), stdout=io.StringIO())


def _archive_for(tmp_path: Path, engine: str) -> Path:
    manifest = tmp_path / "manifest.json"
    manifest.write_text(
        json.dumps(
            {
                "format": 1,
                "engine": engine,
                "database": "database.x",
                "media_files": 0,
                "created_at": "2026-01-01T00:00:00+00:00",
            }
        )
    )
    archive = tmp_path / "other.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(manifest, arcname="manifest.json")
    return archive


@pytest.mark.django_db
def test_restore_refuses_a_backup_of_another_kind_of_database(tmp_path):
    other = "postgresql" if engine_name() == "sqlite" else "sqlite"
    with pytest.raises(CommandError, match="same kind of database"):
        call_command(
            "restore", "--noinput", str(_archive_for(tmp_path, other)), stdout=io.StringIO()
        )


def test_restore_asks_before_replacing_everything(tmp_path, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="cancelled"):
        call_command("restore", str(_archive_for(tmp_path, engine_name())), stdout=io.StringIO())
