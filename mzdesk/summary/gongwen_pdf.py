"""The summary as a PDF laid out as a 公文 (GB/T 9704-2012), with reportlab platypus.

A4; the text block 156 × 225 mm, 37 mm from the top and 28 mm from the
left; body 3号 (16 pt) 仿宋 on a grid of 22 lines of 28 characters; title 2号
(22 pt) 小标宋; 一、 headings 黑体, （一） 楷体; page numbers "— 1 —" in 4号
宋体, 7 mm under the text block, right on odd pages and left on even ones.

Body text is set by `_GridText`, not platypus' Paragraph: like Word's
document grid, every glyph advances 156 mm / 28 (the 16 pt glyphs packed
0.2 pt closer), lines are justified, numbers are never split, and no line
starts with a closing mark or ends with an opening one (禁则).

Fonts: each role takes the first TrueType face found (Windows: simfang,
simhei, simkai, simsun, 方正小标宋; Linux: fontconfig families by name) and
otherwise the face mzdesk.documents.fonts found for every PDF — on a machine
with WenQuanYi only, every role is WenQuanYi.  reportlab embeds the subset
of glyphs used.
"""
from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import (BaseDocTemplate, Flowable, Frame, PageBreak, PageTemplate, Paragraph,
                                Spacer, Table, TableStyle)
from reportlab.pdfbase import pdfmetrics

from ..documents.fonts import pdf_font, string_width
from ..files import atomic_path
from . import document as doc

MM = 72 / 25.4
PAGE = (210 * MM, 297 * MM)
LEFT, TOP, WIDTH, HEIGHT = 28 * MM, 37 * MM, 156 * MM, 225 * MM
BOTTOM = PAGE[1] - TOP - HEIGHT  # 35 mm
BODY, TITLE_SIZE, PAGE_NO_SIZE = 16.0, 22.0, 14.0
LEADING = 28.9  # 22 lines in 225 mm (Word's 公文 templates use 固定值 28.9 磅)
PITCH = WIDTH / 28  # 28 characters a line
CHART_HEIGHT = 250.0

NO_START = set("，。、；：？！）》」』】〕〉”’…—%·,.;:?!)]")  # never first on a line
NO_END = set("（《「『【〔〈“‘([")  # never last on a line
_TOKENS = re.compile(r"[A-Za-z0-9.%]+|.", re.S)  # a number is one token: never split

# --- fonts per role -----------------------------------------------------------------------

ROLES = ("fangsong", "heiti", "kaiti", "title", "song")
_WINDOWS = {"fangsong": ("simfang.ttf", "FS_GB2312.ttf", "仿宋_GB2312.ttf"),
            "heiti": ("simhei.ttf",),
            "kaiti": ("simkai.ttf", "KAITI_GB2312.ttf", "楷体_GB2312.ttf"),
            "title": ("FZXBSJW.TTF", "方正小标宋简体.TTF", "FZXBSK.TTF", "simhei.ttf"),
            "song": ("simsun.ttc", "simsun.ttf")}
_FAMILIES = {"fangsong": r"仿宋|fangsong", "heiti": r"黑体|simhei|heiti|micro ?hei|zen ?hei",
             "kaiti": r"楷体|kaiti|ukai", "title": r"小标宋|xiaobiaosong|黑体|simhei|heiti",
             "song": r"(?<!小标)宋体|simsun|songti|uming"}


@dataclass(frozen=True)
class RoleFonts:
    names: dict  # role → reportlab font name
    paths: dict  # role → font file (None for reportlab's built-in CID font)


def _windows_files(role: str) -> list[Path]:
    folder = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
    local = Path(os.environ.get("LOCALAPPDATA", "")) / "Microsoft" / "Windows" / "Fonts"
    return [d / name for name in _WINDOWS[role] for d in (folder, local)]


@functools.lru_cache(maxsize=1)
def _fontconfig() -> tuple[tuple[str, str], ...]:
    """(family names, file) of every Chinese face fontconfig knows (TrueType first)."""
    if sys.platform == "win32" or not shutil.which("fc-list"):
        return ()
    try:
        out = subprocess.run(["fc-list", ":lang=zh", "family", "file"], capture_output=True,
                             text=True, timeout=10, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    rows = [(line.split(":", 1)[1].strip(), line.split(":", 1)[0].strip())
            for line in out.splitlines() if ":" in line]
    return tuple(sorted(rows, key=lambda r: r[1].lower().endswith(".otf")))


def _register(name: str, path: Path) -> bool:
    """Register a TrueType face with Chinese glyphs under `name`; False when refused."""
    from reportlab.pdfbase.ttfonts import TTFont

    if not path.is_file():
        return False
    try:
        font = TTFont(name, str(path), subfontIndex=0)
    except Exception:  # CFF outlines, broken files
        return False
    if not all(ord(ch) in font.face.charToGlyph for ch in "民政工作总结"):
        return False
    pdfmetrics.registerFont(font)
    return True


@functools.lru_cache(maxsize=1)
def role_fonts() -> RoleFonts:
    """The face of each role, found and registered once (`role_fonts.cache_clear()` to search again)."""
    fallback = pdf_font()
    names, paths = {}, {}
    for role in ROLES:
        name = f"MZDesk-GW-{role}"
        found = _windows_files(role) if sys.platform == "win32" else []
        found += [Path(f) for families, f in _fontconfig() if re.search(_FAMILIES[role], families, re.I)]
        path = next((p for p in found if _register(name, p)), None)
        names[role] = name if path else fallback.name
        paths[role] = str(path) if path else fallback.path
    return RoleFonts(names, paths)


# --- grid text ----------------------------------------------------------------------------

@dataclass(frozen=True)
class _Segment:
    x: float
    text: str
    font: str
    char_space: float


@dataclass(frozen=True)
class _Line:
    segments: tuple[_Segment, ...]
    size: float
    leading: float
    sticky: bool  # never the last line of a page: a heading's, a paragraph's first


# Where a title may break rather than mid-word: after these, or before those.
_BREAK_AFTER = ("年", "的", "工作", "总结", "情况")
_BREAK_BEFORE = ("及", "和", "与")


@dataclass
class _Para:
    """One paragraph, heading or title to set on the grid."""
    runs: list  # (text, font)
    size: float = BODY
    leading: float = LEADING
    first_indent: float = 2 * PITCH
    indent: float = 0.0
    align: str = "justify"  # justify / center / left / right
    pitch: float = PITCH  # every glyph advances its width plus (pitch - size), as Word's grid does
    title: bool = False  # break into lines of about equal length, at a word if possible
    keep_with_next: bool = False

    @property
    def char_space(self) -> float:
        return self.pitch - self.size

    def _tokens(self, width: float) -> list[tuple[str, str, float]]:
        tokens = []
        for text, font in self.runs:
            for m in _TOKENS.finditer(text):
                tok = m.group()
                advance = string_width(tok, font, self.size)
                if len(tok) > 1 and advance > width / 2:  # a huge number: split it after all
                    tokens += [(ch, font, string_width(ch, font, self.size)) for ch in tok]
                else:
                    tokens.append((tok, font, advance))
        return tokens

    def _span(self, tokens) -> float:
        return sum(a + len(t) * self.char_space for t, _, a in tokens) - self.char_space

    def _break(self, tokens, width: float) -> list[list]:
        lines, cur, used = [], [], 0.0
        for tok in tokens:
            room = width - (self.first_indent if not lines else self.indent)
            advance = tok[2] + len(tok[0]) * self.char_space
            if cur and used + advance - self.char_space > room + 0.5:
                carry = []
                if tok[0][0] in NO_START:  # pull the last character down with the mark
                    while len(cur) > 1 and (not carry or carry[0][0][0] in NO_START):
                        carry.insert(0, cur.pop())
                while len(cur) > 1 and cur[-1][0][-1] in NO_END:
                    carry.insert(0, cur.pop())
                lines.append(cur)
                cur = carry
                used = sum(t[2] + len(t[0]) * self.char_space for t in cur)
            cur.append(tok)
            used += advance
        return lines + [cur] if cur else lines

    def _title_break(self, tokens, width: float) -> list[list]:
        """Two balanced lines, preferring a break between words (GB/T 9704: 词意完整)."""
        best = None
        for i in range(1, len(tokens)):
            left, right = tokens[:i], tokens[i:]
            a, b = self._span(left), self._span(right)
            if max(a, b) > width or right[0][0][0] in NO_START:
                continue
            before = "".join(t for t, _, _ in left)
            word = before.endswith(_BREAK_AFTER) or right[0][0].startswith(_BREAK_BEFORE)
            score = abs(a - b) + (0 if word else 4 * self.size)
            if best is None or score < best[0]:
                best = (score, i)
        if best is None:
            return self._break(tokens, width)
        return [tokens[:best[1]], tokens[best[1]:]]

    def lines(self, width: float) -> list[_Line]:
        tokens = self._tokens(width)
        if not tokens:
            return [_Line((), self.size, self.leading, False)]
        if self.title and self._span(tokens) > width:
            broken = self._title_break(tokens, width)
        else:
            broken = self._break(tokens, width)
        out = []
        for i, line in enumerate(broken):
            last = i == len(broken) - 1
            sticky = (self.keep_with_next and last) or (i == 0 and not last) or (
                i == len(broken) - 2 and len(broken) > 2)  # no orphan, no widow
            out.append(_Line(tuple(self._place(line, i, last, width)), self.size, self.leading, sticky))
        return out

    def _place(self, line, index: int, last: bool, width: float) -> list[_Segment]:
        indent = self.first_indent if index == 0 else self.indent
        glyphs = sum(len(t) for t, _, _ in line)
        ink = sum(a for _, _, a in line)
        space = self.char_space
        room = width - indent
        x = indent
        if self.align == "justify" and not last and glyphs > 1:
            stretched = (room - ink) / (glyphs - 1)
            if stretched - space < self.size * 0.35:  # else leave a loose line ragged
                space = stretched
        elif self.align in ("center", "right"):
            spare = room - (ink + (glyphs - 1) * space)
            x += spare / 2 if self.align == "center" else spare
        segments: list[_Segment] = []
        for text, font, advance in line:
            if segments and segments[-1].font == font:
                s = segments[-1]
                segments[-1] = _Segment(s.x, s.text + text, font, space)
            else:
                segments.append(_Segment(x, text, font, space))
            x += advance + len(text) * space
        return segments


class _GridText(Flowable):
    """Consecutive paragraphs set line by line; splits across pages between lines, never
    after a sticky line (so a heading never ends a page, nor a paragraph's single first line)."""

    def __init__(self, paras: list[_Para] | None = None, lines: list[_Line] | None = None):
        super().__init__()
        self.paras, self.lines, self._width = paras, lines, None

    def wrap(self, availWidth, availHeight):
        if self.paras is not None and self._width != availWidth:
            self.lines = [line for para in self.paras for line in para.lines(availWidth)]
            self._width = availWidth
        self.width = availWidth
        self.height = sum(line.leading for line in self.lines)
        return self.width, self.height

    def split(self, availWidth, availHeight):
        self.wrap(availWidth, availHeight)
        fit, used = 0, 0.0
        while fit < len(self.lines) and used + self.lines[fit].leading <= availHeight + 1e-6:
            used += self.lines[fit].leading
            fit += 1
        if fit >= len(self.lines):
            return [self]
        keep = fit
        while keep > 0 and self.lines[keep - 1].sticky:
            keep -= 1
        if keep == 0 and availHeight >= HEIGHT - 1:
            keep = fit  # a fresh page: better a sticky line at its foot than no progress
        if keep == 0:
            return []
        return [_GridText(lines=self.lines[:keep]), _GridText(lines=self.lines[keep:])]

    def draw(self):
        c = self.canv
        top = self.height
        for line in self.lines:
            baseline = top - line.leading / 2 - line.size * 0.35  # glyphs centred on the grid line
            top -= line.leading
            if not line.segments:
                continue
            text = c.beginText()
            for seg in line.segments:
                text.setTextOrigin(seg.x, baseline)
                text.setFont(seg.font, line.size)
                text.setCharSpace(seg.char_space)
                text.textOut(seg.text)
            c.drawText(text)


class _Signature(Flowable):
    """署名 and 成文日期 (GB/T 9704 7.3.5.2): the date 2 characters from the right, the office
    starting 2 characters left of the date's first — unless it is longer than the date."""

    def __init__(self, office: str, date: str, font: str):
        super().__init__()
        self.office, self.date, self.font = office, date, font

    def wrap(self, availWidth, availHeight):
        self.width, self.height = availWidth, 2 * LEADING
        return self.width, self.height

    def draw(self):
        space = PITCH - BODY
        width = lambda s: string_width(s, self.font, BODY) + (len(s) - 1) * space  # noqa: E731
        date_left = self.width - 2 * PITCH - width(self.date)
        office_left = date_left - 2 * PITCH
        if office_left + width(self.office) > self.width - 2 * PITCH:
            office_left = self.width - 2 * PITCH - width(self.office)
            date_left = office_left + 2 * PITCH
        baseline = LEADING / 2 + BODY * 0.35
        for row, (text, x) in enumerate(((self.office, office_left), (self.date, date_left))):
            t = self.canv.beginText(x, self.height - row * LEADING - baseline)
            t.setFont(self.font, BODY)
            t.setCharSpace(space)
            t.textOut(text)
            self.canv.drawText(t)


# --- blocks to flowables ------------------------------------------------------------------

def _table(table: doc.Table, fonts: RoleFonts, size: float = 12.0) -> Table:
    body_font, head_font = fonts.names["fangsong"], fonts.names["heiti"]
    widths = [f * WIDTH for f in table.widths]
    numeric = [i for i, a in enumerate(table.align) if a == "right"]
    for i in numeric:  # shrink the type until the longest amount fits its column on one line
        longest = max((string_width(row[i], body_font, 1.0) for row in table.rows + (table.total or (),)
                       if i < len(row)), default=0.0)
        if longest:
            size = min(size, (widths[i] - 14) / longest)  # 2 × 6 pt padding
    alignments = {"left": 0, "center": 1, "right": 2}

    def cell(text, font, align):
        style = ParagraphStyle("cell", fontName=font, bulletFontName=font, fontSize=size,
                               leading=size * 1.35, alignment=alignments[align], wordWrap="CJK")
        return Paragraph(text.replace("&", "&amp;").replace("<", "&lt;"), style)

    data = [[cell(h, head_font, "center") for h in table.header]]
    data += [[cell(v, body_font, a) for v, a in zip(row, table.align)] for row in table.rows]
    if table.total:
        data.append([cell(v, head_font if i == 0 else body_font, "center" if i == 0 else a)
                     for i, (v, a) in enumerate(zip(table.total, table.align))])
    flowable = Table(data, colWidths=widths, repeatRows=1)
    commands = []
    if table.total:  # 合计 across the empty cells after it
        span = 1
        while span < len(table.total) and not table.total[span]:
            span += 1
        if span > 1:
            commands.append(("SPAN", (0, -1), (span - 1, -1)))
    flowable.setStyle(TableStyle(commands + [("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                                  ("FONTNAME", (0, 0), (-1, -1), body_font),  # not Helvetica
                                  ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                                  ("TOPPADDING", (0, 0), (-1, -1), 3),
                                  ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]))
    return flowable


def chart_drawing(chart: doc.Chart, font: str, width: float = WIDTH, height: float = CHART_HEIGHT) -> Drawing:
    """The chart as reportlab graphics (document.chart_shapes, y flipped)."""
    drawing = Drawing(width, height, initialFontName=font)  # no unembedded Times-Roman
    for s in doc.chart_shapes(chart, width, height):
        colour = colors.HexColor(s.colour)
        if s.kind == "rect":
            drawing.add(Rect(s.x, height - s.y - s.h, s.w, s.h, fillColor=colour, strokeColor=None))
        elif s.kind == "line":
            drawing.add(Line(s.x, height - s.y, s.x + s.w, height - s.y - s.h, strokeColor=colour,
                             strokeWidth=0.5))
        else:
            drawing.add(String(s.x, height - s.y, s.text, fontName=font, fontSize=s.size,
                               textAnchor=s.anchor, fillColor=colour))
    return drawing


def flowables(blocks: list[doc.Block], fonts: RoleFonts) -> list[Flowable]:
    """Platypus flowables of the blocks; consecutive text goes into one _GridText."""
    f = fonts.names
    lead_font = {2: f["kaiti"], 3: f["fangsong"]}
    story: list[Flowable] = []
    paras: list[_Para] = []

    def flush():
        if paras:
            story.append(_GridText(list(paras)))
            paras.clear()

    blank = _Para([])
    for block in blocks:
        kind = block.kind
        if kind == doc.TITLE:
            paras += [_Para([(block.text, f["title"])], size=TITLE_SIZE, leading=36, first_indent=0,
                            align="center", pitch=TITLE_SIZE, title=True, keep_with_next=True), blank]
        elif kind == doc.HEADING:
            font = f["heiti"] if block.level == 1 else f["kaiti"]
            paras.append(_Para([(block.text, font)], keep_with_next=True))
        elif kind == doc.PARAGRAPH:
            runs = [(block.lead, lead_font.get(block.level, f["fangsong"]))] if block.lead else []
            paras.append(_Para(runs + [(block.text, f["fangsong"])]))
        elif kind == doc.ATTACHMENTS:
            # 附件：1.name — continuation lines and later names under the first name (GB/T 9704 7.3.4).
            many = len(block.items) > 1
            hang = 2 * PITCH + 3 * PITCH
            number = string_width("1.", f["fangsong"], BODY) + 2 * (PITCH - BODY) if many else 0.0
            paras.append(blank)
            for i, name in enumerate(block.items, 1):
                text = (f"{i}.{name}" if many else name)
                paras.append(_Para([(("附件：" if i == 1 else "") + text, f["fangsong"])],
                                   first_indent=2 * PITCH if i == 1 else hang, indent=hang + number))
        elif kind == doc.SIGNATURE:
            paras += [blank, blank]
            flush()
            story.append(_Signature(*block.items, font=f["fangsong"]))
        elif kind == doc.PAGE_BREAK:
            flush()
            story.append(PageBreak())
        elif kind == doc.LABEL:
            paras.append(_Para([(block.text, f["heiti"])], first_indent=0, keep_with_next=True))
        elif kind == doc.TABLE:
            flush()
            story.append(_table(block.table, fonts))
        elif kind == doc.CHART:
            flush()
            story += [chart_drawing(block.chart, f["fangsong"]), Spacer(1, LEADING / 2)]
        else:
            raise ValueError(f"unknown block kind {kind}")
    flush()
    return story


def _page_number(canvas, template_doc) -> None:
    fonts = role_fonts()
    number = template_doc.page
    text = f"— {number} —"
    font = fonts.names["song"]
    y = BOTTOM - 7 * MM - PAGE_NO_SIZE * 0.8  # its top 7 mm under the text block
    canvas.saveState()
    canvas.setFont(font, PAGE_NO_SIZE)
    if number % 2:  # odd pages on the right, even on the left, one character in
        canvas.drawRightString(LEFT + WIDTH - PAGE_NO_SIZE, y, text)
    else:
        canvas.drawString(LEFT + PAGE_NO_SIZE, y, text)
    canvas.restoreState()


def write_pdf(blocks: list[doc.Block], path, *, author: str = "") -> Path:
    """The blocks as a 公文-style PDF at `path`, whole or not at all."""
    path = Path(path)
    fonts = role_fonts()
    title = next((b.text for b in blocks if b.kind == doc.TITLE), "工作总结")
    story = flowables(blocks, fonts)
    with atomic_path(path) as tmp:
        pdf = BaseDocTemplate(str(tmp), pagesize=PAGE, leftMargin=LEFT, rightMargin=PAGE[0] - LEFT - WIDTH,
                              topMargin=TOP, bottomMargin=BOTTOM, title=title, author=author,
                              creator="mzdesk 民政桌面", subject=title, initialFontName=fonts.names["fangsong"])
        frame = Frame(LEFT, BOTTOM, WIDTH, HEIGHT, leftPadding=0, rightPadding=0, topPadding=0,
                      bottomPadding=0, id="body")
        pdf.addPageTemplates([PageTemplate("gongwen", [frame], onPage=_page_number)])
        pdf.build(story)
    return path
