"""The `summary` command: the half-year / annual summary of a period.

`summary --from YYYY-MM --to YYYY-MM --out F.json` writes the figures
(mzdesk.summary.figures); `.pdf` and `.docx` are the printed document of
mzdesk.summary.document, taken only where that module is installed.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

from .errors import DomainError

DOCUMENT_MODULE = "mzdesk.summary.document"
DOCUMENT_SUFFIXES = (".pdf", ".docx")


def add_parsers(sub) -> None:
    p = sub.add_parser("summary", help="半年 / 年度工作总结：统计数字（JSON）或文稿（PDF、DOCX）")
    p.add_argument("--from", dest="period_from", required=True, metavar="YYYY-MM", help="起始月份")
    p.add_argument("--to", dest="period_to", required=True, metavar="YYYY-MM", help="结束月份（含）")
    p.add_argument("--out", required=True, help="输出文件：.json、.pdf 或 .docx")


def document_available() -> bool:
    return importlib.util.find_spec(DOCUMENT_MODULE) is not None


def cmd_summary(args, open_db, require_township) -> int:
    out = Path(args.out).expanduser()
    suffix = out.suffix.lower()
    supported = suffix == ".json" or (suffix in DOCUMENT_SUFFIXES and document_available())
    if not supported:
        raise DomainError(f"暂不支持该格式：{out.name}（可输出 .json、.pdf 或 .docx）")
    from .summary.figures import period, write_summary_json
    p = period(args.period_from, args.period_to)  # a bad month is refused before the database opens
    open_db(args)
    require_township()
    if suffix == ".json":
        write_summary_json(p.first, p.last, out)
    else:
        from .summary.document import render_summary
        render_summary(p.first, p.last, out)
    print(f"已输出{p.first}至{p.last}的工作总结 {out}")
    return 0


COMMANDS = {"summary": cmd_summary}
