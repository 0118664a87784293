"""The import commands of the command line: template, import (DESIGN §8).

Registered by mzdesk.cli like the payment commands. `import` exits 0 when
every row went in (or would, with --dry-run), 3 when the file was refused
and nothing was written; each problem is printed on one line as
工作表 行 列 值 原因. Bad usage and unreadable files are 2, as everywhere.
"""
from __future__ import annotations

import sys
from pathlib import Path

from .errors import DomainError

EXIT_REFUSED = 3


def add_parsers(sub) -> None:
    from .importing.kinds import KINDS
    kinds = "、".join(KINDS)
    p = sub.add_parser("template", help="生成某类台账的导入模板（xlsx）")
    p.add_argument("kind", metavar="KIND", help=f"导入类型：{kinds}")
    p.add_argument("--out", required=True, help="输出的 xlsx 文件")

    p = sub.add_parser("import", help="导入花名册或台账（xlsx / xls / ods / csv）")
    p.add_argument("kind", metavar="KIND", help=f"导入类型：{kinds}")
    p.add_argument("file", metavar="FILE", help="要导入的文件")
    p.add_argument("--sheet", default=None, help="工作表名称（默认第一个有表头的工作表）")
    p.add_argument("--dry-run", action="store_true", help="只检查，不写入")
    p.add_argument("--report", default=None, metavar="R.xlsx", help="把问题清单写入 xlsx 文件")
    p.add_argument("--create-villages", action="store_true", help="新建表中本乡镇没有的村(社区)")
    p.add_argument("--on-duplicate", default="refuse", choices=("refuse", "skip", "update"),
                   help="已登记的记录：refuse 拒绝（默认）、skip 跳过、update 更新")


def _xlsx(text: str, what: str) -> Path:
    path = Path(text).expanduser()
    if path.suffix.lower() != ".xlsx":
        raise DomainError(f"{what}应以 .xlsx 结尾：{path.name}")
    return path


def cmd_template(args, open_db, require_township) -> int:
    from .importing.kinds import get_kind
    from .importing.templates import write_template
    out = _xlsx(args.out, "模板文件")
    kind = get_kind(args.kind)
    try:  # the villages' drop-down comes from the database when there is one
        open_db(args, create=False)
    except DomainError:
        pass
    write_template(kind, out)
    print(f"已生成“{kind.label}”导入模板 {out}（{len(kind.fields)} 列）")
    return 0


def _progress(done: int, total: int, label: str) -> None:
    if sys.stderr.isatty():
        print(f"\r{label} {done}/{total}", end="", file=sys.stderr, flush=True)


def cmd_import(args, open_db, require_township) -> int:
    from .importing.importer import run_import, write_report
    from .importing.kinds import get_kind
    report = _xlsx(args.report, "问题清单") if args.report else None
    kind = get_kind(args.kind)
    source = Path(args.file).expanduser()
    if not source.is_file():
        raise DomainError(f"找不到要导入的文件：{source}")
    open_db(args)
    require_township()
    result = run_import(kind.code, source, sheet=args.sheet, dry_run=args.dry_run,
                        create_villages=args.create_villages, on_duplicate=args.on_duplicate,
                        progress=_progress)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    for p in result.problems:
        print(f"{p.sheet}\t{p.row}\t{p.column}\t{p.value}\t{p.reason}")
    if result.unknown_villages and not result.villages_created:
        print(f"本乡镇没有的村(社区)：{'、'.join(result.unknown_villages)}"
              f"（加 --create-villages 可在导入时新建）", file=sys.stderr)
    if report is not None:
        write_report(result, report)
        print(f"问题清单已写入 {report}", file=sys.stderr)
    skipped = f"；跳过空行、合计行等 {len(result.skipped_rows)} 行" if result.skipped_rows else ""
    if result.problems:
        print(f"导入被拒绝：{result.file_name}（{result.sheet}）{result.summary()}", file=sys.stderr)
        return EXIT_REFUSED
    print(f"{'试导入' if result.dry_run else '已导入'}{kind.label}：{result.file_name}（{result.sheet}）"
          f"{result.summary()}{skipped}")
    return 0


COMMANDS = {"template": cmd_template, "import": cmd_import}
