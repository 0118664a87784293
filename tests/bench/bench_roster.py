"""Benchmark: a 2,000-line signature roster, mzdesk vs. LibreOffice printing the same rows.

Run: python -m tests.bench.bench_roster [--households 23000] [--lines 2000] [--runs 5]
Builds the demo township (at 23,000 households June's 农村低保 roll holds
about 2,040 households) and makes a batch of exactly `--lines` of them (a
补发 batch through the service, so the count is exact; the roster is the
same document as a monthly one).  Then, alternately and each in a fresh
process, as the clerk would meet them:

- mzdesk: start Python, open the database, `signature_roster(batch)` and
  `write_pdf` (font search, layout, embedded subset, file written whole);
- LibreOffice: `soffice --headless --convert-to pdf` of an xlsx holding the
  same rows (title, header repeated on every page, village subtotals, 合计
  and 大写, ruled cells, A4 landscape fitted to the width, page x of y) —
  what the office would otherwise print from a spreadsheet.

Both wall time and CPU time (of the process and its children) are shown:
the CPU times hold up when the machine is busy with other work.  The
target is LibreOffice ≥ 10× mzdesk.  A fresh Python process spends about
half its time importing (reportlab, peewee) and reading the CJK font, so
the time inside the running application (the GUI's 打印, font already
registered) is reported too, with its own ratio.  LibreOffice's profile is created by
one warm-up conversion that is not counted.  Without soffice on the PATH,
only mzdesk's time is reported.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mzdesk import db as dbmod
from mzdesk.demo import build_demo
from mzdesk.money import to_capitals, yuan_str
from mzdesk.payments import batches
from mzdesk.services.settings import get_setting

ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 6, 10)
MONTH = "2026-06"

_MZDESK = r"""
import sys
from mzdesk import db as dbmod
from mzdesk.documents.pdf import write_pdf
from mzdesk.documents.roster import signature_roster
dbmod.open_database(sys.argv[1])
write_pdf(signature_roster(int(sys.argv[2])), sys.argv[3])
"""


def make_batch(n_lines: int) -> int:
    roll = [r for r in batches.preview_regular("dibao_rural", MONTH).lines]
    if len(roll) < n_lines:
        sys.exit(f"the roll holds only {len(roll)} households: raise --households")
    items = [batches.Adjustment(r.enrollment_id, r.amount, "") for r in roll[:n_lines]]
    batch = batches.create_adjustment("supplement", "dibao_rural", MONTH, items, "基准测试")
    batches.approve(batch.id)
    return batch.id


def write_xlsx(batch_id: int, path: Path) -> None:
    """The roster's rows as a spreadsheet set up to print like the roster."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.worksheet.properties import PageSetupProperties

    info = batches.info(batch_id)
    wb = Workbook()
    ws = wb.active
    ws.title = "花名册"
    headers = ["序号", "村(社区)", "户主姓名", "身份证号码", "保障人数", "金额(元)", "领取人签字", "备注"]
    for col, width in zip("ABCDEFGH", (6, 11, 10, 21, 8, 11, 30, 18)):
        ws.column_dimensions[col].width = width
    ws.append([f"{get_setting('township')}{info.name}发放花名册"])
    ws.merge_cells("A1:H1")
    ws["A1"].font = Font(size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append([f"发放月份：{MONTH}    批次编号：{batch_id}    状态：{info.state}"])
    ws.append(headers)
    rows = batches.lines(batch_id)
    village, persons, amount, count = None, 0, 0, 0
    for line in rows + [None]:
        if village is not None and (line is None or line.village != village):
            ws.append([f"{village}小计：{count}户", "", "", "", persons, yuan_str(amount), "", ""])
            village = None
        if line is None:
            break
        if village is None:
            village, persons, amount, count = line.village, 0, 0, 0
        persons, amount, count = persons + line.covered_persons, amount + line.amount, count + 1
        ws.append([line.seq, line.village, line.name, line.id_number, line.covered_persons,
                   line.amount, "", line.note])
    total = sum(line.amount for line in rows)
    ws.append([f"合计：{len(rows)}户", "", "", "", sum(r.covered_persons for r in rows), yuan_str(total)])
    ws.append(["合计金额（大写）", "", "", "", to_capitals(total, prefix="人民币")])
    ws.append([f"制表人：{get_setting('preparer')}", "", f"审核人：{get_setting('reviewer')}", "",
               f"负责人：{get_setting('head')}", "", "日期：    年  月  日"])
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for row in ws.iter_rows(min_row=3, max_row=ws.max_row - 1):
        ws.row_dimensions[row[0].row].height = 21
        for cell in row:
            cell.border = border
            cell.alignment = Alignment(horizontal="center", vertical="center")
            if cell.column == 6 and cell.row > 3:
                cell.number_format = "0.00"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.print_title_rows = "3:3"
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"
    wb.save(path)


def timed(cmd: list[str], env=None) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, children included) of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def pdf_pages(path: Path) -> str:
    if not shutil.which("pdfinfo"):
        return "?"
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    return next((line.split()[-1] for line in out.splitlines() if line.startswith("Pages:")), "?")


def in_process(batch_id: int, out: Path) -> float:
    """The warm time inside a running application (font already registered)."""
    from mzdesk.documents.pdf import write_pdf
    from mzdesk.documents.roster import signature_roster

    write_pdf(signature_roster(batch_id), out)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        write_pdf(signature_roster(batch_id), out)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=23000)
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        db_path = tmp / "bench.sqlite3"
        dbmod.open_database(db_path)
        build_demo(households=args.households, today=TODAY)
        batch_id = make_batch(args.lines)
        xlsx = tmp / "roster.xlsx"
        write_xlsx(batch_id, xlsx)
        warm = in_process(batch_id, tmp / "warm.pdf")
        dbmod.close_database()

        ours_pdf, lo_dir = tmp / "mzdesk.pdf", tmp / "lo"
        ours_cmd = [sys.executable, "-c", _MZDESK, str(db_path), str(batch_id), str(ours_pdf)]
        lo_cmd = None
        if soffice:
            profile = (tmp / "lo-profile").as_uri()
            lo_cmd = [soffice, f"-env:UserInstallation={profile}", "--headless",
                      "--convert-to", "pdf", "--outdir", str(lo_dir), str(xlsx)]
            timed(lo_cmd)  # warm-up: creates the LibreOffice profile
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        ours, theirs = [], []
        for _ in range(args.runs):  # alternated, so drift in machine load hits both alike
            ours.append(timed(ours_cmd, env))
            if lo_cmd:
                theirs.append(timed(lo_cmd))

        print(f"roster of {args.lines} lines; mzdesk PDF {pdf_pages(ours_pdf)} pages"
              + (f", LibreOffice PDF {pdf_pages(lo_dir / 'roster.pdf')} pages" if lo_cmd else ""))
        o_wall = statistics.median(t[0] for t in ours)
        o_cpu = statistics.median(t[1] for t in ours)
        print(f"mzdesk, fresh process    wall {o_wall:6.2f} s   cpu {o_cpu:6.2f} s")
        print(f"mzdesk, warm in-process  wall {warm:6.2f} s   (layout + PDF, font registered)")
        if not lo_cmd:
            print("LibreOffice (soffice) is not installed: no side-by-side comparison")
            return
        t_wall = statistics.median(t[0] for t in theirs)
        t_cpu = statistics.median(t[1] for t in theirs)
        print(f"LibreOffice --convert-to wall {t_wall:6.2f} s   cpu {t_cpu:6.2f} s")
        print(f"ratio LibreOffice / mzdesk, fresh process: wall {t_wall / o_wall:.1f}×, "
              f"cpu {t_cpu / o_cpu:.1f}× (target ≥ 10×)")
        print(f"ratio LibreOffice / mzdesk, warm in-process (printing from the running "
              f"application): wall {t_wall / warm:.1f}×")


if __name__ == "__main__":
    main()
