"""The district commands of the command line: export (the township's USB
package), district add / report / list (the district side).

Kept apart from mzdesk.cli (which registers them) like cli_payments; same
rules: call the services, print, one Chinese line on bad input.  A password
given as `-` is asked for on the terminal instead, so it stays out of the
shell's history.
"""
from __future__ import annotations

import getpass
import sys
from pathlib import Path

from .errors import DomainError

EXIT_OK, EXIT_ERROR = 0, 2


def add_parsers(sub) -> None:
    p = sub.add_parser("export", help="生成区局报送包（民政月报、花名册、校验清单）")
    p.add_argument("--out", required=True, metavar="DIR", help="保存报送包的文件夹（如U盘）")
    p.add_argument("--month", default=None, metavar="YYYY-MM", help="报送月份（默认本月）")
    p.add_argument("--password", default=None, metavar="P",
                   help="加密密码（至少6位；Excel、WPS 输入密码即可打开；写 - 则在终端输入）")
    p.add_argument("--overwrite", action="store_true", help="替换已有的同名报送包")

    p = sub.add_parser("district", help="区局：载入乡镇报送包并汇总")
    actions = p.add_subparsers(dest="action", metavar="ACTION", parser_class=type(p))
    a = actions.add_parser("add", help="校验并载入报送包")
    a.add_argument("packages", nargs="+", metavar="PACKAGE", help="报送包文件夹")
    a.add_argument("--password", default=None, metavar="P", help="报送包的密码（写 - 则在终端输入）")
    a.add_argument("--replace", action="store_true", help="替换已载入的同乡镇同月份报送包")
    a = actions.add_parser("report", help="汇总各乡镇某月的报送包（xlsx）")
    a.add_argument("--month", required=True, metavar="YYYY-MM", help="汇总月份")
    a.add_argument("--out", required=True, metavar="F.xlsx", help="输出的 xlsx 文件")
    a = actions.add_parser("list", help="列出已载入的报送包")
    a.add_argument("--month", default=None, metavar="YYYY-MM", help="只列出某月")


def _password(text: str | None, prompt: str, *, twice: bool = False) -> str | None:
    if text != "-":
        return text
    if not sys.stdin.isatty():
        raise DomainError("需要在终端中输入密码（或用 --password 直接给出）")
    first = getpass.getpass(prompt)
    if twice and getpass.getpass("再次输入密码：") != first:
        raise DomainError("两次输入的密码不一致")
    return first


def cmd_export(args, open_db, require_township) -> int:
    from .district import export_package
    open_db(args)
    require_township()
    password = _password(args.password, "报送包密码：", twice=True)
    result = export_package(Path(args.out).expanduser(), month=args.month, password=password,
                            overwrite=args.overwrite)
    lock = "，已加密" if password else ""
    print(f"已生成报送包 {result.path}（{len(result.files)} 个文件{lock}）")
    return EXIT_OK


def cmd_district(args, open_db, require_township) -> int:
    from .district import intake
    if args.action is None:
        raise DomainError("请指定操作：add、report 或 list")
    open_db(args, create=args.action == "add")  # a district may start from an empty database
    if args.action == "add":
        password = _password(args.password, "报送包密码：")
        results = intake.add_packages(args.packages, password=password, replace=args.replace)
        for r in results:
            if r.ok:
                print(r.message)
            else:
                print(f"错误：{r.message}", file=sys.stderr)
        return EXIT_OK if all(r.ok for r in results) else EXIT_ERROR
    if args.action == "report":
        out = Path(args.out).expanduser()
        if out.suffix.lower() != ".xlsx":
            raise DomainError(f"输出文件应以 .xlsx 结尾：{out.name}")
        path = intake.district_report(args.month, out)
        print(f"已输出汇总表 {path}（{len(intake.loaded_packages(args.month))} 个乡镇）")
        lacking = intake.without_changes(intake.report_rows(args.month))
        if lacking:  # blank cells the clerk would otherwise take for "no change"
            print(f"注：{'、'.join(lacking)}的报送包没有本月新增、本月减少（由旧版本生成或载入），"
                  "汇总表中为空白")
        return EXIT_OK
    packages = intake.loaded_packages(args.month)
    for p in packages:
        lock = "  已加密" if p.encrypted else ""
        print(f"{p.month}  {p.township}  {p.files} 个文件  载入于 {p.loaded_at:%Y-%m-%d %H:%M}{lock}")
    print(f"共 {len(packages)} 个报送包")
    return EXIT_OK


COMMANDS = {"export": cmd_export, "district": cmd_district}
