"""The summary document: the seed's sentences filled from the figures, as a 公文 PDF and DOCX.

Read back as a reader sees the files: the PDF through `pdftotext -layout`
and `pdffonts` (poppler), the DOCX through python-docx's paragraphs.
"""
from __future__ import annotations

import copy
import datetime as dt
import re
import subprocess
from decimal import Decimal

import docx
import pytest

from mzdesk.errors import ValidationError
from mzdesk.models import AuditLog
from mzdesk.summary import document as doc
from mzdesk.summary import template
from mzdesk.summary.gongwen_docx import build, chart_png, write_docx
from mzdesk.summary.gongwen_pdf import write_pdf

# The figures of a half year in the shape of the issue's JSON (plus the keys
# mzdesk.summary.figures adds: one_off[].by_programme, tupifang.transition_fee, activities).
SAMPLE = {
    "township": "茶店镇", "from": "2022-01", "to": "2022-06",
    "dibao_urban": {"households": 23, "persons": 56},
    "dibao_rural": {"households": 312, "persons": 687},
    "dibao_paid": "1523456.78",
    "one_off": [
        {"name": "元旦春节生活补贴", "programmes": ["dibao_urban", "dibao_rural", "tekun", "youfu"],
         "months": ["2022-01"], "recipients": 420, "amount": "126000.00", "tagged": {},
         "by_programme": {"dibao_urban": "6900.00", "dibao_rural": "93600.00", "tekun": "14400.00",
                          "youfu": "11100.00"}},
        {"name": "临时价格补贴", "programmes": ["dibao_urban", "dibao_rural", "tekun"],
         "months": ["2022-03"], "recipients": 850, "amount": "34000.00", "tagged": {},
         "by_programme": {"dibao_urban": "2240.00", "dibao_rural": "27480.00", "tekun": "4280.00"}},
        {"name": "低保门诊救助金", "programmes": ["dibao_urban", "dibao_rural"],
         "months": ["2022-04"], "recipients": 750, "amount": "38700.00", "tagged": {"重症精神病": 7},
         "by_programme": {"dibao_urban": "3000.00", "dibao_rural": "35700.00"}},
        {"name": "大病补充医疗保险补贴", "programmes": ["dibao_urban", "dibao_rural"],
         "months": ["2022-05"], "recipients": 850, "amount": "51000.00", "tagged": {},
         "by_programme": {"dibao_urban": "3360.00", "dibao_rural": "47640.00"}},
    ],
    "tekun": {"persons": 132, "dispersed": 98, "centralized": {"区敬老养老中心": 20, "茶店镇敬老院": 14},
              "dispersed_paid": "646800.00"},
    "relief": [
        {"type": "门诊医疗救助", "target": "五保户", "households": 5, "amount": "3500.00"},
        {"type": "大病医疗救助", "target": "困难户", "households": 12, "amount": "86000.00"},
        {"type": "临时困难救助", "target": "困难户", "households": 18, "amount": "27000.00"},
        {"type": "医疗费用救助", "target": "低保户", "households": 4, "amount": "9200.00"},
        {"type": "医疗费用救助", "target": "优抚对象", "households": 2, "amount": "4100.00"},
        {"type": "临时困难救助", "target": "优抚对象", "households": 11, "amount": "16500.00"},
    ],
    "tupifang": {"households": 356, "persons": 1024,
                 "intention": {"原址重建": 120, "异地重建": 41, "集中新建": 63, "进城安居": 102, "不愿意改造": 30},
                 "family_type": {"农村低保": {"households": 45, "persons": 131},
                                 "散居五保": {"households": 17, "persons": 17},
                                 "低保边缘户": {"households": 38, "persons": 120},
                                 "一般群众": {"households": 256, "persons": 756}},
                 "demolished": 27, "compensation": "312345.60", "transition_fee": "100000.00"},
    "youfu": {"persons": 58, "categories": {"复员军人": 12, "带病回乡": 9, "伤残军人": 7, "参战参试": 21, "三属": 6},
              "rural_veterans_60": 17, "paid": "398765.40"},
    "elderly": {"cards": 86, "activities": 3},
    "indicators": {"政务公开面": "100", "规范化率": "95"},
    "deaths": {"deaths": 41, "cremations": 39},
    "activities": {"老年人文化活动": {"count": 3, "months": ["2022-01", "2022-04", "2022-06"]},
                   "村务公开检查": {"count": 1, "months": ["2022-05"]}},
}
EXTRAS = dict(district="某某区", institutions=["区敬老养老中心", "茶店镇敬老院"], pilot_villages=["长丰村"],
              date=dt.date(2022, 7, 5))
MONTHS = tuple(f"2022-{m:02d}" for m in range(1, 7))
CHART = doc.Chart(MONTHS, (
    ("城镇低保", tuple(Decimal(18000 + 100 * i) for i in range(6))),
    ("农村低保", tuple(Decimal(230000 + 900 * i) for i in range(6))),
    ("特困供养", (Decimal("107800.00"),) * 6),
    ("一次性补贴", tuple(Decimal(v) for v in ("126000", "0", "34000", "38700", "51000", "0"))),
))

# The seed's sentences, each with the sample's figures where the seed has its x.
SENTENCES = [
    "茶店镇2022年民政工作上半年总结及下半年计划",
    "2022年上半年我镇的民政工作在某某区民政局的关心、指导和镇党委、政府的领导下",
    "一、2022年上半年工作情况",
    "（一）救灾救济工作",
    "目前有城镇低保户23户56人；农村低保户312户687人",
    "截止6月共计发放152.35万元",
    "1月发放元旦春节生活补贴12.60万元",
    "3月发放临时价格补贴3.40万元",
    "4月发放低保门诊救助金3.87万元，其中重症精神病人员7人",
    "5月发放大病补充医疗保险补贴5.10万元",
    "目前共有五保对象132人，其中散居五保户98人，每月按时足额兑现散居五保供养标准共计64.68万元",
    "发放临时价格补贴共计0.43万元",
    "区敬老养老中心集中居住20人，茶店镇敬老院集中居住14人",
    "为5个五保户解决门诊医疗费用0.35万元，为12个困难户解决大病医疗救助金8.60万元，"
    "为18个困难户解决临时困难救助金2.70万元，为4户低保解决医疗费用0.92万元，"
    "为2户优抚对象解决医疗费用0.41万元，为11户优抚对象解决临时困难救助金1.65万元",
    "现农村土坯房共有356户，1024人，改造意愿中选择原址（异地）重建161户，集中新建63户，进城安居102户，"
    "不愿意改造30户；家庭类型中农村低保45户131人，散居五保17人，低保边缘户38户120人，一般群众256户756人",
    "两房改造长丰村作为试点现已经拆除27户，发放房屋拆迁补偿费和过渡安置费41.23万元",
    "我镇现有重点优抚对象58人（其中复员军人12人，带病回乡9人，伤残军人7人，参核参战人员21人，三属对象6人），"
    "年满60周岁的农村籍退伍老兵17人",
    "截至6月共计发放抚恤金39.88万元",
    "政务公开面达100%、规范化率达到95%以上。5月接受了国家对某某区创建村务公开示范单位的检查验收",
    "及时上报死亡人数和火化人数统计表（2022年上半年死亡41人，火化39人）",
    "办理《老年优待证》和办理免费乘车证共计86个",
    "开展了3次老年人文化活动",
    "二、下半年工作计划",
    "（一）加强民政人员的廉政建设，确保所有经费按时准确发放。",
]


def flat(text: str) -> str:
    """Text without line breaks and spaces: sentences wrap anywhere on the page."""
    return re.sub(r"\s+", "", text)


def pdftotext(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def pdf_body(path) -> str:
    """The PDF's text without its page numbers, which sit inside sentences running on."""
    return "\n".join(line for line in pdftotext(path).splitlines()
                     if not re.fullmatch(r"\s*—\s*\d+\s*—\s*", line))


def pdffonts(path) -> list[list[str]]:
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


def docx_text(path) -> str:
    d = docx.Document(str(path))
    cells = [c.text for t in d.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in d.paragraphs] + cells)


def blocks(figures=SAMPLE, narrative=None, chart=CHART):
    return doc.summary_text(figures, narrative, chart=chart, extras=EXTRAS)


# --- the template ---------------------------------------------------------------------------

def test_template_language():
    ctx = {"a": {"b": 3}, "m": "12345.00", "items": [{"n": "甲"}, {"n": "乙"}], "empty": [],
           "tags": {"重症精神病": 2}}
    assert template.render("{a.b}户{m|wan}万元{m|yuan}元", ctx) == "3户1.23万元12345.00元"
    assert template.render("{#items|、}{n}{/items}", ctx) == "甲、乙"
    assert template.render("{#items}{#first}（{/first}{n}{#last}）{/last}{/items}", ctx) == "（甲乙）"
    assert template.render("{#empty}有{/empty}{^empty}无{/empty}", ctx) == "无"
    assert template.render("{#tags}其中{key}{value}人{/tags}", ctx) == "其中重症精神病2人"
    assert template.render("{#missing}不见{/missing}", ctx) == ""  # a section over nothing is skipped
    with pytest.raises(ValidationError, match="没有对应的数据"):
        template.render("{nothing}", ctx)
    assert template.render("保留{nothing}", ctx, strict=False) == "保留{nothing}"
    with pytest.raises(ValidationError, match="结束标记"):
        template.render("{#items}{n}", ctx)


def test_every_template_placeholder_is_filled_and_numbers_come_from_the_figures():
    text = "\n".join(b.lead + b.text for b in blocks() if b.kind in (doc.TITLE, doc.HEADING, doc.PARAGRAPH))
    assert "{" not in text and "}" not in text and "x" not in text
    for sentence in SENTENCES:
        assert sentence in text, sentence


def test_headings_and_run_in_headings_are_classified():
    found = blocks()
    assert found[0] == doc.Block(doc.TITLE, "茶店镇2022年民政工作上半年总结及下半年计划")
    headings = [(b.level, b.text) for b in found if b.kind == doc.HEADING]
    assert headings[:2] == [(1, "一、2022年上半年工作情况"), (2, "（一）救灾救济工作")]
    assert (1, "二、下半年工作计划") in headings
    dibao = next(b for b in found if b.lead == "1.低保工作：")
    assert dibao.level == 3 and dibao.text.startswith("目前有城镇低保户23户56人")
    plan = next(b for b in found if b.lead.startswith("（一）加强民政人员"))
    assert plan.level == 2 and plan.lead == "（一）加强民政人员的廉政建设，确保所有经费按时准确发放。"


def test_period_names():
    def title(start, end):
        return doc.summary_text(dict(SAMPLE, **{"from": start, "to": end}), chart=None, extras=EXTRAS)

    year = title("2022-01", "2022-12")
    assert year[0].text == "茶店镇2022年民政工作总结及2023年工作计划"
    assert any(b.text == "二、2023年工作计划" for b in year)
    assert "截止12月共计发放" in next(b.text for b in year if b.lead == "1.低保工作：")
    quarter = title("2022-04", "2022-06")
    assert quarter[0].text == "茶店镇2022年第二季度民政工作总结"
    assert any(b.text == "二、下一步工作计划" for b in quarter)
    across = title("2021-07", "2022-06")
    assert "截止2022年6月共计发放" in next(b.text for b in across if b.lead == "1.低保工作：")
    assert "2022年1月发放元旦春节生活补贴" in next(b.text for b in across if b.lead == "1.低保工作：")


def test_missing_and_zero_figures_read_naturally():
    lean = copy.deepcopy(SAMPLE)
    lean["one_off"] = []
    lean["relief"] = [{"type": "门诊医疗救助", "target": "五保户", "households": 0, "amount": "0.00"}]
    lean["indicators"] = {}
    lean["activities"] = {}
    lean["tekun"]["centralized"] = {}
    del lean["tupifang"]["transition_fee"]
    text = "".join(b.lead + b.text for b in doc.summary_text(lean, extras=dict(EXTRAS, institutions=[])))
    assert "共计发放152.35万元。" in text
    assert "本期未发生临时困难救济和医疗救助。" in text and "为0个" not in text
    assert "四是进一步规范政务公开和村务公开工作。" in text and "检查验收" not in text
    assert "散居五保供养标准共计64.68万元。" in text and "集中居住" not in text
    assert "发放房屋拆迁补偿费31.23万元" in text


def test_figures_table_in_exact_yuan_adds_up():
    table = next(b.table for b in blocks() if b.kind == doc.TABLE)
    assert table.header == ("序号", "项目", "对象（户数/人数）", "金额（元）")
    rows = {row[1]: row for row in table.rows}
    assert rows["城乡低保金"][2:] == ("城镇23户56人，农村312户687人", "1523456.78")
    assert rows["低保门诊救助金（4月）"][2:] == ("750人（户），其中重症精神病7人", "38700.00")
    assert rows["临时价格补贴（3月）"][2:] == ("850人（户），其中特困人员4280.00元", "34000.00")
    assert rows["房屋拆迁补偿费和过渡安置费"][2:] == ("已拆除27户", "412345.60")
    assert sum(Decimal(r[3]) for r in table.rows) == Decimal(table.total[3])
    monthly = [b.table for b in blocks() if b.kind == doc.TABLE][1]
    assert monthly.header == ("月份", "城镇低保", "农村低保", "特困供养", "一次性补贴", "合计")
    assert monthly.rows[0] == ("2022年1月", "18000.00", "230000.00", "107800.00", "126000.00", "481800.00")
    assert monthly.total[-1] == str(sum((v for _, vs in CHART.series for v in vs), Decimal("0.00")))


def test_chart_shapes_one_bar_per_paid_month_and_series():
    shapes = doc.chart_shapes(CHART, 440, 250)
    bars = [s for s in shapes if s.kind == "rect" and s.h > 8]  # legend swatches are 8 high
    assert len(bars) == 6 * 4 - 2  # two months without a one-off subsidy
    labels = {s.text for s in shapes if s.kind == "text"}
    assert {"1月", "6月", "万元", "城镇低保", "一次性补贴"} <= labels
    assert all(0 <= s.x and s.x + s.w <= 440 and 0 <= s.y and s.y + s.h <= 250 for s in shapes)


# --- the narrative per period ---------------------------------------------------------------

def test_narrative_saved_for_one_period_only(township):
    default = template.load_narrative("2022-01", "2022-06")
    assert default == template.NARRATIVE_DEFAULTS
    saved = template.save_narrative("2022-01", "2022-06", {
        "community": "2.社区建设：本期新建社区服务站{elderly.cards}个。\r\n\r\n第二段。",
        "plan": template.NARRATIVE_DEFAULTS["plan"]})
    assert saved["community"] == "2.社区建设：本期新建社区服务站{elderly.cards}个。\n第二段。"
    assert template.load_narrative("2022-01", "2022-06")["community"] == saved["community"]
    assert template.load_narrative("2022-07", "2022-12") == template.NARRATIVE_DEFAULTS
    entry = AuditLog.select().where(AuditLog.entity == "setting").order_by(AuditLog.id.desc()).get()
    assert entry.entity_id == "summary_narrative:2022-01:2022-06"
    assert entry.after == {"community": saved["community"]}  # the plan equals its default: not kept

    text = "".join(b.lead + b.text for b in blocks(narrative=template.load_narrative("2022-01", "2022-06")))
    assert "本期新建社区服务站86个。" in text and "积极开展创建活动" not in text
    other = "".join(b.lead + b.text for b in blocks(narrative=template.load_narrative("2022-07", "2022-12")))
    assert "积极开展创建活动" in other and "社区服务站" not in other

    template.save_narrative("2022-01", "2022-06", {"community": template.NARRATIVE_DEFAULTS["community"]})
    assert template.load_narrative("2022-01", "2022-06") == template.NARRATIVE_DEFAULTS


def test_narrative_refuses_unknown_blocks_and_broken_sections(township):
    with pytest.raises(ValidationError, match="未知的总结段落"):
        template.save_narrative("2022-01", "2022-06", {"preface": "…"})
    with pytest.raises(ValidationError, match="社区建设"):
        template.save_narrative("2022-01", "2022-06", {"community": "{#indicators}开始"})
    with pytest.raises(ValidationError, match="起始月份"):
        template.load_narrative("2022-06", "2022-01")
    assert AuditLog.select().where(AuditLog.entity_id.startswith("summary_narrative")).count() == 0


def test_a_typo_in_a_narrative_shows_instead_of_failing():
    text = "".join(b.text for b in blocks(narrative={"community": "2.社区建设：共{elderly.cardz}个。"}))
    assert "共{elderly.cardz}个。" in text


# --- the PDF --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pdf(tmp_path_factory):
    path = tmp_path_factory.mktemp("summary") / "总结.pdf"
    write_pdf(blocks(), path, author="茶店镇民政办")
    return path


def test_pdf_contains_the_seed_sentences_with_the_figures(pdf):
    text = flat(pdf_body(pdf))
    for sentence in SENTENCES:
        assert flat(sentence) in text, sentence
    assert "附件：1.2022年上半年民政资金发放情况表" in text
    assert "茶店镇民政办2022年7月5日" in text
    table = next(b.table for b in blocks() if b.kind == doc.TABLE)
    assert "1523456.78" in text and "412345.60" in text and table.total[-1] in text  # exact 元


def test_pdf_embeds_every_font_and_numbers_pages(pdf):
    fonts = pdffonts(pdf)
    assert fonts and all(row[-5] == "yes" for row in fonts), fonts  # the 'emb' column
    pages = pdftotext(pdf).split("\f")
    numbered = [p for p in pages if p.strip()]
    for number, page in enumerate(numbered, start=1):
        assert re.search(rf"—\s*{number}\s*—\s*$", page.rstrip()), page[-200:]
    assert len(numbered) >= 6


def test_pdf_body_is_set_28_characters_a_line(pdf):
    """A full line of body text holds 28 characters of the grid (digits count half)."""
    lines = [line.strip() for line in pdftotext(pdf).split("\f")[0].splitlines()]
    body = [line for line in lines if line and not line.startswith("—") and line.isascii() is False]
    widths = [sum(0.5 if ch.isascii() else 1 for ch in line) for line in body]
    full = [w for w in widths if w >= 26]
    assert full and max(widths) <= 28.5
    assert sum(1 for w in full if w >= 27.5) >= len(full) // 2  # most full lines are pure CJK: 28


def test_pdf_pages_look_like_a_gongwen(pdf, tmp_path):
    """Rendered pages: A4, the text block inside the margins (37 mm top, 28 mm left)."""
    subprocess.run(["pdftoppm", "-r", "36", "-png", str(pdf), str(tmp_path / "page")], check=True)
    from PIL import Image

    first = Image.open(sorted(tmp_path.glob("page-*.png"))[0]).convert("L")
    width, height = first.size
    assert abs(width / height - 210 / 297) < 0.01
    dark = [(x, y) for x in range(width) for y in range(height) if first.getpixel((x, y)) < 128]
    mm = width / 210
    assert min(x for x, _ in dark) >= 27 * mm  # nothing in the left margin
    assert max(x for x, _ in dark) <= (28 + 156 + 1) * mm  # nor in the right one
    assert min(y for _, y in dark) >= 36 * mm  # the title starts under the top margin
    ink_rows = sorted({y for _, y in dark if y < (37 + 225) * mm})
    assert ink_rows[-1] > (37 + 200) * mm  # the first page is full to the foot of the block


def test_pdf_written_whole_or_not_at_all(tmp_path, monkeypatch):
    from mzdesk.summary import gongwen_pdf

    path = tmp_path / "总结.pdf"

    def broken(*args, **kwargs):
        raise RuntimeError("disk pulled out")

    monkeypatch.setattr(gongwen_pdf.BaseDocTemplate, "build", broken)
    with pytest.raises(RuntimeError):
        write_pdf(blocks(), path)
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def fresh_fonts():
    """The font search runs again in the test, and again after it (the next test's own fonts)."""
    from mzdesk.documents import fonts
    from mzdesk.summary import gongwen_pdf

    def clear():
        fonts.pdf_font.cache_clear()
        gongwen_pdf.role_fonts.cache_clear()

    clear()
    yield
    clear()


def test_fonts_are_found_per_role_by_family_name(fresh_fonts, monkeypatch):
    from mzdesk.summary import gongwen_pdf

    wqy = gongwen_pdf.pdf_font().path
    monkeypatch.setattr(gongwen_pdf, "_fontconfig", lambda: (("FangSong,仿宋", wqy), ("KaiTi,楷体", wqy)))
    found = gongwen_pdf.role_fonts()
    assert found.names["fangsong"] == "MZDesk-GW-fangsong" and found.names["kaiti"] == "MZDesk-GW-kaiti"
    assert found.names["heiti"] == gongwen_pdf.pdf_font().name  # no 黑体 named: the PDFs' own font
    assert set(found.paths.values()) == {wqy}


def test_without_a_truetype_font_the_pdf_is_still_written(fresh_fonts, monkeypatch, tmp_path):
    from mzdesk.documents import fonts
    from mzdesk.summary import gongwen_pdf

    monkeypatch.setattr(fonts, "candidates", lambda: iter(()))
    monkeypatch.setattr(gongwen_pdf, "_fontconfig", lambda: ())
    path = write_pdf(blocks(), tmp_path / "总结.pdf")
    assert any("STSong-Light" in row[0] for row in pdffonts(path))
    assert "目前有城镇低保户23户56人" in flat(pdf_body(path))
    assert chart_png(CHART) is None  # Pillow cannot write Chinese without a TrueType face
    d = build(blocks())
    assert len(d.inline_shapes) == 0 and len(d.tables) == 2  # the chart's figures stay, as a table


# --- the DOCX -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def docx_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("summary") / "总结.docx"
    write_docx(blocks(), path, author="茶店镇民政办")
    return path


def test_docx_contains_the_seed_sentences_with_the_figures(docx_path):
    text = flat(docx_text(docx_path))
    for sentence in SENTENCES:
        assert flat(sentence) in text, sentence
    assert "1523456.78" in text and "412345.60" in text
    d = docx.Document(str(docx_path))
    assert d.core_properties.title == "茶店镇2022年民政工作上半年总结及下半年计划"
    assert len(d.tables) == 2 and len(d.inline_shapes) == 1  # the figures, the monthly table; the chart


def test_docx_is_laid_out_as_a_gongwen(docx_path):
    d = docx.Document(str(docx_path))
    section = d.sections[0]
    mm = 36000  # EMU per millimetre
    assert (round(section.page_width / mm), round(section.page_height / mm)) == (210, 297)
    assert [round(m / mm) for m in (section.top_margin, section.left_margin, section.right_margin,
                                    section.bottom_margin)] == [37, 28, 26, 35]
    grid = section._sectPr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}docGrid")
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    assert grid.get(f"{w}type") == "lines" and grid.get(f"{w}linePitch") == "579"  # 22 lines
    spacing = d.styles["Normal"].element.rPr.find(f"{w}spacing")
    assert 28 * (16 + int(spacing.get(f"{w}val")) / 20) <= 156 * 72 / 25.4  # 28 characters a line

    def east_asian(run):
        return run._r.rPr.rFonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")

    paragraphs = d.paragraphs
    title = paragraphs[0]
    assert {east_asian(r) for r in title.runs if r.text} == {"方正小标宋简体"}
    assert {r.font.size.pt for r in title.runs if r.text} == {22}
    by_text = {p.text: p for p in paragraphs}
    assert east_asian(by_text["一、2022年上半年工作情况"].runs[0]) == "黑体"
    assert east_asian(by_text["（一）救灾救济工作"].runs[0]) == "楷体_GB2312"
    body = next(p for p in paragraphs if p.text.startswith("1.低保工作："))
    assert [east_asian(r) for r in body.runs] == ["仿宋_GB2312", "仿宋_GB2312"]
    assert body.runs[1].font.size.pt == 16 and body.paragraph_format.line_spacing.pt == pytest.approx(28.9)
    plan = next(p for p in paragraphs if p.text.startswith("（一）加强民政人员"))
    assert [east_asian(r) for r in plan.runs] == ["楷体_GB2312", "仿宋_GB2312"]

    footers = [section.footer, section.even_page_footer]
    for footer in footers:
        xml = footer._element.xml
        assert "PAGE" in xml and footer.paragraphs[0].text.startswith("— ") and footer.paragraphs[0].text.endswith(" —")
    assert d.settings.odd_and_even_pages_header_footer
    table_part = next(r.target_part for r in d.part.rels.values() if r.reltype.endswith("/fontTable"))
    assert "仿宋_GB2312" in table_part.blob.decode("utf-8") and 'w:val="仿宋"' in table_part.blob.decode("utf-8")


def test_chart_png_is_drawn():
    png = chart_png(CHART)
    assert png and png[:8] == b"\x89PNG\r\n\x1a\n"
    from io import BytesIO

    from PIL import Image

    image = Image.open(BytesIO(png)).convert("RGB")
    colours = {image.getpixel((x, y)) for x in range(0, image.width, 7) for y in range(0, image.height, 7)}
    assert (0x1F, 0x4E, 0x79) in colours and (0x9D, 0xC3, 0xE6) in colours  # bars of two series


def test_docx_without_chart_has_no_second_attachment():
    d = build(blocks(chart=None))
    text = "\n".join(p.text for p in d.paragraphs)
    assert "附件：2022年上半年民政资金发放情况表" in text and "附件2" not in text
    assert len(d.tables) == 1 and len(d.inline_shapes) == 0


# --- a period of the demo township, end to end ----------------------------------------------

def test_render_summary_of_the_demo_half_year(june, tmp_path):
    from mzdesk.money import wan_str
    from mzdesk.summary.figures import summary_figures

    figures = summary_figures("2026-01", "2026-05")
    out = tmp_path / "out"
    out.mkdir()
    pdf_path = doc.render_summary("2026-01", "2026-05", out / "总结.pdf", today=dt.date(2026, 6, 10))
    docx_file = doc.render_summary("2026-01", "2026-05", out / "总结.docx", today=dt.date(2026, 6, 10))
    for text in (flat(pdf_body(pdf_path)), flat(docx_text(docx_file))):
        du, dr = figures["dibao_urban"], figures["dibao_rural"]
        assert f"目前有城镇低保户{du['households']}户{du['persons']}人；农村低保户{dr['households']}户{dr['persons']}人" in text
        assert f"截止5月共计发放{wan_str(figures['dibao_paid'])}万元" in text
        assert f"截至5月共计发放抚恤金{wan_str(figures['youfu']['paid'])}万元" in text
        assert "长丰村作为试点" in text and "某某区民政局" in text
        for entry in figures["one_off"]:
            assert f"发放{entry['name']}{wan_str(entry['amount'])}万元" in text
        assert figures["dibao_paid"] in text  # in 元 in the table
        assert "2026年1月至5月民政资金分月发放情况" in text
    assert sorted(p.name for p in out.iterdir()) == ["总结.docx", "总结.pdf"]  # no temporary files left


def test_render_summary_refuses_other_formats(june, tmp_path):
    with pytest.raises(ValidationError, match="PDF 或 DOCX"):
        doc.render_summary("2026-01", "2026-05", tmp_path / "总结.txt")
