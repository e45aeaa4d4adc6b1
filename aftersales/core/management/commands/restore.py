"""`aftersales restore <file>`: put back an archive written by `aftersales backup`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from .backup import BackupError, read_manifest, restore


class Command(BaseCommand):
    help = (
        "Replace the database and the media files with a backup archive. Stop `aftersales serve` "
        "and the workers first."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="archive written by `aftersales backup`")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="do not ask for confirmation",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            manifest = read_manifest(path)
        except BackupError as exc:
            raise CommandError(str(exc))
        if options["interactive"]:
            answer = input(
                f"This replaces ALL data with the backup of {manifest['created_at']} "
                f"({manifest['engine']}, {manifest['media_files']} media files).\n"
                "Type 'yes' to continue: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("restore cancelled")
        try:
            restore(path)
        except BackupError as exc:
            raise CommandError(str(exc))
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored the backup of {manifest['created_at']}. Run `aftersales migrate` if "
                "this version is newer than the one that wrote it."
            )
        )
