"""`aftersales export_master_data <kind> <file.xlsx|file.csv>`: the import template's columns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from aftersales.core.errors import ServiceError
from aftersales.core.importing import export_master_data, load_importers


class Command(BaseCommand):
    help = _("导出主数据为 Excel（.xlsx）或 CSV，列与导入模板相同。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(load_importers()))
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        fmt = path.suffix.lower().lstrip(".")
        if fmt not in {"xlsx", "csv"}:
            raise CommandError(_("文件名须以 .xlsx 或 .csv 结尾"))
        try:
            content, _content_type, _file_name = export_master_data(
                kind=options["kind"], actor=None, fmt=fmt
            )
        except ServiceError as exc:
            raise CommandError(str(exc.message)) from exc
        path.write_bytes(content)
        self.stdout.write(self.style.SUCCESS(_("已导出到 %(path)s") % {"path": path}))
