"""`aftersales serve`: the production-style server on one machine.

Runs gunicorn on `aftersales.wsgi` and, beside it, the Huey consumer that delivers the outbox and
runs the periodic jobs (SLA sweep, …). Both are child processes in their own session, so Ctrl-C
or SIGTERM reaches this supervisor only, which then stops them in order and waits for them; if
either child dies, the other is stopped too and the command exits with an error."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

STOP_TIMEOUT = 20.0


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: the child gets SIGTERM if the supervisor is killed outright (no orphans)."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def static_fingerprint() -> str:
    """Changes when any static source file changes, so collectstatic runs only when needed."""
    from django.contrib.staticfiles.finders import get_finders

    digest = hashlib.sha256()
    for finder in get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            full = storage.path(path)
            try:
                stat = os.stat(full)
            except OSError:
                continue
            digest.update(f"{path}\0{stat.st_size}\0{int(stat.st_mtime)}\n".encode())
    return digest.hexdigest()


class Command(BaseCommand):
    help = "Serve Aftersales with gunicorn plus the Huey consumer; Ctrl-C stops both."

    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000", help="host:port (127.0.0.1:8000)")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (2)")
        parser.add_argument(
            "--huey-workers", type=int, default=1, help="Huey consumer worker threads (1)"
        )
        parser.add_argument(
            "--no-huey",
            action="store_true",
            help="web only (when the consumers run on worker machines)",
        )
        parser.add_argument(
            "--no-collectstatic", action="store_true", help="skip collecting static files"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["workers"] < 1:
            raise CommandError("--workers must be at least 1")
        self.warn_unapplied_migrations()
        if not options["no_collectstatic"]:
            self.collect_static()
        env = dict(os.environ)
        env.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
        web_cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "aftersales.wsgi:application",
            "--bind",
            options["bind"],
            "--workers",
            str(options["workers"]),
            "--graceful-timeout",
            "10",
            "--access-logfile",
            "-",
        ]
        huey_cmd = [
            sys.executable,
            "-m",
            "aftersales",
            "run_huey",
            "--flush-locks",  # a crash can leave a periodic job's lock behind
            "--workers",
            str(options["huey_workers"]),
        ]
        children: dict[str, subprocess.Popen] = {}
        stopping = False

        def request_stop(signum: int, _frame: Any) -> None:
            nonlocal stopping
            stopping = True

        old = {s: signal.signal(s, request_stop) for s in (signal.SIGINT, signal.SIGTERM)}
        exit_code = 0
        try:
            children["web"] = self.spawn(web_cmd, env)
            if not options["no_huey"]:
                children["huey"] = self.spawn(huey_cmd, env)
            host, _sep, port = options["bind"].rpartition(":")
            self.stdout.write(
                self.style.SUCCESS(
                    f"Aftersales on http://{host or '0.0.0.0'}:{port}/ "  # noqa: S104
                    f"(gunicorn ×{options['workers']}"
                    + ("" if options["no_huey"] else " + Huey consumer")
                    + "). Ctrl-C stops it."
                )
            )
            while not stopping:
                for name, proc in children.items():
                    if proc.poll() is not None:
                        self.stderr.write(f"{name} exited with code {proc.returncode}; stopping")
                        exit_code = proc.returncode or 1
                        stopping = True
                        break
                else:
                    time.sleep(0.3)
        finally:
            self.stop(children)
            for sig, handler in old.items():
                signal.signal(sig, handler)
        if exit_code:
            raise CommandError(f"a child process failed (exit code {exit_code})")
        self.stdout.write("Stopped.")

    def spawn(self, cmd: list[str], env: dict[str, str]) -> subprocess.Popen:
        # A session of its own: Ctrl-C in the terminal reaches only this supervisor, which
        # stops the children in order instead of all of them racing on the signal.
        return subprocess.Popen(  # noqa: S603
            cmd, env=env, start_new_session=True, preexec_fn=_die_with_parent
        )

    def stop(self, children: dict[str, subprocess.Popen]) -> None:
        # gunicorn: SIGTERM = graceful stop; Huey: SIGINT = finish running tasks, then exit.
        signals = {"web": signal.SIGTERM, "huey": signal.SIGINT}
        for name, proc in children.items():
            if proc.poll() is None:
                proc.send_signal(signals.get(name, signal.SIGTERM))
        deadline = time.monotonic() + STOP_TIMEOUT
        for proc in children.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def warn_unapplied_migrations(self) -> None:
        try:
            executor = MigrationExecutor(connection)
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except Exception as exc:  # noqa: BLE001 - the server may still be useful
            self.stderr.write(f"warning: cannot check migrations: {exc}")
            return
        if plan:
            self.stderr.write(
                self.style.WARNING(
                    f"warning: {len(plan)} unapplied migration(s); run `aftersales migrate`"
                )
            )

    def collect_static(self) -> None:
        root = Path(settings.STATIC_ROOT)
        stamp = root / ".aftersales-collected"
        fingerprint = static_fingerprint()
        if stamp.exists() and stamp.read_text() == fingerprint:
            return
        self.stdout.write("Collecting static files…")
        call_command("collectstatic", interactive=False, verbosity=0)
        stamp.write_text(fingerprint)
