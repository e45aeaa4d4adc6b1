"""`aftersales import_master_data <kind> <file>`: all rows or none, every bad row printed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from aftersales.core.errors import ServiceError
from aftersales.core.importing import import_master_data, load_importers


class Command(BaseCommand):
    help = _("导入主数据（Excel .xlsx 或 CSV）：任何一行有错则不导入任何数据，并列出每个错误。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(load_importers()))
        parser.add_argument("file")
        parser.add_argument(
            "--user",
            default="",
            help=_("记入字段历史的操作人用户名（不填则记为命令行）"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("找不到文件：%(path)s") % {"path": path})
        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(_("用户不存在：%(name)s") % {"name": options["user"]})
        try:
            result = import_master_data(
                kind=options["kind"], file_name=path.name, content=path.read_bytes(), actor=actor
            )
        except ServiceError as exc:
            raise CommandError(str(exc.message)) from exc
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(
                _("%(count)s 处错误，未导入任何数据。请修改文件后重新导入。")
                % {"count": len(result.errors)}
            )
        self.stdout.write(
            self.style.SUCCESS(
                _("已导入 %(count)s 条%(label)s。")
                % {"count": result.created, "label": result.label}
            )
        )
