"""The summary as a Word document laid out as a 公文 (GB/T 9704-2012), with python-docx.

The same blocks as the PDF (mzdesk.summary.document), set the way an office's
公文 template in Word sets them: A4, margins 37 / 35 / 28 / 26 mm (text block
156 × 225 mm), a document grid of 22 lines × 28 characters, body 3号 仿宋
at a fixed 28.9 pt, title 2号 小标宋, 一、 黑体, （一） 楷体, page numbers
"— 1 —" in 4号 宋体 in the footer, right on odd pages and left on even ones.

A DOCX only names its fonts; Word finds them on the reader's machine.  The
names are the ones 公文 templates use (仿宋_GB2312, 楷体_GB2312, 方正小标宋简体,
黑体, 宋体), East-Asian slot included (w:eastAsia), and the font table gives
each an alternative Word falls back to when it is missing (仿宋_GB2312 → 仿宋,
方正小标宋简体 → 黑体 …): Windows 10 has 仿宋 but seldom 仿宋_GB2312.

The chart is a PNG drawn with Pillow (reportlab's dependency) from the same
primitives as the PDF's chart, since reportlab's own bitmap renderer needs a
backend (rlPyCairo / rl_renderPM) that is not installed.  Without a TrueType
CJK font Pillow cannot write its labels, and the chart is left out (its
figures are in the table below it either way).
"""
from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt
from lxml import etree

from ..files import atomic_path
from . import document as doc
from .gongwen_pdf import BODY, CHART_HEIGHT, LEADING, PAGE_NO_SIZE, TITLE_SIZE, WIDTH, _Para, role_fonts

FANGSONG, KAITI, HEITI, TITLE, SONG = "仿宋_GB2312", "楷体_GB2312", "黑体", "方正小标宋简体", "宋体"
# The font table's alternatives: what Word uses when the named font is not installed.
ALTERNATIVES = {FANGSONG: "仿宋", KAITI: "楷体", TITLE: "黑体", HEITI: "SimHei", SONG: "SimSun"}
LINE_PITCH = 579  # twips: 22 lines in 225 mm
# 28 characters a line: every character 0.25 pt closer (w:spacing, twentieths of a point),
# 28 × 15.75 pt ≤ 156 mm.  Not a character grid (docGrid linesAndChars): LibreOffice gives a
# 16 pt character two cells of a 15.8 pt grid, and the line holds 14.
CONDENSE = -5
CELL = BODY + CONDENSE / 20  # one character of the body, in points
# Schema order of the children of w:rPr and w:pPr: Word refuses a file whose order is wrong.
_RPR = ("w:rStyle", "w:rFonts", "w:b", "w:bCs", "w:i", "w:iCs", "w:caps", "w:smallCaps", "w:strike",
        "w:dstrike", "w:outline", "w:shadow", "w:emboss", "w:imprint", "w:noProof", "w:snapToGrid",
        "w:vanish", "w:webHidden", "w:color", "w:spacing", "w:w", "w:kern", "w:position", "w:sz",
        "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign",
        "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath")
_PPR = ("w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr", "w:widowControl",
        "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs", "w:suppressAutoHyphens",
        "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE",
        "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
        "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection",
        "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr",
        "w:sectPr", "w:pPrChange")
_ALIGN = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
          "right": WD_ALIGN_PARAGRAPH.RIGHT}


def _put(parent, tag: str, attributes: str, order: tuple[str, ...]) -> None:
    """Set the child `tag` of `parent` (replacing one already there) at its place in `order`."""
    for old in parent.findall(qn(tag)):
        parent.remove(old)
    prefix, name = tag.split(":")
    child = parse_xml(f'<{tag} {nsdecls(prefix)} {attributes}/>')
    parent.insert_element_before(child, *order[order.index(tag) + 1:])


def _set_font(target, east_asian: str, size: float | None = None) -> None:
    """Name a font in every slot (w:ascii, w:hAnsi, w:eastAsia) of a run or style."""
    font = target.font
    font.name = east_asian
    if size is not None:
        font.size = Pt(size)
    fonts = target._element.get_or_add_rPr().get_or_add_rFonts()
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), east_asian)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)


def _run(paragraph, text: str, font: str, size: float = BODY):
    run = paragraph.add_run(text)
    _set_font(run, font, size)
    return run


def _indent_chars(paragraph, first: float = 0, left: float = 0, right: float = 0) -> None:
    """Indents in characters, as Word's 首行缩进 2 字符 writes them (w:firstLineChars, in
    hundredths) and in twips for readers that ignore the character units (LibreOffice)."""
    ind = paragraph._p.get_or_add_pPr().get_or_add_ind()
    for name, value in (("firstLine", first), ("left", left), ("right", right)):
        if value:
            ind.set(qn(f"w:{name}Chars"), str(round(value * 100)))
            ind.set(qn(f"w:{name}"), str(round(value * CELL * 20)))


def _body(paragraph, *, first: int = 2, align=WD_ALIGN_PARAGRAPH.JUSTIFY, exact: float = LEADING):
    fmt = paragraph.paragraph_format
    fmt.alignment = align
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(exact)
    fmt.widow_control = True
    if first:
        _indent_chars(paragraph, first=first)
    return paragraph


def _no_grid(paragraph) -> None:
    """Table cells and the chart keep their own line height instead of the 28.9 pt grid."""
    _put(paragraph._p.get_or_add_pPr(), "w:snapToGrid", 'w:val="0"', _PPR)
    fmt = paragraph.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE


def _page_setup(document) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(22)  # the number's top about 7 mm under the text block
    grid = section._sectPr.find(qn("w:docGrid"))
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH))
    normal = document.styles["Normal"]
    _set_font(normal, FANGSONG, BODY)
    rpr = normal.element.get_or_add_rPr()
    _put(rpr, "w:spacing", f'w:val="{CONDENSE}"', _RPR)
    _put(rpr, "w:lang", 'w:val="en-US" w:eastAsia="zh-CN"', _RPR)
    # The default size too: Word counts the 字符 of an indent in it.
    defaults = document.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        rpr_default = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
        if rpr_default is not None:
            _put(rpr_default, "w:sz", f'w:val="{int(BODY * 2)}"', _RPR)
    _font_table(document)
    _page_numbers(document, section)


def _font_table(document) -> None:
    part = next(r.target_part for r in document.part.rels.values() if r.reltype.endswith("/fontTable"))
    root = etree.fromstring(part.blob)
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    for name, alternative in ALTERNATIVES.items():
        font = etree.SubElement(root, f"{{{w}}}font", {f"{{{w}}}name": name})
        etree.SubElement(font, f"{{{w}}}altName", {f"{{{w}}}val": alternative})
        etree.SubElement(font, f"{{{w}}}charset", {f"{{{w}}}val": "86"})  # GB2312
        etree.SubElement(font, f"{{{w}}}family", {f"{{{w}}}val": "modern"})
        etree.SubElement(font, f"{{{w}}}pitch", {f"{{{w}}}val": "fixed"})
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _page_numbers(document, section) -> None:
    """— 1 — in 4号 宋体: odd pages right, even pages left, one character in (GB/T 9704 7.5)."""
    document.settings.odd_and_even_pages_header_footer = True
    for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
                          (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p.paragraph_format.alignment = align
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            p.paragraph_format.right_indent = Pt(PAGE_NO_SIZE)
        else:
            p.paragraph_format.left_indent = Pt(PAGE_NO_SIZE)
        _run(p, "— ", SONG, PAGE_NO_SIZE)
        number = _run(p, "1", SONG, PAGE_NO_SIZE)._r  # the field's shown value, Word updates it
        field = parse_xml(f'<w:fldSimple {nsdecls("w")} w:instr=" PAGE "/>')
        number.addprevious(field)
        field.append(number)
        _run(p, " —", SONG, PAGE_NO_SIZE)


# --- blocks --------------------------------------------------------------------------------

def _title_lines(text: str) -> list[str]:
    """The title broken where the PDF breaks it (between words, lines of equal length)."""
    font = role_fonts().names["title"]
    para = _Para([(text, font)], size=TITLE_SIZE, leading=36, first_indent=0, align="center",
                 pitch=TITLE_SIZE, title=True)
    return ["".join(s.text for s in line.segments) for line in para.lines(WIDTH)]


def _chars(text: str) -> float:
    """Width in characters of the grid (digits are half a character)."""
    return sum(0.5 if ch.isascii() else 1.0 for ch in text)


def _ems(text: str) -> float:
    """Width in em of `text` in a CJK face (digits about 0.55 em)."""
    return sum(0.55 if ch.isascii() else 1.0 for ch in text)


def _table(document, table: doc.Table) -> None:
    rows = [table.header, *table.rows] + ([table.total] if table.total else [])
    out = document.add_table(rows=len(rows), cols=len(table.header))
    out.style = document.styles["Table Grid"]
    out.alignment = WD_TABLE_ALIGNMENT.CENTER
    out.autofit = False
    widths = [Pt(f * WIDTH) for f in table.widths]
    for column, width in zip(out.columns, widths):  # w:gridCol, which LibreOffice reads
        column.width = width
    size = 12.0
    for i, align in enumerate(table.align):  # amounts on one line: shrink the type if need be
        if align == "right":
            longest = max((_ems(r[i]) for r in rows[1:] if r[i]), default=0.0)
            if longest:  # less Word's default cell margins, 5.4 pt a side
                size = min(size, (table.widths[i] * WIDTH - 12) / longest)
    header_row = out.rows[0]._tr.get_or_add_trPr()
    header_row.append(parse_xml(f'<w:tblHeader {nsdecls("w")}/>'))  # repeated on every page
    for r, values in enumerate(rows):
        head = r == 0 or (table.total is not None and r == len(rows) - 1)
        for c, value in enumerate(values):
            cell = out.cell(r, c)
            cell.width = widths[c]
            p = cell.paragraphs[0]
            _no_grid(p)
            p.paragraph_format.space_before = p.paragraph_format.space_after = Pt(2)
            p.paragraph_format.alignment = _ALIGN["center" if r == 0 or (head and c == 0) else table.align[c]]
            _run(p, value, HEITI if head and (r == 0 or c == 0) else FANGSONG, size)
    if table.total:  # 合计 across the empty cells after it
        last = len(rows) - 1
        span = 1
        while span < len(table.total) and not table.total[span]:
            span += 1
        if span > 1:
            merged = out.cell(last, 0).merge(out.cell(last, span - 1))
            for extra in merged.paragraphs[1:]:
                extra._p.getparent().remove(extra._p)


def chart_png(chart: doc.Chart, width: float = WIDTH, height: float = CHART_HEIGHT, dpi: int = 200) -> bytes | None:
    """The chart (document.chart_shapes) as a PNG, or None without a TrueType CJK font."""
    from PIL import Image, ImageDraw, ImageFont

    path = role_fonts().paths["fangsong"]
    if not path:
        return None
    scale = dpi / 72
    image = Image.new("RGB", (round(width * scale), round(height * scale)), "white")
    draw = ImageDraw.Draw(image)
    fonts: dict[float, ImageFont.FreeTypeFont] = {}
    anchors = {"start": "ls", "middle": "ms", "end": "rs"}
    for s in doc.chart_shapes(chart, width, height):
        if s.kind == "rect":
            draw.rectangle([s.x * scale, s.y * scale, (s.x + s.w) * scale - 1, (s.y + s.h) * scale - 1],
                           fill=s.colour)
        elif s.kind == "line":
            draw.line([s.x * scale, s.y * scale, (s.x + s.w) * scale, (s.y + s.h) * scale],
                      fill=s.colour, width=max(1, round(0.5 * scale)))
        else:
            if s.size not in fonts:
                fonts[s.size] = ImageFont.truetype(path, round(s.size * scale), index=0)
            draw.text((s.x * scale, s.y * scale), s.text, fill=s.colour, font=fonts[s.size],
                      anchor=anchors[s.anchor])
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(dpi, dpi))
    return buffer.getvalue()


def _signature(document, office: str, date: str) -> None:
    """署名 and 成文日期 as in the PDF: the date 2 characters from the right, the office
    starting 2 characters left of the date unless longer than it."""
    office_w, date_w = _chars(office), _chars(date)
    date_right = 2.0
    office_right = date_right + date_w + 2 - office_w
    if office_right < 2:
        office_right = 2.0
        date_right = office_right + office_w - 2 - date_w
    for text, right in ((office, office_right), (date, date_right)):
        p = _body(document.add_paragraph(), first=0, align=WD_ALIGN_PARAGRAPH.RIGHT)
        _indent_chars(p, right=right)
        _run(p, text, FANGSONG)


def build(blocks: list[doc.Block], *, author: str = ""):
    document = Document()
    _page_setup(document)
    lead_font = {2: KAITI, 3: FANGSONG}
    new_page = False
    for block in blocks:
        kind = block.kind
        if kind == doc.TITLE:
            p = _body(document.add_paragraph(), first=0, align=WD_ALIGN_PARAGRAPH.CENTER, exact=36)
            p.paragraph_format.keep_with_next = True
            for i, line in enumerate(_title_lines(block.text)):
                run = _run(p, "", TITLE, TITLE_SIZE)
                if i:  # where the PDF breaks it, not where Word would
                    run.add_break()
                run.add_text(line)
            _body(document.add_paragraph(), first=0)
        elif kind == doc.HEADING:
            p = _body(document.add_paragraph())
            p.paragraph_format.keep_with_next = True
            _run(p, block.text, HEITI if block.level == 1 else KAITI)
        elif kind == doc.PARAGRAPH:
            p = _body(document.add_paragraph())
            if block.lead:
                _run(p, block.lead, lead_font.get(block.level, FANGSONG))
            _run(p, block.text, FANGSONG)
        elif kind == doc.ATTACHMENTS:
            _body(document.add_paragraph(), first=0)
            many = len(block.items) > 1
            for i, name in enumerate(block.items, 1):
                p = _body(document.add_paragraph(), first=2 if i == 1 else 0)
                if i > 1:
                    _indent_chars(p, left=5)
                _run(p, ("附件：" if i == 1 else "") + (f"{i}.{name}" if many else name), FANGSONG)
        elif kind == doc.SIGNATURE:
            for _ in range(2):
                _body(document.add_paragraph(), first=0)
            _signature(document, *block.items)
        elif kind == doc.PAGE_BREAK:
            new_page = True
            continue
        elif kind == doc.LABEL:
            p = _body(document.add_paragraph(), first=0, align=WD_ALIGN_PARAGRAPH.LEFT)
            p.paragraph_format.keep_with_next = True
            _run(p, block.text, HEITI)
        elif kind == doc.TABLE:
            _table(document, block.table)
        elif kind == doc.CHART:
            png = chart_png(block.chart)
            if png is not None:
                document.add_picture(io.BytesIO(png), width=Pt(WIDTH))
                p = document.paragraphs[-1]
                _no_grid(p)
                p.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
                p.paragraph_format.space_after = Pt(LEADING / 2)
        else:
            raise ValueError(f"unknown block kind {kind}")
        if new_page:
            target = document.paragraphs[-1] if kind != doc.TABLE else None
            if target is not None:
                target.paragraph_format.page_break_before = True
            new_page = False
    props = document.core_properties
    props.title = next((b.text for b in blocks if b.kind == doc.TITLE), "工作总结")
    props.author = author
    props.language = "zh-CN"
    return document


def write_docx(blocks: list[doc.Block], path, *, author: str = "") -> Path:
    """The blocks as a 公文-style DOCX at `path`, whole or not at all."""
    path = Path(path)
    document = build(blocks, author=author)
    with atomic_path(path) as tmp:
        document.save(str(tmp))
    return path
