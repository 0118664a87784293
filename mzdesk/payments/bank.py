"""Bank files of a batch: the one module the GUI and CLI import for them.

Templates live in bank_templates, the 代发 file in bank_files; this module
re-exports both and reads the bank's return file (回盘文件), which says
which rows the bank could not pay, so those lines can be marked 失败 and
offered for a 补发 batch.

A return file is messy (DESIGN §6): title rows above the header, headers
that vary by bank, accounts or ID numbers that Excel stored as numbers and
rounded.  Rows are matched to the batch's lines by account (then name and
amount when several lines share one), by ID number only when it is intact
text, by name and amount as the last resort; a row that cannot be matched
for certain is listed, never guessed.
"""
from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import python_calamine

from ..errors import ConflictError, ValidationError
from ..idcard import mask
from ..models import Batch
from ..money import MoneyError, to_money, yuan_str
from ..services.common import get
from . import batches
from .bank_files import ExportResult, export_bank_file, suggested_file_name
from .bank_templates import (BUILTIN_NAMES, FIELDS, GENERIC, REQUIRED_FIELDS, RURAL_BANK,
                             BankColumn, BankTemplate, last_template_name, remove_template,
                             save_template, template, templates, validate)

__all__ = [
    "FIELDS", "REQUIRED_FIELDS", "GENERIC", "RURAL_BANK", "BUILTIN_NAMES", "BankColumn",
    "BankTemplate", "templates", "template", "save_template", "remove_template", "validate",
    "last_template_name", "ExportResult", "export_bank_file", "suggested_file_name",
    "ReturnFailure", "ReturnResult", "read_return_file", "apply_return", "mask_account",
]

SPREADSHEETS = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}
DELIMITED = {".csv", ".txt"}
HEADER_SEARCH_ROWS = 30

# Header texts by role, best first (the rank decides between two columns of one role).
HEADERS = {
    "account": ["账号", "银行账号", "卡号", "银行卡号", "账卡号", "卡号账号", "账号卡号", "收款账号",
                "收款人账号", "收款账户", "客户账号", "入账账号", "个人账号", "对方账号", "账户",
                "存折号", "存折账号"],
    "id_number": ["身份证号", "身份证号码", "证件号码", "公民身份号码", "证件号", "身份证",
                  "身份证件号码"],
    "name": ["姓名", "户名", "账户名称", "账户名", "收款人", "收款人姓名", "收款人名称", "客户名称",
             "客户姓名", "户主姓名", "对方户名", "名称"],
    "amount": ["金额", "交易金额", "发放金额", "代发金额", "实发金额", "入账金额", "应发金额"],
    "status": ["状态", "处理结果", "交易结果", "结果", "处理状态", "交易状态", "入账状态", "代发结果",
               "入账结果", "返回结果", "是否成功", "成功标志"],
    "reason": ["失败原因", "错误信息", "错误原因", "失败描述", "错误描述", "原因", "返回信息",
               "处理信息", "备注", "说明", "附言"],
}
# Header words when the whole text is not one of the above (e.g. 收款人银行账号).
KEYWORDS = [("reason", ("原因", "错误信息", "失败信息", "描述")), ("id_number", ("证件号", "身份证")),
            ("account", ("账号", "卡号")), ("name", ("户名", "姓名")), ("amount", ("金额",)),
            ("status", ("状态", "结果")), ("reason", ("备注",))]
# A cell saying 户名不符 or 成功 is data, not a header, unless it names a message column.
MESSAGE_WORDS = ("原因", "信息", "描述", "说明")
IDENTITY_ROLES = ("account", "id_number", "name")

# What a bank writes for a row it could not pay; checked before the words of success
# because 不成功 and 未入账 contain 成功 and 入账.
FAIL_WORDS = ("失败", "不成功", "未成功", "错误", "退回", "退票", "退汇", "销户", "冻结", "不符",
              "不存在", "无此", "止付", "挂失", "拒绝", "未入账", "异常", "无效", "不正确", "睡眠",
              "久悬", "未激活", "作废", "超限", "不一致")
OK_WORDS = ("成功", "已入账", "入账", "正常", "完成", "已处理", "已发放", "已支付")
FAIL_CODES = {"否", "N", "F", "FAIL", "FAILED", "ERROR"}
OK_CODES = {"是", "Y", "S", "OK", "SUCCESS"}
EMPTY_TEXTS = {"", "-", "--", "—", "/", "无", "空", "NULL", "NONE"}
TOTAL_WORDS = ("合计", "小计", "总计", "共计")

_HALF_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u3000\xa0"), " ")
_BRACKETS = re.compile(r"[(（][^)）]*[)）]")
_ID_RE = re.compile(r"^\d{17}[\dX]$")
# More digits than a double keeps: a number that long was rounded by the spreadsheet.
_EXACT_NUMBER_DIGITS = 15


@dataclass(frozen=True)
class ReturnFailure:
    line_id: int
    name: str
    account_masked: str
    amount: Decimal
    reason: str  # the bank's words, e.g. 户名不符


@dataclass(frozen=True)
class ReturnResult:
    failed: list[ReturnFailure]
    succeeded: int
    unmatched: list[str]  # 第N行…: why; no personal data beyond a masked account
    total_rows: int
    batch_id: int | None = None
    header_row: int = 0  # 1-based row of the header in the file
    columns: dict[str, str] = field(default_factory=dict)  # role → header text found


def mask_account(account: str) -> str:
    return mask(account, keep_head=0, keep_tail=4) if account else ""


# --- reading the file --------------------------------------------------------------------

def read_return_file(batch_id, path) -> ReturnResult:
    """Which lines of the batch the bank's return file says failed (writes nothing)."""
    batch = get(Batch, batch_id, "发放批次")
    if batch.state in (batches.DRAFT, batches.CANCELLED):
        raise ConflictError(f"{batch.name}尚未导出银行文件，不能登记银行退回")
    path = Path(path)
    header_index, roles, rows = _find_header(_sheets(path))
    if "status" not in roles and "reason" not in roles:
        raise ValidationError("回盘文件中找不到处理结果或失败原因列，无法判断哪些发放失败")
    matcher = _Matcher(batches.lines(batch.id))
    failed, unmatched, succeeded, total_rows = [], [], 0, 0
    for index in range(header_index + 1, len(rows)):
        row = _Row.parse(index + 1, rows[index], roles)
        if row is None:
            continue
        total_rows += 1
        line, why = matcher.match(row)
        if line is None:
            unmatched.append(f"{row.where()}：{why}")
            continue
        outcome, reason = _outcome(row.status, "" if row.reason == line.note else row.reason)
        if outcome == "failed":
            failed.append(ReturnFailure(line.id, line.name, mask_account(line.bank_account),
                                        line.amount, reason))
        elif outcome == "ok":
            succeeded += 1
        else:
            unmatched.append(f"{row.where()}：处理结果“{row.status[:20]}”无法识别")
    if not total_rows:
        raise ValidationError("回盘文件中没有数据行")
    if not matcher.matched:
        raise ValidationError("回盘文件与该批次对不上：没有一行能与本批次的明细核对上，请确认文件是否选对")
    headers = {role: str(rows[header_index][col]).strip() for role, col in roles.items()}
    return ReturnResult(failed, succeeded, unmatched, total_rows, batch.id, header_index + 1, headers)


def apply_return(batch_id, result: ReturnResult) -> int:
    """Mark the failed lines of a read return file 失败; returns how many changed."""
    if result.batch_id is not None and int(result.batch_id) != int(batch_id):
        raise ValidationError("该回盘结果不是本批次的，请重新读取回盘文件")
    return batches.mark_failed(batch_id, {f.line_id: f"银行退回：{f.reason}" for f in result.failed})


def _sheets(path: Path):
    """Each sheet of the file as a list of rows (lists of cell values)."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise ValidationError(f"找不到回盘文件“{path.name}”")
    if suffix in DELIMITED:
        yield _read_delimited(path)
        return
    if suffix not in SPREADSHEETS:
        raise ValidationError("回盘文件应为 xlsx、xls、ods 或 csv 格式")
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        names = workbook.sheet_names
        for name in names:
            yield workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except python_calamine.PasswordError:
        raise ValidationError("回盘文件设有密码，请先在表格软件中取消密码后再读取") from None
    except (python_calamine.CalamineError, OSError, ValueError):
        raise ValidationError("无法读取回盘文件：文件已损坏或不是表格文件") from None


def _read_delimited(path: Path) -> list[list[str]]:
    try:
        data = path.read_bytes()
    except OSError:
        raise ValidationError(f"无法读取回盘文件“{path.name}”") from None
    for encoding in ("utf-8-sig", "gb18030"):  # gb18030 reads every GBK file
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationError("无法识别回盘文件的文字编码（应为 UTF-8 或 GBK）")
    sample = text.splitlines()[:HEADER_SEARCH_ROWS]
    delimiter = max((",", "\t", ";", "|"), key=lambda d: sum(line.count(d) for line in sample))
    return [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def _find_header(sheets) -> tuple[int, dict[str, int], list[list]]:
    """The header row (index, role → column) of the first sheet that has one."""
    for rows in sheets:
        best = None
        for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
            roles = _roles(row)
            if len(roles) >= 2 and any(r in roles for r in IDENTITY_ROLES):
                if best is None or len(roles) > len(best[1]):
                    best = (index, roles)
        if best is not None:
            return best[0], best[1], rows
    raise ValidationError("回盘文件中找不到表头（应含 账号、姓名、金额、处理结果 等列）")


def _roles(row) -> dict[str, int]:
    ranked: dict[str, tuple[int, int]] = {}
    for col, value in enumerate(row):
        if not isinstance(value, str):
            continue
        found = _role(_header_key(value))
        if found is not None:
            role, rank = found
            if role not in ranked or rank < ranked[role][0]:
                ranked[role] = (rank, col)
    return {role: col for role, (rank, col) in ranked.items()}


def _header_key(text: str) -> str:
    t = _BRACKETS.sub("", text.translate(_HALF_WIDTH).translate(_INVISIBLE))
    return re.sub(r"[\s*:：]", "", t).replace("帐", "账")


def _role(key: str) -> tuple[str, int] | None:
    if not key or len(key) > 12:  # a title line, not a header
        return None
    for role, names in HEADERS.items():
        if key in names:
            return role, names.index(key)
    if any(w in key for w in FAIL_WORDS + OK_WORDS) and not any(w in key for w in MESSAGE_WORDS):
        return None
    for role, words in KEYWORDS:
        if any(w in key for w in words):
            return role, 100
    return None


# --- one row of the file -----------------------------------------------------------------

def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).translate(_HALF_WIDTH).translate(_INVISIBLE).split())


@dataclass
class _Row:
    number: int  # row number as the spreadsheet shows it
    account: str  # '' when missing or not to be trusted
    account_broken: bool  # stored as a number and rounded
    masked: bool  # the bank hid the middle digits (6217****6174)
    id_number: str  # '' unless an intact 18-character text
    name: str
    amount: Decimal | None
    status: str
    reason: str

    @classmethod
    def parse(cls, number: int, cells: list, roles: dict[str, int]) -> "_Row | None":
        raw = {role: cells[col] if col < len(cells) else "" for role, col in roles.items()}
        texts = [_text(v) for v in cells]
        if not any(texts):
            return None
        first = next(t for t in texts if t)
        name = "".join(_text(raw.get("name")).split())
        if any(first.startswith(w) or name.startswith(w) for w in TOTAL_WORDS):
            return None  # a 合计 / 小计 row
        account, broken = _account(raw.get("account"))
        return cls(number, account, broken, "*" in account, _id(raw.get("id_number")), name,
                   _amount(raw.get("amount")), _text(raw.get("status")), _text(raw.get("reason")))

    def where(self) -> str:
        account = "账号被存成数字" if self.account_broken else (
            f"账号{mask_account(self.account.replace('*', ''))}" if self.account else "无账号")
        amount = f"，{yuan_str(self.amount)}元" if self.amount is not None else ""
        return f"第{self.number}行（{account}{amount}）"


def _account(value) -> tuple[str, bool]:
    if isinstance(value, float):
        if not value.is_integer() or len(str(int(abs(value)))) > _EXACT_NUMBER_DIGITS:
            return "", True
        return str(int(value)), False
    if isinstance(value, int) and not isinstance(value, bool):
        return ("", True) if len(str(abs(value))) > _EXACT_NUMBER_DIGITS else (str(value), False)
    text = _plain_account(_text(value))
    if text.startswith('="') and text.endswith('"'):  # the ="0123" trick of csv exports
        text = text[2:-1]
    text = text.lstrip("'")
    if re.search(r"[.Ee+]", text) and re.fullmatch(r"[\d.]+(E\+?\d+)?", text.upper()):
        return "", True  # 6.21701E+18: the digits are gone
    return text, False


def _plain_account(text: str) -> str:
    return "".join(text.split()).replace("-", "")


def _id(value) -> str:
    if not isinstance(value, str):
        return ""  # a number: Excel rounded it (5.10102E+17), never trust it
    text = "".join(_text(value).split()).upper().lstrip("'")
    return text if _ID_RE.match(text) else ""


def _amount(value) -> Decimal | None:
    try:
        if isinstance(value, float):
            return to_money(Decimal(repr(value)))
        if isinstance(value, (int, Decimal, str)) and not isinstance(value, bool):
            return to_money(value)
    except (MoneyError, InvalidOperation):
        pass
    return None


def _outcome(status: str, reason: str) -> tuple[str, str]:
    """('failed' | 'ok' | 'unknown', the bank's reason)."""
    status_key = status.upper()
    reason_says = reason.upper() not in EMPTY_TEXTS and not (
        any(w in reason for w in OK_WORDS) and not any(w in reason for w in FAIL_WORDS))
    why = reason if reason_says else (status or "银行退回")
    if status_key in FAIL_CODES or any(w in status for w in FAIL_WORDS):
        return "failed", why
    if status_key in OK_CODES or any(w in status for w in OK_WORDS):
        return "ok", ""
    if reason_says:
        return "failed", why
    return ("ok", "") if status_key in EMPTY_TEXTS else ("unknown", "")


# --- matching rows to lines --------------------------------------------------------------

class _Matcher:
    def __init__(self, lines: list[batches.LineView]):
        self.lines = lines
        self.by_account: dict[str, list] = defaultdict(list)
        self.by_id: dict[str, list] = defaultdict(list)
        self.by_name: dict[str, list] = defaultdict(list)
        for line in lines:
            self.by_account[_plain_account(line.bank_account)].append(line)
            self.by_id[line.id_number.upper()].append(line)
            self.by_name[line.name].append(line)
        self.used: set[int] = set()
        self.matched = 0

    def match(self, row: _Row):
        """(line, '') or (None, why not)."""
        if row.account and not row.masked:
            candidates = self.by_account.get(row.account)
            if not candidates:
                return None, "账号不在本批次中"
        elif row.masked:
            head, _, tail = row.account.partition("*")
            tail = tail.lstrip("*")
            candidates = [line for line in self.lines if line.bank_account.startswith(head)
                          and line.bank_account.endswith(tail)
                          and len(line.bank_account) >= len(head) + len(tail)]
            if not row.name and row.amount is None:
                return None, "账号被遮挡且没有姓名、金额，无法核对"
        elif row.id_number:
            candidates = self.by_id.get(row.id_number)
            if not candidates:
                return None, "身份证号不在本批次中"
        elif row.name and row.amount is not None:
            candidates = self.by_name.get(row.name)
        else:
            return None, "没有可用于核对的账号、身份证号或姓名与金额"
        if not candidates:
            return None, "与本批次的明细对不上"
        return self._pick(row, candidates)

    def _pick(self, row: _Row, candidates: list):
        if row.name:
            named = [line for line in candidates if line.name == row.name]
            if named or len(candidates) > 1 or row.masked or not row.account:
                candidates = named
        if row.amount is not None:
            candidates = [line for line in candidates if line.amount == row.amount]
            if not candidates:
                return None, "金额与本批次的明细不符"
        if not candidates:
            return None, "姓名与本批次的明细不符"
        free = [line for line in candidates if line.id not in self.used]
        if not free:
            return None, "与前面的行对应同一条明细（重复）"
        if len({(line.name, line.amount, line.bank_account) for line in free}) > 1:
            return None, "对应本批次的多条明细，无法确定是哪一条"
        line = free[0]
        self.used.add(line.id)
        self.matched += 1
        return line, ""
