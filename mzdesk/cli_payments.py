"""The payment commands of the command line: batch, roster, bank, notice.

Kept apart from mzdesk.cli (which registers them) so each file stays small;
same rules: call the services, print, one Chinese line on bad input.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from .errors import DomainError

# Names a clerk may type instead of a programme code.
PROGRAMME_ALIASES = {
    "城市低保": "dibao_urban", "农村低保": "dibao_rural", "特困": "tekun", "特困供养": "tekun",
    "五保": "tekun", "优抚": "youfu", "高龄": "gaoling", "高龄津贴": "gaoling",
    "残疾人补贴": "canji", "残疾人两项补贴": "canji",
}


def add_parsers(sub) -> None:
    p = sub.add_parser("batch", help="发放批次：生成、审核、列出、确认发放、作废")
    actions = p.add_subparsers(dest="action", metavar="ACTION", parser_class=type(p))
    a = actions.add_parser("create", help="生成某项目某月的月度发放批次（草稿）")
    a.add_argument("programme", metavar="PROGRAMME", help="项目代码，如 dibao_rural，或 农村低保")
    a.add_argument("month", metavar="YYYY-MM", help="发放月份")
    a.add_argument("--dry-run", action="store_true", help="只预览，不生成")
    a = actions.add_parser("approve", help="审核批次（审核后不能修改）")
    a.add_argument("id", type=int, metavar="ID", help="批次编号")
    a = actions.add_parser("list", help="列出发放批次")
    a.add_argument("--programme", default=None, help="只列出某个项目")
    a.add_argument("--year", type=int, default=None, help="只列出某年")
    a = actions.add_parser("paid", help="确认批次已由银行发放")
    a.add_argument("id", type=int, metavar="ID", help="批次编号")
    a.add_argument("--date", default=None, help="发放日期 YYYY-MM-DD（默认今天）")
    a = actions.add_parser("cancel", help="作废草稿批次")
    a.add_argument("id", type=int, metavar="ID", help="批次编号")
    a.add_argument("--reason", required=True, help="作废原因")

    p = sub.add_parser("roster", help="打印发放签字花名册（PDF）")
    p.add_argument("batch", type=int, metavar="BATCH", help="批次编号")
    p.add_argument("--out", required=True, help="输出的 PDF 文件")

    p = sub.add_parser("bank", help="导出银行代发文件（xlsx）")
    p.add_argument("batch", type=int, metavar="BATCH", help="批次编号")
    p.add_argument("--out", required=True, help="输出的 xlsx 文件")
    p.add_argument("--template", default=None, help="银行模板名称（默认上次使用的模板）")

    p = sub.add_parser("notice", help="打印公示名单（PDF，不显示完整身份证号和账号）")
    p.add_argument("programme", metavar="PROGRAMME", help="项目代码，如 dibao_rural，或 农村低保")
    p.add_argument("--out", required=True, help="输出的 PDF 文件")
    p.add_argument("--month", default=None, help="公示月份 YYYY-MM（默认本月）")
    p.add_argument("--show-ids", action="store_true", help="显示遮挡后的身份证号")


def programme_code(text: str) -> str:
    from .models import Programme
    text = (text or "").strip()
    code = PROGRAMME_ALIASES.get(text, text)
    prog = (Programme.get_or_none(Programme.code == code)
            or Programme.get_or_none(Programme.name == text))
    if prog is None:
        codes = "、".join(p.code for p in Programme.select().order_by(Programme.sort_order))
        raise DomainError(f"没有“{text}”这个救助项目（可用：{codes}）")
    return prog.code


def _out_path(text: str, suffix: str) -> Path:
    path = Path(text).expanduser()
    if path.suffix.lower() != suffix:
        raise DomainError(f"输出文件应以 {suffix} 结尾：{path.name}")
    return path


def cmd_batch(args, open_db, require_township) -> int:
    from .payments import batches
    open_db(args)
    require_township()
    if args.action is None:
        raise DomainError("请指定操作：create、approve、list、paid 或 cancel")
    if args.action == "create":
        code = programme_code(args.programme)
        preview = batches.preview_regular(code, args.month)
        for line in preview.left_out:
            print(f"未纳入：{line.village} {line.name} — {line.reason}")
        if args.dry_run:
            print(f"预览 {preview.name}：{len(preview.lines)} 条，{preview.persons} 人，"
                  f"合计 {preview.total:,.2f} 元；未纳入 {len(preview.left_out)} 人（未生成）")
            return 0
        batch = batches.create_regular(code, args.month)
        _print_info(batches.info(batch.id), "已生成")
    elif args.action == "approve":
        _print_info(batches.info(batches.approve(args.id).id), "已审核")
    elif args.action == "paid":
        paid_on = _date(args.date) if args.date else None
        _print_info(batches.info(batches.mark_paid(args.id, paid_on).id), "已确认发放")
    elif args.action == "cancel":
        _print_info(batches.info(batches.cancel(args.id, args.reason).id), "已作废")
    else:
        rows = batches.list_batches(programme=programme_code(args.programme) if args.programme else None,
                                    year=args.year)
        for i in rows:
            failed = f"  失败 {i.failed} 笔" if i.failed else ""
            print(f"{i.id:>5}  {i.month}  {i.state:<4} {i.kind_label:<5} {i.name}  "
                  f"{i.lines} 条  {i.total:,.2f} 元{failed}")
        print(f"共 {len(rows)} 个批次")
    return 0


def _print_info(i, verb: str) -> None:
    print(f"{verb}批次 {i.id}：{i.name}，{i.lines} 条，{i.persons} 人，合计 {i.total:,.2f} 元（{i.state}）")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise DomainError("日期格式应为 YYYY-MM-DD") from None


def cmd_roster(args, open_db, require_township) -> int:
    out = _out_path(args.out, ".pdf")
    from .documents.pdf import write_pdf
    from .documents.roster import signature_roster
    open_db(args)
    require_township()
    document = signature_roster(args.batch)
    write_pdf(document, out)
    print(f"已输出花名册 {out}（{len(document.pages)} 页）")
    return 0


def cmd_bank(args, open_db, require_township) -> int:
    out = _out_path(args.out, ".xlsx")
    from .payments import bank
    open_db(args)
    require_township()
    result = bank.export_bank_file(args.batch, out, args.template)
    print(f"已导出银行代发文件 {result.path}：{result.lines} 笔，合计 {result.total:,.2f} 元")
    return 0


def cmd_notice(args, open_db, require_township) -> int:
    out = _out_path(args.out, ".pdf")
    from .documents.notice import public_notice
    from .documents.pdf import write_pdf
    open_db(args)
    require_township()
    document = public_notice(programme_code(args.programme), args.month, show_ids=args.show_ids)
    write_pdf(document, out)
    print(f"已输出公示名单 {out}（{len(document.pages)} 页）")
    return 0


COMMANDS = {"batch": cmd_batch, "roster": cmd_roster, "bank": cmd_bank, "notice": cmd_notice}
