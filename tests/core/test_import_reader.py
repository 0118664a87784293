"""Reading messy spreadsheets (mzdesk.importing.reader) and normalising their cells (cells).

The files are written by tests/core/messy.py. Real .xls files (written with
xlwt) are read in test_import_xls.py; here a stand-in for calamine hands over
what calamine gives for an xls (ints for whole numbers).
"""
from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mzdesk import idcard
from mzdesk.importing import cells, reader
from mzdesk.importing.cells import CellError
from mzdesk.importing.reader import ReadError, read_table, sheet_names

from . import messy

KNOWN = messy.KNOWN_HEADERS
C = messy.COLUMN


def _check_against(table, expect: messy.MessyFile):
    """Every row of the table, normalised, is exactly the record the file was built from."""
    assert table.sheet == expect.sheet
    assert table.header_row == expect.header_row
    assert [h for h in table.headers] == ["序号", "村(社区)", "户主姓名", "公民身份号码", "保障人数",
                                         "金额(元)", "起始年月", "银行卡号", "备注"]
    assert [r.number for r in table.rows] == sorted(expect.rows)
    assert [(s.number, s.reason) for s in table.skipped] == expect.skipped
    for row in table.rows:
        rec = expect.rows[row.number]
        v = row.values
        assert cells.text(v[C["村(社区)"]]) == rec.village
        assert cells.name(v[C["户主姓名"]]) == rec.name
        if row.number in expect.id_as_number:
            with pytest.raises(CellError, match="身份证号被Excel存成了数字"):
                cells.id_number(v[C["身份证号码"]])
        elif row.number in expect.bad_check:
            with pytest.raises(CellError, match="校验位错误"):
                cells.id_number(v[C["身份证号码"]])
        else:
            assert cells.id_number(v[C["身份证号码"]]) == rec.id_number
        assert cells.integer(v[C["保障人数"]]) == rec.persons
        assert cells.money(v[C["金额(元)"]]) == rec.amount
        assert cells.month(v[C["开始月份"]]) == rec.month
        assert cells.bank_account(v[C["银行账号"]]) == rec.account
        assert cells.text(v[C["备注"]]) == rec.note


# ------------------------------------------------------------------ files

@pytest.mark.parametrize("builder,name,kwargs", [
    (messy.ledger_xlsx, "花名册.xlsx", {}),
    (messy.ledger_xlsx, "notes_first.xlsx", {"notes_first": True}),
    (messy.ledger_ods, "花名册.ods", {}),
    (messy.ledger_csv, "utf8.csv", {"encoding": "utf-8"}),
    (messy.ledger_csv, "bom.csv", {"encoding": "utf-8-sig"}),
    (messy.ledger_csv, "gbk.csv", {"encoding": "gbk"}),
    (messy.ledger_csv, "tabs.txt", {"encoding": "utf-16", "delimiter": "\t"}),
    (messy.ledger_csv, "semicolons.csv", {"encoding": "gbk", "delimiter": ";"}),
])
def test_messy_file_reads_back_exactly(tmp_path, builder, name, kwargs):
    expect = builder(tmp_path / name, messy.sample_records(11), id_as_number=(2, 9),
                     bad_check=(4,), **kwargs)
    assert expect.id_as_number and expect.bad_check
    _check_against(read_table(expect.path, known_headers=KNOWN), expect)


def test_gbk_csv_is_really_gbk_and_read_as_such(tmp_path):
    expect = messy.ledger_csv(tmp_path / "gbk.csv", encoding="gbk")
    data = expect.path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    table = read_table(expect.path, known_headers=KNOWN)
    assert table.rows[0].values[C["村(社区)"]] == "长丰村"


def test_sheets_listed_and_chosen(tmp_path):
    expect = messy.ledger_xlsx(tmp_path / "a.xlsx", notes_first=True)
    assert sheet_names(expect.path) == ["填表说明", "花名册", "汇总"]
    # None: the first sheet that has a header row; an explicit one is read as asked.
    assert read_table(expect.path, known_headers=KNOWN).sheet == "花名册"
    summary = read_table(expect.path, sheet="汇总", known_headers=KNOWN)
    assert summary.headers == ["村(社区)", "户数", "金额"] and len(summary.rows) == 2
    with pytest.raises(ReadError, match="没有名为“别的”的工作表"):
        read_table(expect.path, sheet="别的", known_headers=KNOWN)
    with pytest.raises(ReadError, match="工作表“填表说明”的前30行中没有找到表头"):
        read_table(expect.path, sheet="填表说明", known_headers=KNOWN)
    csv_file = messy.ledger_csv(tmp_path / "b.csv")
    assert sheet_names(csv_file.path) == ["b"]
    assert read_table(csv_file.path, sheet="b", known_headers=KNOWN).sheet == "b"


def test_hidden_sheet_is_looked_at_last(tmp_path):
    path = tmp_path / "h.xlsx"
    wb = openpyxl.Workbook()
    old = wb.active
    old.title = "旧数据"
    old.append(["姓名", "身份证号码"])
    old.append(["旧", "x"])
    old.sheet_state = "hidden"
    new = wb.create_sheet("今年")
    new.append(["姓名", "身份证号码"])
    new.append(["新", "y"])
    wb.save(path)
    assert sheet_names(path) == ["今年", "旧数据"]
    assert read_table(path, known_headers=KNOWN).rows[0].values == ("新", "y")


def test_no_header_and_unreadable_files(tmp_path):
    plain = messy.write_xlsx(tmp_path / "p.xlsx", {"表": [["随便写的"], [1, 2, 3]]})
    with pytest.raises(ReadError, match="没有找到表头（应有“序号”、“村\\(社区\\)”"):
        read_table(plain, known_headers=KNOWN)
    with pytest.raises(ReadError, match="找不到文件“missing.xlsx”"):
        read_table(tmp_path / "missing.xlsx", known_headers=KNOWN)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip" + bytes(range(256)))
    with pytest.raises(ReadError, match="文件已损坏"):
        read_table(broken, known_headers=KNOWN)
    html = tmp_path / "网上导出.xls"
    html.write_text("<html><table><tr><td>姓名</td></tr></table></html>", encoding="utf-8")
    with pytest.raises(ReadError, match="网页（HTML）格式"):
        read_table(html, known_headers=KNOWN)
    binary = tmp_path / "x.dat"
    binary.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(ReadError):
        read_table(binary, known_headers=KNOWN)


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_password_protected_workbook_is_named_as_such(tmp_path, suffix):
    ooxml = pytest.importorskip("msoffcrypto.format.ooxml")
    plain = messy.ledger_xlsx(tmp_path / "plain.xlsx").path
    locked = tmp_path / f"locked{suffix}"
    with plain.open("rb") as src, locked.open("wb") as out:
        ooxml.OOXMLFile(src).encrypt("密码123", out)
    with pytest.raises(ReadError, match="设有打开密码"):
        read_table(locked, known_headers=KNOWN)
    with pytest.raises(ReadError, match="设有打开密码"):
        sheet_names(locked)


def test_wrong_suffix_is_read_by_content(tmp_path):
    """Systems export xlsx named .xls, or text named .xls; WPS saves .et."""
    expect = messy.ledger_xlsx(tmp_path / "a.xlsx")
    renamed = tmp_path / "a.xls"
    shutil.copy(expect.path, renamed)
    expect.path = renamed
    _check_against(read_table(renamed, known_headers=KNOWN), expect)
    text = messy.ledger_csv(tmp_path / "t.csv", encoding="gbk", delimiter="\t")
    as_xls = tmp_path / "t.xls"
    shutil.copy(text.path, as_xls)
    text.sheet = "t"
    _check_against(read_table(as_xls, known_headers=KNOWN), text)


def test_village_filled_only_inside_its_merge_in_xlsx(tmp_path):
    """A blank village that is not part of a merge stays blank: nothing is guessed."""
    rows = [["村(社区)", "姓名", "金额"], ["长丰村", "甲", 1], [None, "乙", 2], [None, "丙", 3],
            ["新华社区", "丁", 4], ["同上", "戊", 5], [None, "己", 6]]
    grid = messy.Grid(rows, [(2, 1, 3, 1)], {}, None)
    path = messy.write_xlsx(tmp_path / "m.xlsx", {"表": grid})
    villages = [r.values[0] for r in read_table(path, known_headers=KNOWN).rows]
    assert villages == ["长丰村", "长丰村", None, "新华社区", "新华社区", None]
    # csv keeps no merges (Excel writes the value in the first row only): blanks are filled.
    csv_path = messy.write_csv(tmp_path / "m.csv", rows)
    villages = [r.values[0] for r in read_table(csv_path, known_headers=KNOWN).rows]
    assert villages == ["长丰村"] * 3 + ["新华社区"] * 3


def test_fill_down_columns_are_chosen_by_the_caller(tmp_path):
    rows = [["户主姓名", "姓名", "与户主关系"], ["张三", "张三", "本人"], [None, "李四", "配偶"]]
    path = messy.write_csv(tmp_path / "f.csv", rows)
    assert read_table(path, known_headers=KNOWN).rows[1].values == (None, "李四", "配偶")
    filled = read_table(path, known_headers=KNOWN, fill_down=["户主 姓名"])
    assert filled.rows[1].values == ("张三", "李四", "配偶")


def test_fill_does_not_cross_a_subtotal_in_csv(tmp_path):
    rows = [["村", "姓名"], ["长丰村", "甲"], ["小计", None], [None, "乙"]]
    table = read_table(messy.write_csv(tmp_path / "s.csv", rows), known_headers=KNOWN)
    assert [r.values for r in table.rows] == [("长丰村", "甲"), (None, "乙")]


def test_two_line_header_and_offset_columns(tmp_path):
    rows = [[None, None, "高龄津贴发放表"],
            [None, None, "序号", "姓名", "身份证号", "补贴金额", None, "备注"],
            [None, None, None, None, None, "月标准", "金额", None],
            [None, None, 1, "张三", "x", 50, 100, None]]
    grid = messy.Grid(rows, [(2, 3, 3, 3), (2, 6, 2, 7)], {}, None)
    path = messy.write_xlsx(tmp_path / "t.xlsx", {"表": grid})
    table = read_table(path, known_headers=KNOWN + ("月标准",))
    assert table.header_row == 2
    assert table.headers == ["序号", "姓名", "身份证号", "月标准", "金额", "备注"]
    assert table.columns == ["C", "D", "E", "F", "G", "H"]
    assert [r.number for r in table.rows] == [4]
    assert table.rows[0].values == (1.0, "张三", "x", 50.0, 100.0, None)


def test_a_data_row_is_not_taken_for_sub_headers(tmp_path):
    """In a csv every cell is text; a first row whose words happen to be header names is data."""
    idn = idcard.make("510112", dt.date(1950, 1, 1), 1)
    rows = [["姓名", "身份证号", "家庭住址"], ["张三", idn, "金额"], ["李四", idn, "x"]]
    table = read_table(messy.write_csv(tmp_path / "d.csv", rows), known_headers=KNOWN)
    assert table.header_row == 1 and [r.number for r in table.rows] == [2, 3]


def test_repeated_headers_totals_and_trailing_blanks(tmp_path):
    header = ["序号", "姓名", "金额", "备注"]
    rows = [header, [1, "甲", 1, "合计发放3个月"], ["本页小计", None, 1, None], header,
            [2, "乙", 2, None], ["小计（长丰村）", None, 2, None], ["总计：", None, 3, None],
            ["注：金额单位为元", None, None, None], [None] * 4, [None] * 4]
    path = messy.write_xlsx(tmp_path / "r.xlsx", {"表": rows})
    table = read_table(path, known_headers=KNOWN)
    assert [r.number for r in table.rows] == [2, 5]
    assert table.rows[0].values[3] == "合计发放3个月"   # a note mentioning 合计 is data
    assert [(s.number, s.reason) for s in table.skipped] == [
        (3, "小计行"), (4, "重复的表头行"), (6, "小计行"), (7, "合计行"), (8, "说明行")]


def test_header_guessed_without_known_names(tmp_path):
    rows = [["某某表"], ["单位：元", None, None], ["序号", "姓名", "金额"], [1, "甲", 3]]
    table = read_table(messy.write_csv(tmp_path / "g.csv", rows))
    assert table.header_row == 3 and table.headers == ["序号", "姓名", "金额"]


def test_many_rows(tmp_path):
    records = messy.sample_records(1500, villages=("长丰村", "新华社区", "光明村"))
    expect = messy.ledger_xlsx(tmp_path / "big.xlsx", records)
    _check_against(read_table(expect.path, known_headers=KNOWN), expect)


def test_xls_through_calamine_stand_in(tmp_path, monkeypatch):
    """What calamine hands over for an xls: ints for whole numbers, merges as ranges."""
    grid = messy.ledger_grid(messy.sample_records(6), id_as_number=(3,))

    def as_xls(v):
        if isinstance(v, float) and v.is_integer():
            return int(v)
        return "" if v is None else v

    class Sheet:
        merged_cell_ranges = [((r0 - 1, c0 - 1), (r1 - 1, c1 - 1)) for r0, c0, r1, c1 in grid.merges]

        def to_python(self, skip_empty_area=True, nrows=None):
            rows = [[as_xls(v) for v in row] for row in grid.rows]
            return rows[:nrows] if nrows else rows

    class Meta:
        name, typ, visible = "花名册", reader.SheetTypeEnum.WorkSheet, reader.SheetVisibleEnum.Visible

    class Book:
        sheet_names, sheets_metadata = ["花名册"], [Meta()]

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def get_sheet_by_name(self, name):
            assert name == "花名册"
            return Sheet()

    opened = []
    monkeypatch.setattr(reader.CalamineWorkbook, "from_path",
                        classmethod(lambda cls, p: opened.append(p) or Book()), raising=True)
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    grid.expect.path = path
    _check_against(read_table(path, known_headers=KNOWN), grid.expect)
    assert opened == [path]


# ------------------------------------------------------------------ cells

_FULL = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")

valid_ids = st.builds(
    idcard.make,
    st.integers(110000, 829999).map(str),
    st.dates(dt.date(1900, 1, 1), dt.date(2020, 12, 31)),
    st.integers(0, 999))


@given(valid_ids, st.data())
def test_any_valid_id_written_messily_comes_back_exact(id18, data):
    chars = [data.draw(st.sampled_from((c, c.translate(_FULL)))) for c in id18]
    chars = [c + data.draw(st.sampled_from(("", "", " ", "\u3000", "\t"))) for c in chars]
    lead = data.draw(st.sampled_from(("", " ", "'", "\u200b")))
    messy_text = lead + "".join(chars)
    if data.draw(st.booleans()):
        messy_text = messy_text.lower()
    assert cells.id_number(messy_text) == id18
    assert cells.id_number(id18) == id18


@given(st.integers(10**14, 10**19))
def test_any_number_of_15_digits_or_more_given_as_id_is_refused(n):
    for value in (n, float(n), Decimal(n), f"{float(n):.5E}", f"{float(n):.5e}".replace("e+", "E")):
        with pytest.raises(CellError) as exc:
            cells.id_number(value)
        assert str(exc.value) == cells.MSG_ID_AS_NUMBER
        with pytest.raises(CellError, match="银行账号被Excel存成了数字"):
            cells.bank_account(value)


def test_id_reasons():
    good = idcard.make("510112", dt.date(1970, 5, 17), 11)
    assert cells.id_number(good[:6] + good[8:17]) == good          # 15-digit legacy number
    cases = {None: "为空", "  ": "为空", True: "只能由数字", good[:17] + "Y": "只能由数字",
             good[:16]: "长度应为18位", 12345.0: "长度应为18位", 12.5: "只能由数字",
             good[:17] + ("0" if good[17] != "0" else "1"): "校验位错误",
             "510102199001011000.0": "被Excel存成了数字", "5.10102E+17": "被Excel存成了数字"}
    for value, reason in cases.items():
        with pytest.raises(CellError, match=reason) as exc:
            cells.id_number(value)
        assert good not in str(exc.value)


amounts = st.decimals(min_value=Decimal("-99999999.99"), max_value=Decimal("999999999.99"),
                      places=2, allow_nan=False, allow_infinity=False)


@given(amounts, st.data())
def test_any_amount_written_messily_comes_back_exact(d, data):
    body = data.draw(st.sampled_from((f"{d:,}", f"{d}", f"{d:,}".replace(",", "，"))))
    if data.draw(st.booleans()):
        body = body.translate(_FULL)
    text = data.draw(st.sampled_from(("{}", "{}元", " {} ", "￥{}", "¥{} 元", "{}元整", "人民币{}元")))
    assert cells.money(text.format(body)) == d


@given(st.decimals(min_value=Decimal("-9999999999.99"), max_value=Decimal("9999999999.99"),
                   places=2, allow_nan=False, allow_infinity=False))
def test_amount_typed_into_excel_as_a_number_comes_back_exact(d):
    assert cells.money(float(d)) == d


def test_money_rounding_and_refusals():
    assert cells.money(0.1 + 0.2) == Decimal("0.30")
    assert cells.money(100 / 3) == Decimal("33.33")           # a formula's result, as shown
    assert cells.money(2.675) == Decimal("2.68")               # the typed number, not 2.67499…
    assert cells.money(3) == Decimal("3.00") and cells.money("12.340") == Decimal("12.34")
    for value, reason in {"12.345": "两位小数", Decimal("1.005"): "两位小数", "12,34": "格式不正确",
                          "abc": "格式不正确", "": "为空", None: "为空", True: "格式不正确",
                          float("nan"): "格式不正确", "—": "格式不正确"}.items():
        with pytest.raises(CellError, match=reason):
            cells.money(value)


_DAY0 = dt.date(1899, 12, 30)


@given(st.integers(1900, 2100), st.integers(1, 12), st.data())
def test_any_month_in_any_usual_form(y, m, data):
    forms = [f"{y}-{m:02d}", f"{y}-{m}", f"{y}年{m}月", f"{y} 年 {m} 月份", f"{y}.{m}",
             f"{y}/{m}", f"{y}{m:02d}", f"{y}{m:02d}".translate(_FULL), y * 100 + m,
             float(y * 100 + m), dt.date(y, m, data.draw(st.integers(1, 28))),
             dt.datetime(y, m, 1, 8, 30), f"{y}-{m:02d}-01", f"{y}年{m}月3日"]
    if m not in (1, 10):   # 2022.1 and 2022.10 are the same number: refused below
        forms.append(float(f"{y}.{m}"))
    # Serials 1900..2100 (dates in 1905) are read as years: 2022 is not July 1905.
    if dt.date(1906, 1, 1) <= dt.date(y, m, 1) <= dt.date(2099, 12, 1):
        forms.append((dt.date(y, m, 1) - _DAY0).days)              # an Excel serial
        forms.append((dt.date(y, m, 1) - _DAY0).days + 0.75)       # … with a time of day
    for form in forms:
        assert cells.month(form) == f"{y:04d}-{m:02d}", form


def test_month_refusals():
    for value, reason in {2022.1: "分不清是1月还是10月", 2022: "应包含年和月", "2022-13": "1到12",
                          "13/2022": "格式不正确", "": "为空", "1800-01": "年份不正确",
                          5: "格式不正确"}.items():
        with pytest.raises(CellError, match=reason):
            cells.month(value)


@given(st.dates(dt.date(1901, 1, 1), dt.date(2099, 12, 31)), st.data())
def test_any_date_in_any_usual_form(d, data):
    y, m, day = d.year, d.month, d.day
    serial = (d - _DAY0).days
    forms = [d, dt.datetime(y, m, day, 23, 59), d.isoformat(), f"{y}-{m}-{day}",
             f"{y}/{m}/{day}", f"{y}年{m}月{day}日", f"{y}.{m}.{day}", f"{y}{m:02d}{day:02d}",
             f"{y}{m:02d}{day:02d}".translate(_FULL), f"{d.isoformat()} 00:00:00",
             f"{d.isoformat()}T08:15", f"{y}/{m}/{day} 8:15", y * 10000 + m * 100 + day]
    if not 1900 <= serial <= 2100:   # those are read as years (and refused as dates)
        forms += [serial, float(serial), serial + 0.5]
    for form in forms:
        assert cells.date(form) == d, form


def test_date_refusals():
    for value, reason in {"2022-02-30": "日期不存在", "2022-01": "应包含年、月、日", "1/5/2022": "格式",
                          2022: "应包含年、月、日", 2022.5: "应包含年、月、日",
                          12: "格式", "": "为空", None: "为空", "1850-01-01": "年份"}.items():
        with pytest.raises(CellError, match=reason):
            cells.date(value)


def test_text_name_integer_account_choice_yes_no_header_key():
    assert cells.text("  ａｂ\u3000 c\n d ") == "ab c d"
    assert cells.text(None) == "" and cells.text(3.0) == "3" and cells.text(2.5) == "2.5"
    assert cells.text(dt.date(2022, 1, 5)) == "2022-01-05"
    assert cells.name(" 王  强 ") == "王强" and cells.name("Ａlice  Li") == "Alice Li"
    assert [cells.integer(v) for v in (3, 3.0, "３", " 3 人", "4户", "5.0", Decimal(2))] == [3, 3, 3, 3, 4, 5, 2]
    for bad in (2.5, "三", "", True, "3.5"):
        with pytest.raises(CellError):
            cells.integer(bad)
    assert cells.bank_account(" 6217-0000 1234 5678 901 ") == "62170000123456789 01".replace(" ", "")
    assert cells.bank_account(123456789012.0) == "123456789012"
    for bad, reason in {"6217abc": "只能由数字", "12345": "长度", "'6.217E+18": "存成了数字",
                        None: "为空"}.items():
        with pytest.raises(CellError, match=reason):
            cells.bank_account(bad)
    options = ("散居", "集中")
    assert cells.choice(" 集 中 ", options) == "集中"
    assert cells.choice("分散供养", options, {"分散供养": "散居"}) == "散居"
    with pytest.raises(CellError, match="可选：散居、集中"):
        cells.choice("别的", options)
    assert [cells.yes_no(v) for v in ("是", "否", "√", "×", "Y", "n", 1, 0.0, True, "有", "无")] == \
        [True, False, True, False, True, False, True, False, True, True, False]
    with pytest.raises(CellError):
        cells.yes_no("也许")
    assert cells.header_key(" 身份证\n号码 ") == "身份证号码"
    assert cells.header_key("金额（元）") == cells.header_key("金额(元)") == "金额(元)"
    assert cells.header_key("＊姓名：") == "姓名" and cells.header_key("ID") == "id"
    assert cells.is_blank(" \u3000") and cells.is_blank(None) and not cells.is_blank(0)


@settings(max_examples=200)
@given(st.text(max_size=30))
def test_normalisers_only_ever_raise_cell_error(s):
    for fn in (cells.id_number, cells.money, cells.month, cells.date, cells.integer,
               cells.bank_account, cells.yes_no):
        try:
            fn(s)
        except CellError:
            pass
    assert cells.text(s) == cells.text(cells.text(s))


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_float_cells_only_ever_raise_cell_error(x):
    for fn in (cells.id_number, cells.money, cells.month, cells.date, cells.integer,
               cells.bank_account, cells.yes_no):
        try:
            fn(x)
        except CellError:
            pass


# The fast paths must say exactly what the slow ones say.

def _slow_text(s: str) -> str:
    return " ".join(s.translate(cells._HALF).split())


@settings(max_examples=500)
@given(st.text(alphabet=st.sampled_from("ab 张\u3000\t\n\xa0\u200bＡ１（）\u2028\x1f\x85"), max_size=12)
       | st.text(max_size=20))
def test_text_fast_path_agrees_with_the_plain_rule(s):
    assert cells.text(s) == _slow_text(s)


@settings(max_examples=500)
@given(st.text(alphabet="0123456789X", min_size=18, max_size=18) | valid_ids)
def test_id_fast_check_agrees_with_idcard(s):
    try:
        expected = idcard.normalize(s)
    except idcard.IdNumberError:
        expected = None
    assert cells._valid_id18(s) == (expected == s)


@given(st.one_of(st.floats(-1e16, 1e16), st.integers(-10**16, 10**16),
                 st.from_regex(r"-?[0-9]{1,16}(\.[0-9]{0,3})?", fullmatch=True)))
def test_money_fast_path_agrees_with_mzdesk_money(v):
    from mzdesk.money import MoneyError, to_money
    try:
        expected = to_money(Decimal(repr(v)) if isinstance(v, float) else v)
    except MoneyError:
        expected = None
    if isinstance(v, str) and "." in v and len(v.split(".")[1]) > 2 and v.split(".")[1][2:].strip("0"):
        expected = None   # text with more than two places is refused, not rounded
    try:
        got = cells.money(v)
    except CellError:
        got = None
    assert got == expected and (got is None or str(got) == str(expected))


def test_dates_of_a_workbook_counting_from_1904_are_read_as_written(tmp_path):
    """Excel for Mac could save a workbook counting days from 1904: the same serial
    number is then a date four years later. The reader gives the dates as written."""
    from openpyxl.utils.datetime import CALENDAR_MAC_1904
    wb = openpyxl.Workbook()
    wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.append(["姓名", "身份证号", "开始月份", "死亡日期"])
    ws.append(["张三", "510112194001011234", dt.date(2024, 1, 1), dt.datetime(2025, 3, 15)])
    ws["C2"].number_format, ws["D2"].number_format = "yyyy-mm", "yyyy-mm-dd"
    wb.save(tmp_path / "mac.xlsx")
    table = read_table(tmp_path / "mac.xlsx", known_headers=["姓名", "身份证号", "开始月份", "死亡日期"])
    assert table.rows[0].values[2:] == (dt.date(2024, 1, 1), dt.date(2025, 3, 15))


def test_an_opened_table_gives_its_rows_one_by_one_as_read_table_gives_them_all(tmp_path):
    path = tmp_path / "r.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["茶店镇花名册"])
    ws.append(["姓名", "身份证号", "村(社区)"])
    ws.append(["张三", "A1", "长丰村"])
    ws.append([None, None, None])
    ws.append(["李四", "A2", None])
    ws.append(["合计", None, None])
    ws.append(["王五", "A3", "新华社区"])
    wb.save(path)
    known = ["姓名", "身份证号", "村(社区)"]
    table, rows = reader.open_table(path, known_headers=known)
    # the sheet's cells under the header, before any row is made (blank and total rows too)
    assert list(table.column_values(1)) == ["A1", "", "A2", "", "A3"] and table.expected_rows == 5
    first = next(rows)
    assert first.values == ("张三", "A1", "长丰村") and table.rows == [first]
    rest = list(rows)
    whole = read_table(path, known_headers=known)
    assert table.rows == [first, *rest] == whole.rows and table.skipped == whole.skipped
    assert [s.reason for s in table.skipped] == [reader.SKIP_BLANK, reader.SKIP_TOTAL]
    assert list(table.column_values(1)) == ["A1", "A2", "A3"]   # once made: the rows themselves
