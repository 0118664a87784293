"""The monthly package for the district (区局报送包), made on a USB stick and read back.

A package is a folder `民政报送_{township}_{YYYY-MM}` holding
- 民政月报.xlsx: the month's figures (mzdesk.district.figures_sheet);
- one roster per monthly programme (`{programme}花名册.xlsx`): the roll of the
  month, the lines that are paid (mzdesk.payments.month_roll), ID numbers and
  accounts as text cells, written by mzdesk.xlsx_export like 导出当前列表;
- manifest.json: format, township, district, month, created_at, the mzdesk
  version, every file with its SHA-256, size and whether it is encrypted, and
  figures_sha256 (the figures in canonical form).  Always plain JSON, with no
  personal data in it.

With a password each xlsx is an encrypted OOXML file (see encryption.py);
the SHA-256 in the manifest is of the bytes on the stick.

Whole or not at all: the files are written (and fsynced) in a hidden
temporary folder inside the chosen folder, then the folder is renamed to its
final name in one step; any failure (a full or pulled-out stick, a cancel)
removes the temporary folder and leaves nothing under the final name.  An
existing package of the same name is refused unless overwrite=True, which
moves it aside until the new one is in place.

`read_package` is the district's side of the contract: it verifies every
file against the manifest before reading anything, and refuses by the
package's name: 缺少文件, 校验失败 (naming the file), 密码错误, 清单格式不对.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Callable

from .. import __version__, audit
from ..errors import ConflictError, DomainError, NotFoundError, ValidationError
from ..fields import MONTH_RE
from ..files import os_reason
from ..listing import Column
from ..models import Programme, database
from ..payments import month_roll
from ..services.common import month as norm_month
from ..services.settings import get_setting
from ..xlsx_export import list_bytes
from . import figures_sheet
from .encryption import WrongPassword, check_password, decrypt_xlsx, encrypt_xlsx, is_encrypted
from .figures_sheet import FigureRow

FORMAT = 1
MANIFEST = "manifest.json"
PREFIX = "民政报送"
ROSTER_SHEET = "花名册"
TOTAL = "合计"

Progress = Callable[[int, int, str], None]

ROSTER_COLUMNS = [
    Column("seq", "序号", align="right", width=8),
    Column("village", "村(社区)", width=14),
    Column("name", "姓名", width=12),
    Column("id_number", "身份证号码", text=True, width=22),
    Column("covered_persons", "保障人数", align="right"),
    Column("category", "类别", width=16),
    Column("amount", "月发放金额(元)", align="right", width=16),
    Column("bank_name", "开户银行", width=18),
    Column("bank_account", "银行账号", text=True, width=24),
]


@dataclass(frozen=True)
class PackageFile:
    name: str
    sha256: str
    bytes: int
    encrypted: bool
    kind: str  # figures / roster
    programme: str = ""
    rows: int = 0

    def as_json(self) -> dict:
        out = {"name": self.name, "sha256": self.sha256, "bytes": self.bytes,
               "encrypted": self.encrypted, "kind": self.kind, "rows": self.rows}
        if self.programme:
            out["programme"] = self.programme
        return out


@dataclass(frozen=True)
class PackageResult:
    path: Path
    files: list[PackageFile]
    manifest: dict


@dataclass(frozen=True)
class RosterEntry:
    seq: int
    village: str
    name: str
    id_number: str
    covered_persons: int
    category: str
    amount: Decimal


@dataclass(frozen=True)
class Package:
    """A package read and verified on the district side."""

    path: Path
    name: str
    manifest: dict
    township: str
    district: str
    month: str
    created_at: dt.datetime
    encrypted: bool
    figures: list[FigureRow]
    rosters: dict[str, list[RosterEntry]] = field(default_factory=dict)


def package_name(township: str, month: str) -> str:
    return f"{PREFIX}_{township}_{month}"


def roster_file_name(programme: Programme) -> str:
    return f"{programme.name}花名册.xlsx"


# --- making the package -------------------------------------------------------------------

def export_package(out_dir, *, month=None, password: str | None = None, overwrite: bool = False,
                   progress: Progress | None = None) -> PackageResult:
    """Write the month's package into `out_dir`; month defaults to the current month.

    `progress(done, total, label)` is called between files; an exception it
    raises (a cancelled task) leaves nothing behind.
    """
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise ValidationError(f"文件夹不存在：{out_dir}")
    township = get_setting("township")
    if not township:
        raise ValidationError("数据库中还没有乡镇，不能生成报送包")
    month = norm_month(month or dt.date.today())
    if password is not None:
        check_password(password)
    name = package_name(township, month)
    final = out_dir / name
    if final.exists() and not overwrite:
        raise ConflictError(f"“{name}”已存在；如需重新报送请选择替换（命令行加 --overwrite）")
    programmes = list(Programme.select().where(Programme.monthly)
                      .order_by(Programme.sort_order, Programme.code))
    report = progress or (lambda done, total, label: None)
    steps = len(programmes) + 2
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", suffix=".part", dir=out_dir))
    except OSError as exc:
        raise DomainError(f"无法写入报送包“{name}”：{os_reason(exc)}") from None
    try:
        report(0, steps, "正在统计民政月报……")
        rows = figures_sheet.figures(month)
        data, _ = list_bytes(figures_sheet.title(township, month), figures_sheet.COLUMNS,
                             figures_sheet.sheet_rows(rows), figures_sheet.SHEET)
        files = [_put(tmp, figures_sheet.FILE_NAME, data, password, kind="figures", rows=len(rows))]
        for i, prog in enumerate(programmes, start=1):
            report(i, steps, f"正在写入{prog.name}花名册……")
            lines = [line for line in month_roll.roll(prog.code, month) if not line.reason]
            data, _ = list_bytes(_roster_title(township, month, prog), ROSTER_COLUMNS,
                                 _roster_rows(lines), ROSTER_SHEET)
            files.append(_put(tmp, roster_file_name(prog), data, password, kind="roster",
                              programme=prog.code, rows=len(lines)))
        report(steps - 1, steps, "正在保存报送包……")
        manifest = {
            "format": FORMAT, "township": township, "district": get_setting("district"),
            "month": month, "created_at": dt.datetime.now().replace(microsecond=0).isoformat(),
            "mzdesk_version": __version__, "encrypted": password is not None,
            "files": [f.as_json() for f in files],
            "figures_sha256": figures_sheet.digest(rows),
        }
        if password is not None:
            manifest["encryption"] = "ECMA-376 agile, AES-256"
        _write_file(tmp / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"))
        _sync_dir(tmp)
        os.chmod(tmp, 0o755)  # mkdtemp made it private; a package is for others to read
        with database.atomic():  # the audit entry stays only if the package is in place
            audit.record("生成报送包", "district_package", "",
                         summary=f"{name}：{len(files)}个文件" + ("（已加密）" if password else ""))
            _move_into_place(tmp, final, overwrite)
    except OSError as exc:
        _remove(tmp)
        raise DomainError(f"无法写入报送包“{name}”：{os_reason(exc)}；报送包没有保存，请检查U盘后重试") from None
    except BaseException:
        _remove(tmp)
        raise
    return PackageResult(final, files, manifest)


def _roster_title(township: str, month: str, prog: Programme) -> str:
    return f"{township}{int(month[:4])}年{int(month[5:])}月{prog.name}花名册"


def _roster_rows(lines) -> list[dict]:
    rows = [{"seq": i, "village": line.village, "name": line.name, "id_number": line.id_number,
             "covered_persons": line.covered_persons, "category": line.category,
             "amount": line.amount, "bank_name": line.bank_name, "bank_account": line.bank_account}
            for i, line in enumerate(lines, start=1)]
    rows.append({"seq": TOTAL, "covered_persons": sum(line.covered_persons for line in lines),
                 "amount": sum((line.amount for line in lines), Decimal("0.00"))})
    return rows


def _put(folder: Path, name: str, data: bytes, password: str | None, **meta) -> PackageFile:
    if password is not None:
        data = encrypt_xlsx(data, password)
    _write_file(folder / name, data)
    return PackageFile(name, hashlib.sha256(data).hexdigest(), len(data), password is not None, **meta)


def _write_file(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())  # on the stick before the folder gets its final name


def _sync_dir(folder: Path) -> None:
    """Flush the folder's entries too, where the system allows it (not on Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _move_into_place(tmp: Path, final: Path, overwrite: bool) -> None:
    old = None
    if final.exists():
        if not overwrite:
            raise ConflictError(f"“{final.name}”已存在；如需重新报送请选择替换（命令行加 --overwrite）")
        old = final.with_name(f".{final.name}-old-{dt.datetime.now():%Y%m%d%H%M%S%f}")
        os.replace(final, old)
    try:
        os.replace(tmp, final)
    except OSError:
        if old is not None:
            try:
                os.replace(old, final)  # put the previous package back
            except OSError:
                pass
        raise
    if old is not None:
        _remove(old)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink()
        except OSError:
            pass


# --- reading it back (the district side) --------------------------------------------------

_SHA = re.compile(r"^[0-9a-f]{64}$")


def read_package(path, password: str | None = None) -> Package:
    """Verify and read a package folder; refuses with the package's name and the reason."""
    path = Path(path)
    name = path.name or str(path)

    def refuse(reason: str, kind=ValidationError):
        raise kind(f"报送包“{name}”{reason}")

    if not path.is_dir():
        refuse("不存在，或不是报送包文件夹", NotFoundError)
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        refuse(f"缺少文件“{MANIFEST}”（报送清单）")
    try:
        manifest = json.loads(manifest_path.read_bytes().decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        refuse("清单格式不对：manifest.json 不是有效的 JSON")
    except OSError as exc:
        refuse(f"无法读取：{os_reason(exc)}")
    problem = _manifest_problem(manifest)
    if problem:
        refuse(f"清单格式不对：{problem}")
    entries = manifest["files"]
    contents: dict[str, bytes] = {}
    for entry in entries:  # every checksum first: a tampered file is named even without a password
        file = path / entry["name"]
        if not file.is_file():
            refuse(f"缺少文件“{entry['name']}”")
        try:
            data = file.read_bytes()
        except OSError as exc:
            refuse(f"无法读取文件“{entry['name']}”：{os_reason(exc)}")
        if len(data) != entry["bytes"] or hashlib.sha256(data).hexdigest() != entry["sha256"]:
            refuse(f"校验失败：文件“{entry['name']}”与清单不符（已被改动或损坏）")
        contents[entry["name"]] = data
    for entry in entries:
        data = contents[entry["name"]]
        if entry["encrypted"] != is_encrypted(data):
            refuse(f"清单格式不对：文件“{entry['name']}”的加密标记与文件不符")
        if entry["encrypted"]:
            try:
                contents[entry["name"]] = decrypt_xlsx(data, password)
            except WrongPassword:
                refuse("密码错误" if password else "已加密，请输入密码", WrongPassword)
            except ValidationError:
                refuse(f"文件“{entry['name']}”无法解密（文件已损坏）")
    figures_entry = next(e for e in entries if e["kind"] == "figures")
    try:
        figures = figures_sheet.parse_rows(_cells(contents[figures_entry["name"]], figures_sheet.SHEET))
    except (ValueError, KeyError, OSError):
        refuse(f"文件“{figures_entry['name']}”的内容格式不对")
    if figures_sheet.digest(figures) != manifest["figures_sha256"]:
        refuse(f"校验失败：文件“{figures_entry['name']}”中的数字与清单不符")
    rosters = {}
    for entry in entries:
        if entry["kind"] != "roster":
            continue
        try:
            lines = _parse_roster(_cells(contents[entry["name"]], ROSTER_SHEET))
        except (ValueError, KeyError, OSError):
            refuse(f"文件“{entry['name']}”的内容格式不对")
        if len(lines) != entry["rows"]:
            refuse(f"校验失败：文件“{entry['name']}”的行数与清单不符")
        rosters[entry["programme"]] = lines
    return Package(path, name, manifest, manifest["township"], manifest.get("district") or "",
                   manifest["month"], dt.datetime.fromisoformat(manifest["created_at"]),
                   any(e["encrypted"] for e in entries), figures, rosters)


def _manifest_problem(m) -> str:
    """What is wrong with a manifest's shape, or '' when it is usable."""
    if not isinstance(m, dict):
        return "内容不是清单"
    if type(m.get("format")) is not int or m["format"] != FORMAT:
        return f"不支持的格式版本“{m.get('format')}”（本程序读取版本 {FORMAT}）"
    if not isinstance(m.get("township"), str) or not m["township"].strip():
        return "缺少乡镇名称"
    if not isinstance(m.get("district", ""), str):
        return "区(县)名称不对"
    if not isinstance(m.get("month"), str) or not MONTH_RE.match(m["month"]):
        return "月份不对"
    try:
        dt.datetime.fromisoformat(m.get("created_at"))
    except (TypeError, ValueError):
        return "制作时间不对"
    if not isinstance(m.get("figures_sha256"), str) or not _SHA.match(m["figures_sha256"]):
        return "缺少民政月报的校验值"
    files = m.get("files")
    if not isinstance(files, list) or not files:
        return "缺少文件清单"
    seen = set()
    for f in files:
        if not isinstance(f, dict):
            return "文件清单不对"
        name = f.get("name")
        if (not isinstance(name, str) or not name.lower().endswith(".xlsx") or name.startswith(".")
                or "/" in name or "\\" in name or name in seen):
            return f"文件名“{name}”不对"
        seen.add(name)
        if not isinstance(f.get("sha256"), str) or not _SHA.match(f["sha256"]):
            return f"文件“{name}”缺少 SHA-256 校验值"
        if type(f.get("bytes")) is not int or f["bytes"] < 0 or type(f.get("rows")) is not int:
            return f"文件“{name}”的大小或行数不对"
        if not isinstance(f.get("encrypted"), bool):
            return f"文件“{name}”缺少加密标记"
        if f.get("kind") not in ("figures", "roster"):
            return f"文件“{name}”的类型不对"
        if f["kind"] == "roster" and (not isinstance(f.get("programme"), str) or not f["programme"]):
            return f"文件“{name}”缺少救助项目"
    if sum(f["kind"] == "figures" for f in files) != 1:
        return "应有且只有一个民政月报文件"
    return ""


def _cells(data: bytes, sheet: str) -> list[tuple]:
    from openpyxl import load_workbook
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - an unreadable xlsx is a format problem here
        raise ValueError("not an xlsx") from exc
    try:
        return [tuple(row) for row in wb[sheet].iter_rows(values_only=True)]
    finally:
        wb.close()


def _parse_roster(cells: list[tuple]) -> list[RosterEntry]:
    titles = [c.title for c in ROSTER_COLUMNS]
    for i, row in enumerate(cells):
        if [("" if v is None else str(v).strip()) for v in row[:len(titles)]] == titles:
            break
    else:
        raise ValueError("header row not found")
    keys = [c.key for c in ROSTER_COLUMNS]
    out = []
    for row in cells[i + 1:]:
        v = dict(zip(keys, row))
        if str(v.get("seq") or "").strip() == TOTAL:
            break
        if v.get("seq") in (None, ""):
            continue
        id_number = v.get("id_number")
        if not isinstance(id_number, str):  # written as text; a number would be a rounded ID
            raise ValueError("ID number is not text")
        out.append(RosterEntry(figures_sheet.whole_number(v["seq"]), str(v.get("village") or ""),
                               str(v.get("name") or ""), id_number.strip(),
                               figures_sheet.whole_number(v["covered_persons"]),
                               str(v.get("category") or ""), figures_sheet.money_value(v["amount"])))
    return out
