"""Bank file templates: which columns a bank's 代发 (payroll) import wants, in what order.

Two templates are built in and read-only (the clerk copies one to change it);
custom ones live as JSON in the Setting row 'bank_templates', written here with
an audit entry rather than through services.settings (which whitelists keys).
The template last used for an export is remembered per database.
"""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass

from .. import audit
from ..errors import ConflictError, NotFoundError, ValidationError
from ..models import Setting, database

log = logging.getLogger(__name__)

SETTING_KEY = "bank_templates"
LAST_KEY = "bank_template_last"

# field key → what it holds (also the default header text)
FIELDS: dict[str, str] = {
    "seq": "序号",
    "name": "姓名",
    "id_number": "身份证号",
    "account": "银行账号",
    "amount": "金额",
    "bank_name": "开户行",
    "village": "村(社区)",
    "covered_persons": "保障人数",
    "summary": "摘要",
    "id_type": "证件类型",
    "note": "备注",
}
# A bank cannot pay a line without these.
REQUIRED_FIELDS = ("name", "account", "amount")
DEFAULT_SHEET = "代发明细"
MAX_NAME = 40
# Excel refuses these in a sheet name, and a sheet name has at most 31 characters.
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


@dataclass
class BankColumn:
    field: str  # a key of FIELDS
    header: str  # the header text the bank wants


@dataclass
class BankTemplate:
    name: str
    columns: list[BankColumn]
    sheet_title: str = DEFAULT_SHEET
    title_row: bool = False  # a title line above the header (some banks want none)
    amount_as_text: bool = False  # amount as text '1234.50' instead of a number
    total_row: bool = False  # a final 合计 row (banks usually reject extra rows)
    builtin: bool = False

    @property
    def fields(self) -> list[str]:
        return [c.field for c in self.columns]

    def copy(self, name: str | None = None) -> "BankTemplate":
        """An editable copy (what 复制 does to a built-in)."""
        return BankTemplate(name if name is not None else self.name,
                            [BankColumn(c.field, c.header) for c in self.columns],
                            self.sheet_title, self.title_row, self.amount_as_text,
                            self.total_row, builtin=False)


GENERIC = "通用"
RURAL_BANK = "农商行(信用社)"


def _builtins() -> list[BankTemplate]:
    generic = BankTemplate(
        GENERIC,
        [BankColumn(k, FIELDS[k]) for k in ("seq", "name", "id_number", "account", "amount", "note")],
        sheet_title=DEFAULT_SHEET, title_row=True, builtin=True)
    # The layout of a typical 农商行 / 信用社 代发工资 import sheet: header on the first row.
    rural = BankTemplate(
        RURAL_BANK,
        [BankColumn("account", "账号"), BankColumn("name", "户名"), BankColumn("amount", "金额"),
         BankColumn("id_type", "证件类型"), BankColumn("id_number", "证件号码"),
         BankColumn("summary", "摘要")],
        sheet_title="Sheet1", title_row=False, builtin=True)
    return [generic, rural]


BUILTIN_NAMES = tuple(t.name for t in _builtins())


# --- reading -----------------------------------------------------------------------------

def templates() -> list[BankTemplate]:
    """Built-ins first, then the clerk's own in the order they were saved."""
    return _builtins() + _custom()


def template(name: str) -> BankTemplate:
    wanted = (name or "").strip()
    for t in templates():
        if t.name == wanted:
            return t
    raise NotFoundError(f"没有名为“{wanted}”的银行模板")


def last_template_name() -> str:
    """The template of the last export if it still exists, else the generic one."""
    row = Setting.get_or_none(Setting.key == LAST_KEY)
    if row and any(t.name == row.value for t in templates()):
        return row.value
    return GENERIC


def _custom() -> list[BankTemplate]:
    row = Setting.get_or_none(Setting.key == SETTING_KEY)
    if row is None or not row.value:
        return []
    try:
        items = json.loads(row.value)
    except ValueError:
        log.warning("stored bank templates are not valid JSON; ignored")
        return []
    out = []
    for item in items if isinstance(items, list) else []:
        try:
            out.append(_from_json(item))
        except (KeyError, TypeError, ValueError):
            log.warning("one stored bank template is malformed; ignored")
    return out


def _from_json(item: dict) -> BankTemplate:
    return BankTemplate(
        str(item["name"]), [BankColumn(str(f), str(h)) for f, h in item["columns"]],
        str(item.get("sheet_title") or DEFAULT_SHEET), bool(item.get("title_row", False)),
        bool(item.get("amount_as_text", False)), bool(item.get("total_row", False)))


def _to_json(t: BankTemplate) -> dict:
    return {"name": t.name, "columns": [[c.field, c.header] for c in t.columns],
            "sheet_title": t.sheet_title, "title_row": t.title_row,
            "amount_as_text": t.amount_as_text, "total_row": t.total_row}


# --- writing -----------------------------------------------------------------------------

def validate(t: BankTemplate) -> BankTemplate:
    """A cleaned copy of `t`, or ValidationError with the first thing wrong."""
    name = (t.name or "").strip()
    if not name:
        raise ValidationError("请填写模板名称")
    if len(name) > MAX_NAME:
        raise ValidationError(f"模板名称不能超过{MAX_NAME}个字")
    if not t.columns:
        raise ValidationError("模板至少要有一列")
    columns, headers = [], set()
    for i, column in enumerate(t.columns, start=1):
        if column.field not in FIELDS:
            raise ValidationError(f"第{i}列的字段“{column.field}”未知")
        header = (column.header or "").strip()
        if not header:
            raise ValidationError(f"第{i}列（{FIELDS[column.field]}）的表头不能为空")
        if header in headers:
            raise ValidationError(f"表头“{header}”重复")
        headers.add(header)
        columns.append(BankColumn(column.field, header))
    missing = [FIELDS[f] for f in REQUIRED_FIELDS if f not in {c.field for c in columns}]
    if missing:
        raise ValidationError(f"模板缺少{'、'.join(missing)}列，银行无法发放")
    sheet = (t.sheet_title or "").strip() or DEFAULT_SHEET
    if len(sheet) > 31 or _BAD_SHEET_CHARS.search(sheet):
        raise ValidationError("工作表名称不能超过31个字，且不能含 [ ] : * ? / \\")
    return BankTemplate(name, columns, sheet, bool(t.title_row), bool(t.amount_as_text),
                        bool(t.total_row), builtin=False)


def save_template(t: BankTemplate, old_name: str | None = None) -> BankTemplate:
    """Add a custom template, or replace the one called `old_name` (which may be renamed)."""
    clean = validate(t)
    old_name = (old_name or "").strip() or None
    if old_name in BUILTIN_NAMES:
        raise ConflictError("内置模板不能修改，请复制后另存为自定义模板")
    if clean.name in BUILTIN_NAMES:
        raise ConflictError(f"“{clean.name}”是内置模板的名称，请换一个名称")
    with database.atomic():
        custom = _custom()
        names = [c.name for c in custom]
        if old_name is not None and old_name not in names:
            raise NotFoundError(f"没有名为“{old_name}”的银行模板")
        if clean.name in names and clean.name != old_name:
            raise ConflictError(f"已有名为“{clean.name}”的银行模板")
        if old_name is None:
            custom.append(clean)
        else:
            custom[names.index(old_name)] = clean
        _write(custom, "保存银行模板" if old_name is None else "修改银行模板")
        if old_name and old_name != clean.name and _last_stored() == old_name:
            _write_last(clean.name)
    return clean


def remove_template(name: str) -> None:
    name = (name or "").strip()
    if name in BUILTIN_NAMES:
        raise ConflictError("内置模板不能删除")
    with database.atomic():
        custom = _custom()
        if name not in [c.name for c in custom]:
            raise NotFoundError(f"没有名为“{name}”的银行模板")
        _write([c for c in custom if c.name != name], "删除银行模板")


def remember_last(name: str) -> None:
    """Remember the template of an export so the next one starts with it."""
    if _last_stored() != name:
        with database.atomic():
            _write_last(name)


def _write(custom: list[BankTemplate], action: str) -> None:
    old = Setting.get_or_none(Setting.key == SETTING_KEY)
    try:
        before = json.loads(old.value) if old and old.value else []
    except ValueError:
        before = old.value  # keep whatever was there in the audit trail
    after = [_to_json(c) for c in custom]
    Setting.insert(key=SETTING_KEY, value=json.dumps(after, ensure_ascii=False)) \
        .on_conflict_replace().execute()
    audit.record("修改银行模板", "setting", SETTING_KEY,
                 before={SETTING_KEY: before}, after={SETTING_KEY: after}, summary=action)


def _last_stored() -> str | None:
    row = Setting.get_or_none(Setting.key == LAST_KEY)
    return row.value if row else None


def _write_last(name: str) -> None:
    before = _last_stored()
    Setting.insert(key=LAST_KEY, value=name).on_conflict_replace().execute()
    audit.record("修改设置", "setting", LAST_KEY,
                 before={LAST_KEY: before} if before is not None else None,
                 after={LAST_KEY: name}, summary="选用银行模板")
