"""Master-data import and export from Excel (.xlsx) and CSV, all or nothing.

This module is the generic half: reading files, the registry of importers, row errors and the
one transaction around an import. The importers themselves live in the domain apps
(`aftersales/<app>/importers.py`) and register themselves when `load_importers()` imports them —
lazily, so that `core` imports no domain app when it is loaded (DESIGN: core knows no domain).

Every row is validated before anything is written; one bad row means nothing is imported and
every bad row is reported with its row number (as the spreadsheet shows it, header = row 1),
its column and a message saying what to fix.
"""

from __future__ import annotations

import csv
import importlib
import io
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .audit import export_logged
from .errors import PermissionDenied, ValidationFailed
from .excel import csv_text, safe_cell, xlsx_bytes

log = logging.getLogger("aftersales.imports")

# The modules that hold importers; each registers its importers when imported.
IMPORTER_MODULES = (
    "aftersales.customers.importers",
    "aftersales.products.importers",
    "aftersales.network.importers",
)
MAX_IMPORT_BYTES = 10 * 1024 * 1024
MAX_IMPORT_ROWS = 20_000
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    hint: Any = ""  # text or a lazy translation


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}

    def __str__(self) -> str:
        where = _("第 %(row)s 行") % {"row": self.row}
        if self.column:
            where += _("，“%(column)s”列") % {"column": self.column}
        return f"{where}：{self.message}"


@dataclass
class ImportResult:
    kind: str
    label: str
    rows: int = 0
    created: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "rows": self.rows,
            "created": self.created,
            "errors": [e.as_dict() for e in self.errors],
        }


class Row:
    """One data row: values by column key, and the row number the spreadsheet shows."""

    def __init__(self, number: int, values: dict[str, Any]):
        self.number = number
        self.values = values

    def __getitem__(self, key: str) -> Any:
        return self.values.get(key)

    def text(self, key: str) -> str:
        value = self.values.get(key)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            # Excel stores a typed mobile number or code as a number: 13812345678.0.
            value = int(value)
        if isinstance(value, datetime):
            value = value.date()
        return str(value).strip()

    def is_blank(self) -> bool:
        return all(self.text(k) == "" for k in self.values)


class Errors:
    """Collects row errors; column keys are turned into the headers people see in the file."""

    def __init__(self, columns: Sequence[Column]):
        self._headers = {c.key: c.header for c in columns}
        self.items: list[RowError] = []

    def add(self, row: Row | int, key: str, message: Any) -> None:
        number = row.number if isinstance(row, Row) else row
        self.items.append(RowError(number, self._headers.get(key, key), str(message)))

    def __bool__(self) -> bool:
        return bool(self.items)

    # --- parsing helpers that record an error and return None on bad input -------------------

    def required(self, row: Row, key: str) -> str | None:
        value = row.text(key)
        if not value:
            self.add(row, key, _("必填，不能为空"))
            return None
        return value

    def date(self, row: Row, key: str, *, required: bool = False) -> date | None:
        value = row[key]
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = row.text(key)
        if not text:
            if required:
                self.add(row, key, _("必填，不能为空"))
            return None
        parsed = parse_date(text)
        if parsed is None:
            self.add(
                row,
                key,
                _("日期“%(value)s”无法识别，请写成 2025-03-18 这样的格式") % {"value": text},
            )
        return parsed

    def integer(self, row: Row, key: str, *, minimum: int = 0) -> int | None:
        text = row.text(key)
        if not text:
            return None
        try:
            number = int(Decimal(text))
            if Decimal(text) != number or number < minimum:
                raise ValueError
        except (InvalidOperation, ValueError):
            self.add(
                row,
                key,
                _("“%(value)s”不是不小于 %(min)s 的整数") % {"value": text, "min": minimum},
            )
            return None
        return number

    def decimal(self, row: Row, key: str) -> float | None:
        text = row.text(key)
        if not text:
            return None
        try:
            return float(Decimal(text))
        except InvalidOperation:
            self.add(row, key, _("“%(value)s”不是数字") % {"value": text})
            return None

    def boolean(self, row: Row, key: str, *, default: bool = False) -> bool:
        text = row.text(key).lower()
        if not text:
            return default
        if text in {"是", "y", "yes", "true", "1", "✓", "√"}:
            return True
        if text in {"否", "n", "no", "false", "0", "×"}:
            return False
        self.add(row, key, _("请填写“是”或“否”，而不是“%(value)s”") % {"value": row.text(key)})
        return default

    def choice(self, row: Row, key: str, choices: Iterable[tuple[str, Any]], default: str) -> str:
        """A choice by its code or by its label as people see it (e.g. 'org' or '单位')."""
        text = row.text(key)
        if not text:
            return default
        options = list(choices)
        for value, label in options:
            if text == value or text == str(label):
                return value
        allowed = "、".join(str(label) for _v, label in options)
        self.add(
            row,
            key,
            _("“%(value)s”不是可选值，可选：%(allowed)s") % {"value": text, "allowed": allowed},
        )
        return default

    def unique_in_file(self, seen: dict[str, int], row: Row, key: str, value: str) -> bool:
        if value in seen:
            self.add(
                row,
                key,
                _("“%(value)s”与第 %(first)s 行重复") % {"value": value, "first": seen[value]},
            )
            return False
        seen[value] = row.number
        return True


def parse_date(text: str) -> date | None:
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T].*)?", text.strip())
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def split_list(text: str) -> list[str]:
    """Values separated by ';' (also the full-width '；' and '、' that Chinese keyboards type)."""
    return [part.strip() for part in re.split(r"[;；、\n]", text or "") if part.strip()]


class Importer:
    """One kind of master data. Subclasses live in the domain apps."""

    kind: ClassVar[str]
    label: ClassVar[Any]  # a lazy translation
    columns: ClassVar[Sequence[Column]]
    # Whether the export carries people's names, phone numbers or addresses: such exports are
    # logged (core.audit, PIPL); `masks_for` says whether this actor gets them masked.
    personal: ClassVar[bool] = False

    def masks_for(self, actor: Any) -> bool:
        return False

    def may_import(self, actor: Any) -> bool:
        raise NotImplementedError

    def may_export(self, actor: Any) -> bool:
        raise NotImplementedError

    def validate(self, rows: list[Row], errors: Errors) -> Any:
        """Check every row; return a plan that `save` writes. Must not write anything."""
        raise NotImplementedError

    def save(self, plan: Any, actor: Any) -> int:
        """Write the plan; return how many records of this kind were created."""
        raise NotImplementedError

    def export_rows(self, actor: Any) -> Iterable[Sequence[Any]]:
        """Rows in the order of `columns`, limited to what `actor` may see; re-importable."""
        raise NotImplementedError


_REGISTRY: dict[str, Importer] = {}


def register_importer(importer: Importer) -> Importer:
    _REGISTRY[importer.kind] = importer
    return importer


def load_importers() -> dict[str, Importer]:
    for module in IMPORTER_MODULES:
        importlib.import_module(module)
    return _REGISTRY


def get_importer(kind: str) -> Importer:
    importer = load_importers().get(kind)
    if importer is None:
        raise ValidationFailed(
            _("不支持的导入类型“%(kind)s”，可选：%(kinds)s")
            % {"kind": kind, "kinds": "、".join(sorted(_REGISTRY))},
            field="kind",
        )
    return importer


# --- reading files --------------------------------------------------------------------------


def _unquote(value: Any) -> Any:
    # Our exports prefix formula-looking text with an apostrophe; take it off again on import.
    if isinstance(value, str) and value.startswith("'") and value[1:2] in _FORMULA_STARTS:
        return value[1:]
    return value


def read_table(file_name: str, content: bytes) -> tuple[list[str], list[list[Any]]]:
    """The header row and the data rows of the first sheet of an .xlsx file or of a CSV file."""
    name = (file_name or "").lower()
    if len(content) > MAX_IMPORT_BYTES:
        raise ValidationFailed(
            _("文件过大（上限 %(mb)s MB），请拆分后分批导入") % {"mb": MAX_IMPORT_BYTES // 2**20},
            field="file",
        )
    if name.endswith(".xlsx") or content[:2] == b"PK":
        table = _read_xlsx(content)
    elif name.endswith((".csv", ".txt")):
        table = _read_csv(content)
    else:
        raise ValidationFailed(_("只支持 Excel（.xlsx）或 CSV（.csv）文件"), field="file")
    if not table:
        raise ValidationFailed(_("文件是空的：第 1 行应为表头"), field="file")
    headers = [str(h).strip() if h is not None else "" for h in table[0]]
    rows = [[_unquote(v) for v in r] for r in table[1:]]
    if len(rows) > MAX_IMPORT_ROWS:
        raise ValidationFailed(
            _("一次最多导入 %(n)s 行，请拆分文件") % {"n": MAX_IMPORT_ROWS}, field="file"
        )
    return [_unquote(h) for h in headers], rows


def _read_xlsx(content: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise ValidationFailed(
            _("无法读取 Excel 文件，请确认是 .xlsx 格式（不支持旧的 .xls）"), field="file"
        ) from exc
    try:
        ws = wb.worksheets[0]
        return [list(r) for r in ws.iter_rows(values_only=True)]
    finally:
        wb.close()


def _read_csv(content: bytes) -> list[list[Any]]:
    # Excel on Chinese Windows saves CSV as GB18030 (GBK); everything else sends UTF-8.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise ValidationFailed(_("无法识别 CSV 文件的编码，请另存为 UTF-8"), field="file")
    return [list(r) for r in csv.reader(io.StringIO(text))]


def _rows_for(
    importer: Importer, headers: list[str], data: list[list[Any]]
) -> tuple[list[Row], list[RowError]]:
    by_header: dict[str, int] = {}
    for index, header in enumerate(headers):
        for column in importer.columns:
            if header in (column.header, column.key) and column.key not in by_header:
                by_header[column.key] = index
    problems = [
        RowError(1, c.header, _("缺少必需的列，请使用导入模板的表头"))
        for c in importer.columns
        if c.required and c.key not in by_header
    ]
    rows = []
    for offset, raw in enumerate(data):
        values = {
            key: (raw[index] if index < len(raw) else None) for key, index in by_header.items()
        }
        row = Row(offset + 2, values)
        if not row.is_blank():
            rows.append(row)
    return rows, problems


# --- the services ---------------------------------------------------------------------------


def import_master_data(*, kind: str, file_name: str, content: bytes, actor: Any) -> ImportResult:
    """Validate every row, then import all of them in one transaction — or none.

    `actor` is the user importing (checked against the importer's role rule); `None` means the
    operator on the command line, who already has the whole database in hand."""
    importer = get_importer(kind)
    if actor is not None and not importer.may_import(actor):
        raise PermissionDenied(_("只有系统管理员和售后服务部主管可以导入主数据"))
    headers, data = read_table(file_name, content)
    rows, header_errors = _rows_for(importer, headers, data)
    result = ImportResult(kind=kind, label=str(importer.label), rows=len(rows))
    if header_errors:
        result.errors = header_errors
        return result
    if not rows:
        result.errors = [RowError(2, "", _("文件没有数据行"))]
        return result
    errors = Errors(importer.columns)
    try:
        with transaction.atomic():
            plan = importer.validate(rows, errors)
            if errors:
                result.errors = sorted(errors.items, key=lambda e: e.row)
                return result
            result.created = importer.save(plan, actor)
    except IntegrityError:
        # Someone else created one of these records between our check and our insert.
        log.warning("import %s hit a unique constraint; nothing imported", kind)
        result.created = 0
        result.errors = [
            RowError(0, "", _("导入期间数据被他人修改（编号重复），未导入任何数据，请重试"))
        ]
        return result
    log.info(
        "import %s by %s: %s rows created from %s",
        kind,
        getattr(actor, "username", "command line"),
        result.created,
        file_name,
    )
    return result


def export_master_data(*, kind: str, actor: Any, fmt: str = "xlsx") -> tuple[bytes, str, str]:
    """(content, content type, file name) of everything of `kind` that `actor` may see, in the
    import template's columns, with cells that a spreadsheet never runs as formulas."""
    importer = get_importer(kind)
    if actor is not None and not importer.may_export(actor):
        raise PermissionDenied(_("您没有导出该类数据的权限"))
    headers = [c.header for c in importer.columns]
    rows = list(importer.export_rows(actor))
    encoded = _encode(headers, rows, fmt, f"{kind}-export", str(importer.label))
    if importer.personal:
        # Exports of personal data are logged (PIPL): who exported what, how much, masked or not.
        export_logged(
            actor=actor,
            what=kind,
            label=importer.label,
            fmt=fmt,
            rows=len(rows),
            masked=importer.masks_for(actor),
        )
    log.info("export %s by %s", kind, getattr(actor, "username", "command line"))
    return encoded


def template_file(*, kind: str, fmt: str = "xlsx") -> tuple[bytes, str, str]:
    """An empty file with the headers of `kind` (and, in Excel, a sheet explaining each)."""
    importer = get_importer(kind)
    headers = [c.header for c in importer.columns]
    if fmt == "csv":
        return _encode(headers, [], fmt, f"{kind}-template", str(importer.label))
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = str(importer.label)[:31]
    ws.append([safe_cell(h) for h in headers])
    help_sheet = wb.create_sheet(_("填写说明"))
    help_sheet.append([_("列"), _("必填"), _("说明")])
    for column in importer.columns:
        help_sheet.append(
            [column.header, _("是") if column.required else _("否"), safe_cell(str(column.hint))]
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), XLSX_CONTENT_TYPE, f"{kind}-template.xlsx"


def _encode(
    headers: list[str], rows: Iterable[Sequence[Any]], fmt: str, stem: str, title: str
) -> tuple[bytes, str, str]:
    if fmt == "csv":
        # With a BOM, Excel opens the UTF-8 file with the Chinese intact.
        return csv_text(headers, rows).encode("utf-8-sig"), CSV_CONTENT_TYPE, f"{stem}.csv"
    if fmt != "xlsx":
        raise ValidationFailed(_("导出格式只能是 xlsx 或 csv"), field="format")
    return xlsx_bytes(headers, rows, title=title), XLSX_CONTENT_TYPE, f"{stem}.xlsx"
