"""The half-year / annual summary as a document: the text both writers draw.

`summary_text(figures, narrative)` fills the template (mzdesk.summary.template)
from the figures (the JSON of mzdesk.summary.figures) and returns the
document as a list of Blocks: title, headings, paragraphs, the 附件说明 and
signature, then two attachments — the figures in exact 元, and the money
paid per programme per month as a chart with its table.  gongwen_pdf and
gongwen_docx lay these blocks out as a 公文 (GB/T 9704-2012); neither knows
the figures.  `render_summary(from, to, path)` does it all for a period.

Names a template may use, besides every key of the figures JSON
(``{dibao_urban.households}``, ``{tekun.centralized.…}``, …):
township, district_name, district_bureau, title, period_label, next_label,
to_label; one_off[] items gain months_label; tekun_one_off[] (the one-off
subsidies with 特困's share as `amount`, from one_off[].by_programme);
institutions[] ({name, n}: the settings' institutions, then any other);
relief[] (rows with a case only) gain target_phrase and type_phrase;
tupifang.rebuild (原址 + 异地重建), tupifang.fees (拆迁补偿费 + 过渡安置费);
youfu.sanshu (三属, or 烈属 + 因公牺牲遗属 + 病故遗属); pilot_villages,
inspection_label (months of the 村务公开检查), compensation_label.
Categories, intentions and family types missing from the figures count 0.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Mapping

from ..errors import ValidationError
from ..money import to_money, yuan_str
from . import template

TITLE, HEADING, PARAGRAPH, LABEL = "title", "heading", "paragraph", "label"
ATTACHMENTS, SIGNATURE, PAGE_BREAK, TABLE, CHART = "attachments", "signature", "page_break", "table", "chart"

INTENTIONS = ("原址重建", "异地重建", "集中新建", "进城安居", "不愿意改造")
FAMILY_TYPES = ("农村低保", "散居五保", "低保边缘户", "一般群众")
YOUFU_CATEGORIES = ("伤残军人", "复员军人", "带病回乡", "参战参试", "烈属", "因公牺牲遗属", "病故遗属")
SANSHU = ("烈属", "因公牺牲遗属", "病故遗属")
# How the seed words a relief row: 为3个五保户解决门诊医疗费用…, 为2户低保解决医疗费用….
TARGET_PHRASES = {"五保户": "个五保户", "困难户": "个困难户", "低保户": "户低保", "优抚对象": "户优抚对象"}
TYPE_PHRASES = {"门诊医疗救助": "门诊医疗费用", "大病医疗救助": "大病医疗救助金",
                "临时困难救助": "临时困难救助金", "医疗费用救助": "医疗费用"}
SERIES_LABELS = {"dibao_urban": "城镇低保", "dibao_rural": "农村低保", "tekun": "特困供养",
                 "youfu": "优抚抚恤", "gaoling": "高龄津贴", "canji": "残疾人补贴", "oneoff": "一次性补贴"}
INSPECTION = "村务公开检查"  # the activity behind "x月接受了…检查验收"
_QUARTERS = {("01", "03"): "第一季度", ("04", "06"): "第二季度", ("07", "09"): "第三季度",
             ("10", "12"): "第四季度"}


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]  # fractions of the text block's width
    align: tuple[str, ...]  # left / center / right, per column
    total: tuple[str, ...] | None = None  # the 合计 row


@dataclass(frozen=True)
class Chart:
    months: tuple[str, ...]  # YYYY-MM, oldest first
    series: tuple[tuple[str, tuple[Decimal, ...]], ...]  # (label, 元 paid per month)


@dataclass(frozen=True)
class Block:
    kind: str
    text: str = ""
    level: int = 0  # heading: 1 一、(黑体) 2 （一）(楷体); paragraph: level of its run-in `lead`
    lead: str = ""  # a run-in heading at the start of a paragraph: "（一）加强…建设。"
    items: tuple[str, ...] = ()  # attachments: names; signature: office, date
    table: Table | None = None
    chart: Chart | None = None


# --- paragraphs ----------------------------------------------------------------------------

_H1 = re.compile(r"^[一二三四五六七八九十]+、")
_H2 = re.compile(r"^（[一二三四五六七八九十]+）")
_H3 = re.compile(r"^(\d+[.．、]|（\d+）)")


def classify(line: str) -> Block:
    """One line of template text as a heading or a paragraph with its run-in heading."""
    if _H1.match(line):
        return Block(HEADING, line, level=1)
    if _H2.match(line):
        m = re.match(r"^（[^）]+）[^。：；]*[。：]", line)
        if m is None or m.end() == len(line) and not line.endswith("。"):
            return Block(HEADING, line.rstrip("："), level=2)
        return Block(PARAGRAPH, line[m.end():], level=2, lead=m.group(0))
    m = _H3.match(line) and re.match(r"^(\d+[.．、]|（\d+）)[^。：；]{1,24}：", line)
    if m:
        return Block(PARAGRAPH, line[m.end():], level=3, lead=m.group(0))
    return Block(PARAGRAPH, line)


# --- the names a template can use --------------------------------------------------------

def _months_label(months, year: str, same_year: bool) -> str:
    months = [months] if isinstance(months, str) else sorted(months or ())
    if not months:
        return ""
    if same_year and all(m[:4] == year for m in months):
        return "、".join(str(int(m[5:7])) for m in months) + "月"
    return "、".join(f"{m[:4]}年{int(m[5:7])}月" for m in months)


def _period_names(start: str, end: str, township: str) -> dict:
    y1, m1, y2, m2 = start[:4], start[5:7], end[:4], end[5:7]
    nxt = f"{int(y2) + 1}年"
    if y1 == y2 and (m1, m2) == ("01", "12"):
        return dict(period_label=f"{y1}年", next_label=nxt,
                    title=f"{township}{y1}年民政工作总结及{nxt}工作计划")
    if y1 == y2 and (m1, m2) in (("01", "06"), ("07", "12")):
        half = "上半年" if m1 == "01" else "下半年"
        nxt = "下半年" if m1 == "01" else nxt
        return dict(period_label=f"{y1}年{half}", next_label=nxt,
                    title=f"{township}{y1}年民政工作{half}总结及{nxt}计划")
    if y1 == y2 and (m1, m2) in _QUARTERS:
        label = f"{y1}年{_QUARTERS[(m1, m2)]}"
    elif start == end:
        label = f"{y1}年{int(m1)}月"
    elif y1 == y2:
        label = f"{y1}年{int(m1)}月至{int(m2)}月"
    else:
        label = f"{y1}年{int(m1)}月至{y2}年{int(m2)}月"
    return dict(period_label=label, next_label="下一步", title=f"{township}{label}民政工作总结")


def _programmes(value) -> list[str]:
    if isinstance(value, str):
        return [p.strip() for p in value.split(",") if p.strip()]
    return list(value or ())


def summary_context(figures: Mapping, extras: Mapping | None = None) -> dict:
    """The figures with the derived names the template uses (see the module doc)."""
    extras = dict(extras or {})
    f = dict(figures)
    start, end = template.period(f["from"], f["to"])
    township = f.get("township") or extras.get("township") or ""
    district = extras.get("district") or ""
    year, same_year = end[:4], start[:4] == end[:4]
    ctx = dict(f, township=township, **_period_names(start, end, township))
    ctx.update(district_name=district or "区", district_bureau=f"{district or '区'}民政局",
               to_label=f"{int(end[5:7])}月" if same_year else f"{year}年{int(end[5:7])}月")
    ctx["one_off"] = [dict(o, months_label=_months_label(o.get("months"), year, same_year),
                           tagged=dict(o.get("tagged") or {}))
                      for o in f.get("one_off") or ()]
    # 特困's share of each one-off subsidy (by_programme, beyond the issue's JSON; none: not told).
    ctx["tekun_one_off"] = [dict(o, amount=o["by_programme"]["tekun"]) for o in ctx["one_off"]
                            if to_money((o.get("by_programme") or {}).get("tekun", "0"))]
    tekun = dict(f.get("tekun") or {})
    centralized = dict(tekun.get("centralized") or {})
    names = list(dict.fromkeys(list(extras.get("institutions") or ()) + list(centralized)))
    ctx["institutions"] = [{"name": n, "n": centralized.get(n, 0)} for n in names]
    ctx["tekun"] = tekun
    ctx["relief"] = [dict(r, target_phrase=TARGET_PHRASES.get(r["target"], f"户{r['target']}"),
                          type_phrase=TYPE_PHRASES.get(r["type"], r["type"]))
                     for r in f.get("relief") or () if r.get("households") or to_money(r["amount"])]
    tu = dict(f.get("tupifang") or {})
    intention = {k: 0 for k in INTENTIONS} | dict(tu.get("intention") or {})
    family = {k: {"households": 0, "persons": 0} for k in FAMILY_TYPES} | dict(tu.get("family_type") or {})
    # The seed pays 拆迁补偿费 and 过渡安置费 as one sum; transition_fee is beyond the JSON.
    fees = to_money(tu.get("compensation", "0")) + to_money(tu.get("transition_fee", "0"))
    ctx["tupifang"] = dict(tu, intention=intention, family_type=family, fees=yuan_str(fees),
                           rebuild=intention["原址重建"] + intention["异地重建"])
    yf = dict(f.get("youfu") or {})
    categories = {k: 0 for k in YOUFU_CATEGORIES} | dict(yf.get("categories") or {})
    ctx["youfu"] = dict(yf, categories=categories,
                        sanshu=categories.get("三属", 0) + sum(categories[k] for k in SANSHU))
    ctx["indicators"] = {k: (v.get("value") if isinstance(v, Mapping) else v)
                         for k, v in (f.get("indicators") or {}).items()}
    ctx["pilot_villages"] = "、".join(extras.get("pilot_villages") or ())
    checks = ((f.get("activities") or {}).get(INSPECTION) or {}).get("months")
    ctx["inspection_label"] = _months_label(checks or extras.get("inspection_months") or (), year, same_year)
    ctx["compensation_label"] = "房屋拆迁补偿费和过渡安置费" if "transition_fee" in tu else "房屋拆迁补偿费"
    return ctx


# --- the document ------------------------------------------------------------------------

def figures_table(ctx: Mapping) -> Table:
    """附件1: every sum of money the text gives in 万元, here in exact 元."""
    rows: list[tuple[str, str, Decimal]] = []
    du, dr = ctx["dibao_urban"], ctx["dibao_rural"]
    rows.append(("城乡低保金", f"城镇{du['households']}户{du['persons']}人，"
                 f"农村{dr['households']}户{dr['persons']}人", to_money(ctx["dibao_paid"])))
    tekun_share = {o["name"]: o["amount"] for o in ctx["tekun_one_off"]}
    for o in ctx["one_off"]:
        tagged = "".join(f"，其中{k}{n}人" for k, n in o["tagged"].items())
        if o["name"] in tekun_share:  # the text gives 特困's share too: in 元 here, not added twice
            tagged += f"，其中特困人员{yuan_str(to_money(tekun_share[o['name']]))}元"
        rows.append((f"{o['name']}（{o['months_label']}）", f"{o['recipients']}人（户）{tagged}",
                     to_money(o["amount"])))
    rows.append(("散居五保供养金", f"{ctx['tekun'].get('dispersed', 0)}人",
                 to_money(ctx["tekun"].get("dispersed_paid", "0"))))
    for r in ctx["relief"]:
        rows.append((f"{r['type']}（{r['target']}）", f"{r['households']}户", to_money(r["amount"])))
    rows.append((ctx["compensation_label"], f"已拆除{ctx['tupifang'].get('demolished', 0)}户",
                 to_money(ctx["tupifang"]["fees"])))
    rows.append(("优抚抚恤金", f"{ctx['youfu'].get('persons', 0)}人", to_money(ctx["youfu"].get("paid", "0"))))
    total = sum((amount for *_, amount in rows), Decimal("0.00"))
    body = tuple((str(i), name, who, yuan_str(amount)) for i, (name, who, amount) in enumerate(rows, 1))
    return Table(("序号", "项目", "对象（户数/人数）", "金额（元）"), body, (0.08, 0.40, 0.30, 0.22),
                 ("center", "left", "left", "right"), ("合计", "", "", yuan_str(total)))


def monthly_table(chart: Chart) -> Table:
    """附件2's table: the chart's figures, one row a month, in 元."""
    labels = [label for label, _ in chart.series]
    rows, totals = [], [Decimal("0.00")] * (len(labels) + 1)
    for i, month in enumerate(chart.months):
        values = [values[i] for _, values in chart.series]
        values.append(sum(values, Decimal("0.00")))
        totals = [t + v for t, v in zip(totals, values)]
        rows.append((f"{month[:4]}年{int(month[5:])}月", *map(yuan_str, values)))
    share = 0.84 / (len(labels) + 1)
    return Table(("月份", *labels, "合计"), tuple(rows), (0.16,) + (share,) * (len(labels) + 1),
                 ("center",) + ("right",) * (len(labels) + 1), ("合计", *map(yuan_str, totals)))


def summary_text(figures: Mapping, narrative: Mapping[str, str] | None = None, *,
                 chart: Chart | None = None, extras: Mapping | None = None) -> list[Block]:
    """The whole document as blocks: the filled template, 附件说明, signature, attachments.

    `narrative` replaces the default narrative blocks (template.load_narrative
    gives a period's); `chart` is the money per programme per month
    (chart_for_period); `extras` the names from settings and ledgers
    (document_extras: district, institutions, pilot_villages,
    inspection_months, office, date).
    """
    ctx = summary_context(figures, extras)
    texts = dict(template.NARRATIVE_DEFAULTS) | dict(narrative or {})
    blocks: list[Block] = []
    for kind, value in template.TEMPLATE:
        if kind == "title":
            blocks.append(Block(TITLE, template.render(value, ctx)))
            continue
        text = (template.render(value, ctx) if kind == "text"
                else template.render(texts.get(value, ""), ctx, strict=False))
        blocks.extend(classify(line) for line in text.split("\n") if line.strip())
    period = ctx["period_label"]
    names = [f"{period}民政资金发放情况表"] + ([f"{period}民政资金分月发放情况"] if chart else [])
    blocks.append(Block(ATTACHMENTS, items=tuple(names)))
    extras = extras or {}
    date = extras.get("date") or dt.date.today()
    office = extras.get("office") or f"{ctx['township']}民政办"
    blocks.append(Block(SIGNATURE, items=(office, f"{date.year}年{date.month}月{date.day}日")))
    blocks += [Block(PAGE_BREAK), Block(LABEL, "附件1"), Block(TITLE, names[0]),
               Block(TABLE, table=figures_table(ctx))]
    if chart:
        blocks += [Block(PAGE_BREAK), Block(LABEL, "附件2"), Block(TITLE, names[1]),
                   Block(CHART, chart=chart), Block(TABLE, table=monthly_table(chart))]
    return blocks


# --- the chart, laid out once for both writers ---------------------------------------------

PALETTE = ("#1F4E79", "#9DC3E6", "#C55A11", "#F4B183", "#375623", "#A9D18E", "#7030A0", "#BFBFBF")


@dataclass(frozen=True)
class Shape:
    """A chart primitive in points, y downwards: rect (x, y, w, h), line (x, y → x+w, y+h),
    text (baseline at x, y; anchor start / middle / end)."""
    kind: str
    x: float
    y: float
    w: float = 0.0
    h: float = 0.0
    colour: str = "#000000"
    text: str = ""
    size: float = 9.0
    anchor: str = "start"


def _ticks(top: Decimal) -> list[Decimal]:
    """0 … a round number ≥ top, in about five steps (1, 2, 2.5 or 5 × 10ⁿ)."""
    if top <= 0:
        return [Decimal(0), Decimal(1)]
    raw = top / 5
    power = Decimal(10) ** math.floor(math.log10(raw))
    step = next(m * power for m in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))
                if m * power >= raw)
    count = int((top / step).to_integral_value(rounding="ROUND_CEILING"))
    return [step * i for i in range(count + 1)]


def _text_width(text: str, size: float) -> float:
    return sum(size * (0.55 if ch.isascii() else 1.0) for ch in text)


def chart_shapes(chart: Chart, width: float, height: float) -> list[Shape]:
    """A grouped bar chart (万元 per programme per month) as primitives for both writers.

    Coordinates are floats: they are positions on paper, not money.
    """
    shapes: list[Shape] = []
    # The legend, wrapped, at the foot.
    rows: list[list[tuple[str, str]]] = [[]]
    used = 0.0
    for i, (label, _) in enumerate(chart.series):
        w = 14 + _text_width(label, 9) + 12
        if rows[-1] and used + w > width:
            rows.append([])
            used = 0.0
        rows[-1].append((label, PALETTE[i % len(PALETTE)]))
        used += w
    legend_top = height - 16 * len(rows)
    for r, row in enumerate(rows):
        x, y = 0.0, legend_top + 16 * r + 11
        for label, colour in row:
            shapes.append(Shape("rect", x, y - 8, 10, 8, colour))
            shapes.append(Shape("text", x + 14, y, text=label, size=9))
            x += 14 + _text_width(label, 9) + 12
    left, top, bottom = 40.0, 14.0, legend_top - 22
    plot_w, plot_h = width - left - 4, bottom - top
    peak = max((v for _, values in chart.series for v in values), default=Decimal(0))
    ticks = _ticks(peak / 10000)
    scale = plot_h / float(ticks[-1])
    shapes.append(Shape("text", left - 4, top - 6, text="万元", size=8, anchor="end"))
    for t in ticks:
        y = bottom - float(t) * scale
        shapes.append(Shape("line", left, y, plot_w, 0, "#D9D9D9" if t else "#000000"))
        shapes.append(Shape("text", left - 4, y + 3, text=f"{t.normalize():f}", size=8, anchor="end"))
    shapes.append(Shape("line", left, top, 0, plot_h))
    n, months = max(1, len(chart.series)), len(chart.months)
    slot = plot_w / max(1, months)
    bar = slot * 0.8 / n
    every = max(1, math.ceil(months * 30 / plot_w))  # month labels ~30 pt apart at least
    same_year = len({m[:4] for m in chart.months}) == 1
    for j, month in enumerate(chart.months):
        x0 = left + slot * j + slot * 0.1
        for i, (_, values) in enumerate(chart.series):
            h = max(0.0, float(values[j]) / 10000 * scale)
            if h > 0:
                shapes.append(Shape("rect", x0 + bar * i, bottom - h, bar, h, PALETTE[i % len(PALETTE)]))
        if j % every == 0:
            label = f"{int(month[5:])}月" if same_year else f"{month[2:4]}.{month[5:]}"
            shapes.append(Shape("text", left + slot * (j + 0.5), bottom + 11, text=label, size=8,
                                anchor="middle"))
    return shapes


# --- a period, from the database ---------------------------------------------------------

def chart_for_period(period_from, period_to) -> Chart:
    """Money paid per programme per month (mzdesk.figures.monthly_paid), series with payments only."""
    from ..figures import monthly_paid, series_names

    start, end = template.period(period_from, period_to)
    count = (int(end[:4]) - int(start[:4])) * 12 + int(end[5:]) - int(start[5:]) + 1
    paid, names = monthly_paid(end, count), series_names()
    series = tuple((SERIES_LABELS.get(code, names.get(code, code)), tuple(v for _, v in values))
                   for code, values in paid.items() if any(v for _, v in values))
    months = tuple(m for m, _ in next(iter(paid.values()))) if paid else ()
    return Chart(months, series)


def document_extras(period_from, period_to, today: dt.date | None = None) -> dict:
    """Names from the settings and the house survey that the figures JSON does not carry."""
    from ..models import HouseSurvey, Village
    from ..services.common import month_end
    from ..services.settings import get_setting

    _, end = template.period(period_from, period_to)
    institutions = [n.strip() for n in re.split(r"[,，、]", get_setting("institutions")) if n.strip()]
    pilots = (Village.select(Village.name).join(HouseSurvey, on=(HouseSurvey.village == Village.id))
              .where(HouseSurvey.pilot & (HouseSurvey.survey_date <= month_end(end)))
              .distinct().order_by(Village.name).tuples())
    return dict(township=get_setting("township"), district=get_setting("district"),
                institutions=institutions, pilot_villages=[name for name, in pilots],
                date=today or dt.date.today())


def render_summary(period_from, period_to, path, *, figures: Mapping | None = None,
                   narrative: Mapping[str, str] | None = None, today: dt.date | None = None) -> Path:
    """The period's summary written to `path` (.pdf or .docx), whole or not at all."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".pdf", ".docx"):
        raise ValidationError("工作总结只能保存为 PDF 或 DOCX 文件")
    start, end = template.period(period_from, period_to)
    if figures is None:
        from .figures import summary_figures

        figures = summary_figures(start, end)
    if narrative is None:
        narrative = template.load_narrative(start, end)
    chart = chart_for_period(start, end)
    blocks = summary_text(figures, narrative, chart=chart if chart.series else None,
                          extras=document_extras(start, end, today))
    author = f"{figures.get('township') or ''}民政办"
    if suffix == ".pdf":
        from .gongwen_pdf import write_pdf

        return write_pdf(blocks, path, author=author)
    from .gongwen_docx import write_docx

    return write_docx(blocks, path, author=author)
