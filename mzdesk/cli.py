"""The `mzdesk` command line (DESIGN §8).

A thin face over the services: parse, call, print.  Bad input prints one
Chinese line on stderr and exits non-zero, never a traceback.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from . import __version__, cli_district, cli_import, cli_payments, cli_summary, logs
from .errors import DomainError

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERNAL = 0, 1, 2, 70

_ARGPARSE_MESSAGES = [
    (re.compile(r"the following arguments are required: (.*)"), "缺少必需的参数：{0}"),
    (re.compile(r"unrecognized arguments: (.*)"), "无法识别的参数：{0}"),
    (re.compile(r"argument (\S+): invalid choice: '?([^' ]*)'?.*"), "参数 {0} 的取值“{1}”无效"),
    (re.compile(r"argument (\S+): invalid int value: '?([^']*)'?"), "参数 {0} 应为整数，而不是“{1}”"),
    (re.compile(r"argument (\S+): expected one argument"), "参数 {0} 后面缺少取值"),
]


class UsageError(DomainError):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse with its complaints in Chinese, raised instead of printed."""

    def error(self, message):
        for pattern, chinese in _ARGPARSE_MESSAGES:
            m = pattern.match(message)
            if m:
                raise UsageError(chinese.format(*m.groups()) + "（用 mzdesk -h 查看用法）")
        raise UsageError(f"命令行参数有误：{message}（用 mzdesk -h 查看用法）")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="mzdesk", description="民政桌面：乡镇民政办的低保、特困、优抚、高龄等台账与发放")
    parser.add_argument("--version", action="version", version=f"民政桌面 mzdesk {__version__}")
    parser.add_argument("--db", metavar="PATH", help="数据库文件（默认为用户数据目录中的数据库）")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("init", help="为一个乡镇新建空数据库")
    p.add_argument("--township", required=True, help="乡镇名称，例如 茶店镇")
    p.add_argument("--villages", default="", help="村(社区)名称，用逗号分隔")

    p = sub.add_parser("demo", help="建立演示乡镇（茶店镇）")
    p.add_argument("--households", type=int, default=None, help="户数（默认约2700户，约8000人）")
    p.add_argument("--seed", type=int, default=2022, help="随机种子")

    p = sub.add_parser("check", help="检查数据库完整性并做数据比对")
    p.add_argument("--on", default=None, help="比对基准日期 YYYY-MM-DD（默认今天）")

    p = sub.add_parser("backup", help="备份数据库")
    p.add_argument("--out", required=True, help="备份文件路径")

    p = sub.add_parser("restore", help="从备份恢复数据库（原数据库另存一份）")
    p.add_argument("file", help="备份文件路径")

    sub.add_parser("gui", help="打开图形界面")
    cli_payments.add_parsers(sub)
    cli_import.add_parsers(sub)
    cli_district.add_parsers(sub)
    cli_summary.add_parsers(sub)
    return parser


def _open(args, *, create: bool = False):
    from . import db
    return db.open_database(args.db, create=create)


def _require_township():
    from .services import settings
    if not settings.is_initialised():
        raise DomainError("数据库中还没有乡镇，请先运行 mzdesk init --township 乡镇名称，或 mzdesk demo")


def cmd_init(args) -> int:
    from .services import settings
    _open(args, create=True)
    names = [v.strip() for v in re.split(r"[,，、]", args.villages) if v.strip()]
    settings.init_township(args.township, names)
    print(f"已建立乡镇“{settings.township_name()}”，村(社区) {len(names)} 个")
    return EXIT_OK


def _progress(done: int, total: int, label: str) -> None:
    if sys.stderr.isatty():
        print(f"\r{label} {done}/{total}", end="", file=sys.stderr, flush=True)


def cmd_demo(args) -> int:
    from .demo import build_demo
    if args.households is not None and args.households < 1:
        raise DomainError("户数应为正整数")
    _open(args, create=True)
    result = build_demo(seed=args.seed, households=args.households, progress=_progress)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(f"已建立演示乡镇：{result.get('persons', 0)} 人，{result.get('households', 0)} 户，"
          f"{result.get('villages', 0)} 个村(社区)")
    return EXIT_OK


def cmd_check(args) -> int:
    import datetime as dt

    from . import checks
    database = _open(args)
    _require_township()
    on = None
    if args.on:
        try:
            on = dt.date.fromisoformat(args.on)
        except ValueError:
            raise DomainError("基准日期格式应为 YYYY-MM-DD") from None
    findings = checks.integrity(database) + checks.run_all(on=on)
    for finding in findings:
        print(f"[{finding.title}] {finding.message}")
    if findings:
        print(f"共发现 {len(findings)} 个问题", file=sys.stderr)
        return EXIT_FINDINGS
    print("检查完毕，未发现问题")
    return EXIT_OK


def cmd_backup(args) -> int:
    from . import backup
    _open(args)
    result = backup.backup(Path(args.out))
    print(f"已备份到 {result.path}（{sum(result.tables.values())} 行，已校验）")
    return EXIT_OK


def cmd_restore(args) -> int:
    from . import backup, db
    target = Path(args.db) if args.db else db.default_path()
    result = backup.restore(Path(args.file), db_path=target)
    kept = f"；原数据库已另存为 {result.replaced_copy}" if result.replaced_copy else ""
    print(f"已从 {result.restored_from} 恢复{kept}")
    return EXIT_OK


def cmd_gui(args) -> int:
    try:
        from ui.app import main as gui_main
    except ImportError:
        raise DomainError("图形界面组件未安装（需要 PySide6）") from None
    return gui_main(["mzdesk-gui"] + (["--db", args.db] if args.db else []))


COMMANDS = {
    "init": cmd_init, "demo": cmd_demo, "check": cmd_check,
    "backup": cmd_backup, "restore": cmd_restore, "gui": cmd_gui,
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = build_parser().parse_args(argv)
        if not args.command:
            build_parser().print_help()
            return EXIT_ERROR
        if args.command in cli_payments.COMMANDS:
            code = cli_payments.COMMANDS[args.command](args, _open, _require_township)
        elif args.command in cli_import.COMMANDS:
            code = cli_import.COMMANDS[args.command](args, _open, _require_township)
        elif args.command in cli_district.COMMANDS:
            code = cli_district.COMMANDS[args.command](args, _open, _require_township)
        elif args.command in cli_summary.COMMANDS:
            code = cli_summary.COMMANDS[args.command](args, _open, _require_township)
        else:
            code = COMMANDS[args.command](args)
        sys.stdout.flush()  # a closed pipe shows up here, inside the handlers below
        return code
    except DomainError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("已中止", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (e.g. `| head`): nothing more to say
        sys.stdout = open(os.devnull, "w")
        return EXIT_OK
    except Exception as exc:  # an unexpected failure: log it (no personal data), say so politely
        path = logs.log_exception(exc)
        print(f"程序内部错误（{type(exc).__name__}），详细信息已记录在 {path}", file=sys.stderr)
        return EXIT_INTERNAL
    finally:
        from .db import close_database
        close_database()


if __name__ == "__main__":
    sys.exit(main())
