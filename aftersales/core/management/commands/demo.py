"""`aftersales demo`: load the Chinese demo data (idempotent) and print the logins."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from aftersales.core.demo import build_demo, login_table


class Command(BaseCommand):
    help = "Load Chinese demo data (one login per role, a few dozen orders); safe to run twice."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="also run when AFTERSALES_PRODUCTION is on (never do this on real data)",
        )
        parser.add_argument(
            "--no-table", action="store_true", help="do not print the table of logins"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if getattr(settings, "PRODUCTION", False) and not options["force"]:
            raise CommandError(
                "AFTERSALES_PRODUCTION is on: demo logins with a shared password do not belong "
                "in production. Use --force only on a throw-away database."
            )
        builder = build_demo()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready ({builder.created_orders} new work orders this run)."
            )
        )
        if not options["no_table"]:
            self.print_logins()

    def print_logins(self) -> None:
        rows = login_table()
        site = getattr(settings, "SITE_URL", "http://127.0.0.1:8000").rstrip("/")
        headers = ("role", "username", "password", "start at")
        data = [(r["role"], r["username"], r["password"], site + r["start"]) for r in rows]
        widths = [max(len(h), *(len(row[i]) for row in data)) for i, h in enumerate(headers)]
        line = "  ".join("-" * w for w in widths)
        self.stdout.write("")
        self.stdout.write("Demo logins (one per role, same password for all):")
        self.stdout.write("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
        self.stdout.write(line)
        for row in data:
            self.stdout.write("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
        self.stdout.write(line)
        self.stdout.write(
            "More technicians and station managers share the password (tech_bj_li has an "
            "expired 空调制冷 certificate: dispatch refuses him with the reason)."
        )
