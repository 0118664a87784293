"""Printed documents: the signature roster and the public notice, read back from the PDF.

The PDFs are checked through their own text (`pdftotext -layout`, poppler)
and fonts (`pdffonts`), as a reader of the file would see them.
"""
from __future__ import annotations

import collections
import datetime as dt
import re
import subprocess
import zlib
from decimal import Decimal

import pytest

from mzdesk.documents import fonts, layout, notice, roster
from mzdesk.documents.notice import batch_notice, public_notice
from mzdesk.documents.page import Document, Page
from mzdesk.documents.pdf import pdf_bytes, write_pdf
from mzdesk.errors import ValidationError
from mzdesk.idcard import mask
from mzdesk.money import to_capitals
from mzdesk.payments import batches
from mzdesk.services import persons
from mzdesk.services.settings import get_setting

TODAY = dt.date(2026, 6, 10)
FULL_ID = re.compile(r"\d{17}[\dX]")
PAGE_ROW = re.compile(r"本页小计：(\d+)户\s+(\d+)\s+(\d+\.\d\d)")
TOTAL_ROW = re.compile(r"(?<![本小])合计：(\d+)户\s+(\d+)\s+(\d+\.\d\d)")


@pytest.fixture
def demo(june):
    return june


@pytest.fixture
def approved(demo):
    """June's rural 低保 batch, made and approved as the clerk would."""
    batch = batches.create_regular("dibao_rural", "2026-06")
    batches.approve(batch.id)
    return batch.id


@pytest.fixture(autouse=True)
def _fresh_font_choice():
    fonts.pdf_font.cache_clear()
    yield
    fonts.pdf_font.cache_clear()


def pdftext(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def pdf_pages(path) -> list[str]:
    pages = pdftext(path).split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def pdffonts(path) -> list[list[str]]:
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


def tokens(text: str) -> collections.Counter:
    return collections.Counter(text.split())


def compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


# --- the signature roster -------------------------------------------------------------

def _check_roster(path, batch_id, n_pages):
    lines = batches.lines(batch_id)
    pages = pdf_pages(path)
    assert len(pages) == n_pages
    text = "\f".join(pages)

    # Every recipient once: names can repeat across people, so compare counts.
    expected = collections.Counter(line.name for line in lines)
    found = tokens(text)
    for name, count in expected.items():
        assert found[name] == count, name
    for line in lines:
        assert found[line.id_number] == 1  # internal roster: the full ID, once per line

    # 本页小计 on every page; they add up to the 合计, which is the batch's total.
    subtotals = []
    for number, page in enumerate(pages, start=1):
        rows = PAGE_ROW.findall(page)
        assert len(rows) == 1, f"page {number}"
        subtotals.append(rows[0])
        assert "身份证号码" in page and "领取人签字" in page  # header repeated
        assert re.search(rf"第\s*{number}\s*页\s*共\s*{n_pages}\s*页", page)
    totals = TOTAL_ROW.findall(text)
    assert len(totals) == 1 and TOTAL_ROW.search(pages[-1])
    count, persons_total, amount = totals[0]
    assert sum(int(c) for c, _, _ in subtotals) == int(count) == len(lines)
    assert sum(int(p) for _, p, _ in subtotals) == int(persons_total) == sum(
        line.covered_persons for line in lines)
    total = sum((Decimal(a) for _, _, a in subtotals), Decimal("0.00"))
    assert total == Decimal(amount) == sum((line.amount for line in lines), Decimal("0.00"))

    # The capitals are the figure's.
    capitals = re.search(r"人民币(\S+)", pages[-1]).group(1)
    assert capitals == to_capitals(total)
    return pages


def test_roster_of_an_approved_batch(approved, tmp_path):
    info = batches.info(approved)
    document = roster.signature_roster(approved)
    path = write_pdf(document, tmp_path / "roster.pdf")
    pages = _check_roster(path, approved, len(document.pages))

    title = "茶店镇2026年6月农村低保金发放花名册"
    assert info.name == "2026年6月农村低保金"
    assert all(title in page for page in pages)
    assert re.search(r"第\s*1\s*页\s*共\s*\d+\s*页", pages[0])
    assert "户主姓名" in pages[0]
    assert f"批次编号：{approved}" in pages[0] and "已审核" in pages[0]
    assert "草稿" not in "".join(pages)
    # A page break before each village: one village per page, closed by its 村小计.
    villages = collections.Counter(line.village for line in batches.lines(approved))
    for village, count in villages.items():
        rows = re.findall(rf"{village}小计：(\d+)户", "".join(pages))
        assert rows == [str(count)]
    for page in pages:
        assert len({v for v in villages if f"{v}小计" in page}) <= 1
    # Signatories from the settings, and no bank account anywhere.
    last = pages[-1]
    for key, label in (("preparer", "制表人"), ("reviewer", "审核人"), ("head", "负责人")):
        assert f"{label}：{get_setting(key)}" in compact(last)
    assert "日期" in last
    for line in batches.lines(approved):
        assert line.bank_account not in "".join(pages)


def test_roster_pagination_over_many_pages(approved, tmp_path, monkeypatch):
    """Villages longer than a page, and a last page too full for the 合计."""
    monkeypatch.setattr(roster, "ROWS_PER_PAGE", 5)
    monkeypatch.setattr(roster, "TOTAL_ROOM", 2)
    document = roster.signature_roster(approved)
    path = write_pdf(document, tmp_path / "roster.pdf")
    assert len(document.pages) > len({line.village for line in batches.lines(approved)})
    pages = _check_roster(path, approved, len(document.pages))
    assert "合计" not in pages[0]


def test_draft_roster_says_so_on_every_page(demo, tmp_path):
    batch = batches.create_regular("dibao_rural", "2026-06")
    path = write_pdf(roster.signature_roster(batch.id), tmp_path / "draft.pdf")
    pages = pdf_pages(path)
    assert all("草稿（未审核）" in page for page in pages)


def test_failed_line_prints_bank_return(approved, tmp_path):
    first = batches.lines(approved)[0]
    batches.mark_exported(approved)
    batches.mark_failed(approved, {first.id: "账户已销户"})
    path = write_pdf(roster.signature_roster(approved), tmp_path / "roster.pdf")
    text = pdftext(path)
    row = next(line for line in text.splitlines() if first.id_number in line)
    assert "银行退回：账户已销户" in row
    # Printed lines are summed, the failed one included.
    assert Decimal(TOTAL_ROW.search(text).group(3)) == sum(
        (line.amount for line in batches.lines(approved)), Decimal("0.00"))
    # The 补发 of the failed line prints as what it is.
    supplement = batches.supplement_failed(approved)
    text = pdftext(write_pdf(roster.signature_roster(supplement.id), tmp_path / "s.pdf"))
    assert "茶店镇2026年6月农村低保金补发花名册" in text and first.id_number in text


def test_person_programme_roster_and_long_names(demo, tmp_path):
    batch = batches.create_regular("gaoling", "2026-06")
    first = batches.lines(batch.id)[0]
    long_name = "阿卜杜热合曼·买买提依明·艾合买提江"
    persons.update_person(first.person_id, name=long_name)
    document = roster.signature_roster(batch.id)
    text = pdftext(write_pdf(document, tmp_path / "gaoling.pdf"))
    assert "姓名" in text and "户主姓名" not in text
    assert "本页小计：" in text
    # Too long for one line at a readable size: two lines, smaller, nothing cut or overflowing.
    page = document.pages[0]
    at = next(i for i, op in enumerate(page.ops) if getattr(op, "text", "") == first.id_number)
    name_ops = [op for op in page.ops[at - 3:at] if getattr(op, "text", "")[:1] in long_name]
    assert "".join(op.text for op in name_ops) == long_name and len(name_ops) == 2
    room = roster._columns("姓名")[2].width - 2 * layout.CELL_PAD
    for op in name_ops:
        assert 6 <= op.size < roster.CELL_SIZE
        assert fonts.text_width(op.text, op.size) <= room
    assert name_ops[0].y < name_ops[1].y < name_ops[0].y + roster.ROW_H


# --- the public notice ----------------------------------------------------------------

def test_public_notice_never_shows_ids_or_accounts(approved, tmp_path):
    lines = batches.lines(approved)
    document = public_notice("dibao_rural", "2026-06", today=TODAY)
    path = write_pdf(document, tmp_path / "notice.pdf")
    pages = pdf_pages(path)
    text = "\f".join(pages)
    assert not FULL_ID.search(text)
    assert not re.search(r"\d{12,}", text)  # no bank account, not even part of an ID
    for line in lines:
        assert line.bank_account not in text

    assert "茶店镇农村低保保障对象公示名单" in text
    assert "户主姓名" in text and "月保障金(元)" in text and "身份证号" not in text
    found = tokens(text)
    for name, count in collections.Counter(line.name for line in lines).items():
        assert found[name] == count, name
    # One village per notice; their totals add up to the batch (same roll, same month).
    villages = {line.village for line in lines}
    assert len(pages) >= len(villages)
    totals = [Decimal(a) for a in re.findall(r"合计：\d+户\s+\d+\s+(\d+\.\d\d)", text)]
    assert len(totals) == len(villages)
    assert sum(totals) == batches.info(approved).total
    for page in pages:
        assert len([v for v in villages if f"村(社区)：{v}" in page]) == 1
    closing = compact(text)
    assert "公示期7天" in closing and "2026年6月10日至2026年6月16日" in closing
    assert "如有异议，请向茶店镇民政办反映" in closing


def test_public_notice_with_masked_ids(approved, tmp_path):
    lines = batches.lines(approved)
    path = write_pdf(public_notice("dibao_rural", "2026-06", show_ids=True, today=TODAY),
                     tmp_path / "notice.pdf")
    text = pdftext(path)
    assert not FULL_ID.search(text)
    for line in lines:
        masked = mask(line.id_number)
        assert re.fullmatch(r"\d{4}\*{10}\d{3}[\dX]", masked)
        assert masked in text


def test_batch_notice_and_person_programme(approved, tmp_path):
    text = pdftext(write_pdf(batch_notice(approved, today=TODAY), tmp_path / "batch.pdf"))
    totals = [Decimal(a) for a in re.findall(r"合计：\d+户\s+\d+\s+(\d+\.\d\d)", text)]
    assert sum(totals) == batches.info(approved).total
    text = pdftext(write_pdf(public_notice("gaoling", "2026-06", today=TODAY), tmp_path / "g.pdf"))
    assert "茶店镇高龄津贴保障对象公示名单" in text and "户主姓名" not in text
    assert not FULL_ID.search(text)


def test_notice_long_village_keeps_room_for_the_closing(approved, tmp_path, monkeypatch):
    monkeypatch.setattr(notice, "ROWS_PER_PAGE", 4)
    monkeypatch.setattr(notice, "CLOSING_ROOM", 2)
    document = public_notice("dibao_rural", "2026-06", today=TODAY)
    pages = pdf_pages(write_pdf(document, tmp_path / "notice.pdf"))
    villages = {line.village for line in batches.lines(approved)}
    assert len(pages) > len(villages)
    # Each village's last page, and only it, closes with the paragraph and the total.
    closing_pages = [p for p in pages if "公示期7天" in compact(p)]
    assert len(closing_pages) == len(villages)
    assert all("合计：" in p for p in closing_pages)
    assert re.search(r"第\s*1\s*页\s*共\s*\d+\s*页", pages[0])


def test_notice_of_an_empty_month_is_refused(demo):
    with pytest.raises(ValidationError, match="没有保障对象"):
        public_notice("dibao_rural", "2019-01", today=TODAY)


# --- fonts and writing ----------------------------------------------------------------

def test_cjk_font_is_embedded(approved, tmp_path):
    choice = fonts.pdf_font()
    assert choice.embedded and choice.path
    path = write_pdf(roster.signature_roster(approved), tmp_path / "roster.pdf")
    rows = pdffonts(path)
    assert rows
    # name type… encoding emb sub uni object ID: emb is the fifth column from the end.
    assert all(row[-5] == "yes" for row in rows), rows


def test_fallback_to_builtin_font_still_writes_a_pdf(approved, tmp_path, monkeypatch):
    monkeypatch.setattr(fonts, "candidates", lambda: iter(()))
    choice = fonts.pdf_font()
    assert choice == fonts.FontChoice("STSong-Light", None, False)
    path = write_pdf(roster.signature_roster(approved), tmp_path / "fallback.pdf")
    assert path.read_bytes().startswith(b"%PDF")
    assert any("STSong-Light" in row[0] for row in pdffonts(path))


def test_font_override_and_refused_candidates(tmp_path, monkeypatch):
    bogus = tmp_path / "not-a-font.ttf"
    bogus.write_bytes(b"nothing here")
    monkeypatch.setenv(fonts.ENV_FONT, str(bogus))
    assert next(fonts.candidates()) == bogus
    choice = fonts.pdf_font()  # the broken override is skipped, the search goes on
    assert choice.path != str(bogus)
    real = choice.path
    if real:
        fonts.pdf_font.cache_clear()
        monkeypatch.setenv(fonts.ENV_FONT, real)
        assert fonts.pdf_font().path == real


class Cancelled(Exception):
    """What a progress dialog's callback raises when the clerk presses 取消."""


def test_cancelled_write_leaves_no_file(approved, tmp_path):
    document = roster.signature_roster(approved)
    assert len(document.pages) > 1
    seen = []

    def progress(done, total, label):
        seen.append((done, total))
        if done == 2:
            raise Cancelled

    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(Cancelled):
        write_pdf(document, folder / "roster.pdf", progress)
    assert seen == [(1, len(document.pages)), (2, len(document.pages))]
    assert list(folder.iterdir()) == []  # neither the PDF nor its temporary file


def test_pdf_bytes_and_metadata(approved):
    document = roster.signature_roster(approved)
    data = pdf_bytes(document)
    assert data.startswith(b"%PDF") and b"/Author" in data


def test_fit_text_shrinks_then_cuts():
    assert fonts.fit_text("张三", 100, 10) == ("张三", 10)
    text, size = fonts.fit_text("张三丰张三丰张三丰", 60, 10)
    assert text == "张三丰张三丰张三丰" and size < 10
    assert fonts.text_width(text, size) <= 60
    text, size = fonts.fit_text("很" * 60, 40, 10, min_size=6)
    assert size == 6 and text.endswith("…") and fonts.text_width(text, size) <= 40


def test_paginate_keeps_room_on_the_last_page():
    assert layout.paginate([], 5) == [[]]
    assert layout.paginate(list(range(12)), 5) == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11]]
    assert layout.paginate(list(range(9)), 5, 3) == [[0, 1, 2, 3, 4], [5, 6], [7, 8]]
    assert layout.paginate(list(range(8)), 5, 3) == [[0, 1, 2, 3, 4], [5, 6, 7]]


def test_wrap_text_keeps_punctuation_off_a_line_start():
    lines = layout.wrap_text("公示期间如有异议，请向民政办反映。" * 3, 100, 12)
    assert all(fonts.text_width(line, 12) <= 100 for line in lines)
    assert not any(line[0] in "，。" for line in lines)
    assert "".join(lines) == "公示期间如有异议，请向民政办反映。" * 3


def test_unknown_op_is_refused(tmp_path):
    page = Page(100, 100)
    page.ops.append(object())
    with pytest.raises(TypeError):
        pdf_bytes(Document("x", [page]))


def test_a_real_bold_face_is_used_when_found(approved, tmp_path, monkeypatch):
    """On Windows 黑体 is the bold face beside 宋体: bold text then uses that font, not a stroke."""
    regular = fonts.pdf_font()
    both = fonts.FontChoice(regular.name, regular.path, True, regular.name, regular.path)
    with monkeypatch.context() as patch:
        patch.setattr("mzdesk.documents.pdf.pdf_font", lambda: both)
        data = pdf_bytes(roster.signature_roster(approved))
    path = tmp_path / "bold.pdf"
    path.write_bytes(data)
    assert "本页小计" in pdftext(path)
    assert "2 Tr" not in page_streams(data)  # no outline-stroked bold
    assert "2 Tr" in page_streams(pdf_bytes(roster.signature_roster(approved)))  # one face: stroked


def page_streams(data: bytes) -> str:
    """The PDF's content streams, decompressed."""
    out = []
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        try:
            out.append(zlib.decompress(match.group(1)).decode("latin-1"))
        except zlib.error:
            pass
    return "\n".join(out)
