"""`aftersales ahp weights FILE` and `aftersales ahp adjust FILE` (S14): the AHP maths for a
judgement matrix or a weight vector in JSON, `-` reading stdin.

Exit status is the contract for scripts: 0 done, 3 the matrix is too inconsistent (the JSON is
still printed, so the expert can see which judgements to revisit), 2 the input is malformed
(the reason on stderr, nothing on stdout)."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from aftersales.evaluation import ahp, payloads

EXIT_MALFORMED = 2
EXIT_INCONSISTENT = 3


class Command(BaseCommand):
    help = "AHP: weights and consistency of a judgement matrix, or adjust a weight vector"
    # Pure arithmetic on the input: no database, so the system checks would only add start-up time.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        weights = sub.add_parser(
            "weights", help='{"matrix": [[…]], "labels": […]} → weights, λmax, CI, CR'
        )
        weights.add_argument("file", help="JSON file, or - for stdin")
        weights.add_argument(
            "--threshold",
            type=float,
            default=ahp.THRESHOLD,
            help="CR at or above this is inconsistent (default 0.10)",
        )
        adjust = sub.add_parser(
            "adjust",
            help='{"weights": […]} with "remove": i, "add": {"ratio_to": i, "k": K} '
            'or "set": {"index": i, "weight": w}',
        )
        adjust.add_argument("file", help="JSON file, or - for stdin")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            data = self._read(options["file"])
            if options["action"] == "weights":
                result = payloads.weights_result(data, threshold=options["threshold"])
                code = 0 if result["consistent"] else EXIT_INCONSISTENT
            else:
                result = payloads.adjust_result(data)
                code = 0
        except payloads.InputError as exc:
            self.stderr.write(str(exc))
            sys.exit(EXIT_MALFORMED)
        self.stdout.write(json.dumps(result, ensure_ascii=False))
        if code:
            sys.exit(code)

    def _read(self, name: str) -> Any:
        try:
            if name == "-":
                text = sys.stdin.read()
            else:
                with open(name, encoding="utf-8") as f:
                    text = f.read()
        except OSError as exc:
            raise payloads.InputError(
                _("无法读取文件 %(name)s：%(reason)s") % {"name": name, "reason": exc.strerror}
            ) from exc
        try:
            return json.loads(text)
        except ValueError as exc:
            raise payloads.InputError(
                _("输入不是有效的 JSON（第 %(line)s 行）") % {"line": getattr(exc, "lineno", "?")}
            ) from exc
