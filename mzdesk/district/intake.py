"""The district side (区局): load the townships' packages, then add them up.

`add_packages` verifies each package (mzdesk.district.package.read_package)
and loads it into the open database's district tables, one transaction per
package with its audit entry: a package that fails its checksum, its
password or its manifest is refused by its name and the others still go in.
A township's package for a month already loaded is refused unless
replace=True; the old load is then kept, marked inactive (nothing is deleted).

`district_report` writes the sum over the townships of one month: a row per
township and programme, then 合计 per programme over the townships, and the
amounts of all programmes; a second sheet lists the packages it was made
from, a third the ID numbers that stand on the rosters of more than one
township in the month (someone paid twice).

本月新增 / 本月减少 (enrollments that entered / left a monthly programme's
paid roll) are kept as the township reported them, NULL where it reported
none: rows that are not a monthly roll, packages written before the township
side had them, and packages loaded before migration 0006.  The report shows
those blank, never 0, and a programme's 合计 of them is blank as soon as one
township lacks them: a sum that leaves a township out is not the district's
figure.  A note under the table names such townships.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from .. import audit
from ..errors import DomainError, ValidationError
from ..files import atomic_path
from ..models import database
from ..services.common import month as norm_month
from ..services.settings import get_setting
from .figures_sheet import TOTAL_NAME
from .models import DistrictFigure, DistrictPackage, DistrictRosterLine
from .package import Package, read_package

ZERO = Decimal("0.00")
TEXT, MONEY = "@", "#,##0.00"


@dataclass(frozen=True)
class AddResult:
    path: Path
    name: str  # the package folder's name
    ok: bool
    message: str  # what was done, or why it was refused (Chinese)
    township: str = ""
    month: str = ""
    replaced: bool = False
    package_id: int | None = None


@dataclass(frozen=True)
class LoadedPackage:
    id: int
    township: str
    district: str
    month: str
    created_at: object
    loaded_at: object
    source: str
    encrypted: bool
    files: int


def add_packages(paths, password: str | None = None, replace: bool = False) -> list[AddResult]:
    """Verify and load each package; one result per path, in order."""
    results = []
    for path in paths:
        path = Path(path)
        name = path.name or str(path)
        try:
            package = read_package(path, password)
            results.append(_load(package, replace))
        except DomainError as exc:
            results.append(AddResult(path, name, False, str(exc)))
    return results


def _label(township: str, month: str) -> str:
    return f"{township}{int(month[:4])}年{int(month[5:])}月"


def _load(p: Package, replace: bool) -> AddResult:
    label = _label(p.township, p.month)
    with database.atomic():
        old = (DistrictPackage.select()
               .where((DistrictPackage.township == p.township) & (DistrictPackage.month == p.month)
                      & DistrictPackage.active).first())
        if old is not None and not replace:
            return AddResult(p.path, p.name, False,
                             f"报送包“{p.name}”未载入：{label}的报送包已于 "
                             f"{old.loaded_at:%Y-%m-%d %H:%M} 载入；如需替换请选择替换（命令行加 --replace）",
                             p.township, p.month)
        if old is not None:
            DistrictPackage.update(active=False).where(DistrictPackage.id == old.id).execute()
        row = DistrictPackage.create(township=p.township, district=p.district, month=p.month,
                                     created_at=p.created_at, source=p.name, encrypted=p.encrypted,
                                     manifest=p.manifest)
        if old is not None:
            DistrictPackage.update(replaced_by=row.id).where(DistrictPackage.id == old.id).execute()
        DistrictFigure.insert_many(
            [{"package": row.id, "position": i, "code": f.code, "name": f.name,
              "households": f.households, "persons": f.persons, "amount_month": f.amount_month,
              "amount_year": f.amount_year, "note": f.note, "added": f.added,
              "removed": f.removed}
             for i, f in enumerate(p.figures)]).execute()
        lines = [{"package": row.id, "programme": code, "seq": e.seq, "village": e.village,
                  "name": e.name, "id_number": e.id_number, "covered_persons": e.covered_persons,
                  "category": e.category, "amount": e.amount}
                 for code, entries in p.rosters.items() for e in entries]
        for start in range(0, len(lines), 500):
            DistrictRosterLine.insert_many(lines[start:start + 500]).execute()
        verb = "替换" if old is not None else "载入"
        audit.record(f"{verb}报送包", "district_package", row.id,
                     before={"package_id": old.id, "source": old.source} if old else None,
                     after={"township": p.township, "month": p.month, "source": p.name,
                            "files": len(p.manifest["files"]), "encrypted": p.encrypted},
                     summary=f"{label}报送包：{len(p.figures)}个项目，花名册{len(lines)}行")
    return AddResult(p.path, p.name, True,
                     f"已{verb}{label}的报送包（{len(p.figures)}个项目，花名册{len(lines)}行）",
                     p.township, p.month, old is not None, row.id)


def loaded_packages(month=None) -> list[LoadedPackage]:
    """The packages in force (not replaced), by month then township."""
    query = DistrictPackage.select().where(DistrictPackage.active)
    if month is not None:
        query = query.where(DistrictPackage.month == norm_month(month))
    return [LoadedPackage(p.id, p.township, p.district, p.month, p.created_at, p.loaded_at,
                          p.source, p.encrypted, len(p.manifest.get("files", [])))
            for p in query.order_by(DistrictPackage.month, DistrictPackage.township)]


# --- the report ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ReportRow:
    township: str  # TOTAL_NAME on the rows that add the townships up
    code: str
    name: str
    households: int | None
    persons: int | None
    amount_month: Decimal
    amount_year: Decimal
    added: int | None = None  # 本月新增; None: not reported (or, on 合计, not by every township)
    removed: int | None = None  # 本月减少


def report_rows(month) -> list[ReportRow]:
    """The rows of the district report of `month` (ValidationError when nothing was loaded)."""
    month = norm_month(month)
    packages = loaded_packages(month)
    if not packages:
        raise ValidationError(f"还没有载入{int(month[:4])}年{int(month[5:])}月的报送包")
    figures = (DistrictFigure.select(DistrictFigure, DistrictPackage.township)
               .join(DistrictPackage)
               .where(DistrictPackage.active & (DistrictPackage.month == month))
               .order_by(DistrictPackage.township, DistrictFigure.position))
    rows, sums, names = [], {}, {}
    for f in figures:
        rows.append(ReportRow(f.package.township, f.code, f.name, f.households, f.persons,
                              f.amount_month, f.amount_year, f.added, f.removed))
        names.setdefault(f.code, f.name)
        h, p, m, y, a, r = sums.get(f.code, (0, 0, ZERO, ZERO, 0, 0))
        sums[f.code] = (h + f.households, p + f.persons, m + f.amount_month, y + f.amount_year,
                        _plus(a, f.added), _plus(r, f.removed))
    for code, (h, p, m, y, a, r) in sums.items():
        rows.append(ReportRow(TOTAL_NAME, code, names[code], h, p, m, y, a, r))
    rows.append(ReportRow(TOTAL_NAME, "total", "全部项目", None, None,
                          sum((v[2] for v in sums.values()), ZERO),
                          sum((v[3] for v in sums.values()), ZERO)))
    return rows


def _plus(total: int | None, value: int | None) -> int | None:
    """A sum that stays None once one township has not reported the figure."""
    return None if total is None or value is None else total + value


def without_changes(rows: list[ReportRow]) -> list[str]:
    """The townships whose rows carry no 本月新增 / 本月减少 at all (an older package or load)."""
    towns = dict.fromkeys(r.township for r in rows if r.township != TOTAL_NAME)
    having = {r.township for r in rows if r.added is not None or r.removed is not None}
    return [t for t in towns if t not in having]


def duplicates(month) -> list[tuple]:
    """(id_number, name, township, programme name, amount) for each ID on the rosters
    of more than one township in the month."""
    cursor = database.execute_sql(
        "WITH cur AS (SELECT l.*, p.township FROM district_roster_line l"
        "  JOIN district_package p ON p.id = l.package_id WHERE p.active AND p.month = ?),"
        " dup AS (SELECT id_number FROM cur GROUP BY id_number HAVING COUNT(DISTINCT township) > 1)"
        " SELECT c.id_number, c.name, c.township, COALESCE(f.name, c.programme), c.amount"
        " FROM cur c JOIN dup USING (id_number)"
        " LEFT JOIN district_figure f ON f.package_id = c.package_id AND f.code = c.programme"
        " ORDER BY c.id_number, c.township, c.programme", (norm_month(month),))
    return [(i, n, t, prog, (Decimal(fen) / 100).quantize(Decimal("0.01")))
            for i, n, t, prog, fen in cursor.fetchall()]


def district_report(month, out_path) -> Path:
    """Write the district's sum of the townships' packages of `month` as an xlsx."""
    month = norm_month(month)
    rows = report_rows(month)
    packages = loaded_packages(month)
    district = get_setting("district") or next((p.district for p in packages if p.district), "")
    title = f"{district}{int(month[:4])}年{int(month[5:])}月民政月报汇总（{len(packages)}个乡镇）"
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    _table(ws, title, [("乡镇", 12), ("项目", 20), ("户数", 10), ("人数", 10),
                       ("本月发放金额(元)", 18), ("本年累计金额(元)", 18), ("本月新增", 10),
                       ("本月减少", 10), ("代码", 16)],
           [(r.township, r.name, r.households, r.persons, r.amount_month, r.amount_year,
             r.added, r.removed, r.code) for r in rows], text_columns={8})
    lacking = without_changes(rows)
    if lacking:  # after a blank row, so the table ends where its rows do
        ws.append([])
        ws.append([f"注：{'、'.join(lacking)}的报送包没有本月新增、本月减少（由旧版本生成或载入），"
                   "表中为空白，相关项目合计中的这两项也为空白。"])
    _table(wb.create_sheet("报送情况"), f"{title}：报送情况",
           [("乡镇", 12), ("区(县)", 12), ("月份", 10), ("制作时间", 20), ("载入时间", 20),
            ("文件数", 8), ("是否加密", 10), ("报送包", 36)],
           [(p.township, p.district, p.month, _when(p.created_at), _when(p.loaded_at), p.files,
             "是" if p.encrypted else "否", p.source) for p in packages])
    found = duplicates(month)
    _table(wb.create_sheet("跨乡镇重复"), f"{title}：同一身份证号在多个乡镇的花名册上",
           [("身份证号码", 22), ("姓名", 12), ("乡镇", 12), ("项目", 20), ("月发放金额(元)", 16)],
           found or [("未发现", None, None, None, None)], text_columns={0})
    out_path = Path(out_path)
    with atomic_path(out_path) as tmp:
        wb.save(tmp)
    return out_path


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if hasattr(value, "strftime") else str(value or "")


def _table(ws, title: str, headers: list[tuple[str, int]], rows, text_columns=frozenset()) -> None:
    from openpyxl.utils import get_column_letter
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([h for h, _ in headers])
    for i, (_, width) in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
        cell = ws.cell(row=2, column=i)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for values in rows:
        ws.append(list(values))
        for i, value in enumerate(values):
            cell = ws.cell(row=ws.max_row, column=i + 1)
            if i in text_columns:
                cell.number_format = TEXT
            elif isinstance(value, Decimal):
                cell.number_format = MONEY
        if values[0] == TOTAL_NAME:
            for i in range(len(values)):
                ws.cell(row=ws.max_row, column=i + 1).font = Font(bold=True)
    ws.freeze_panes = "A3"
