"""区局汇总（载入乡镇报送包）, driven as a district clerk would.

Two demo townships (茶店镇 seed 5, 白鹤镇 seed 6) pay June 2026 and write
their packages onto one "USB stick" (白鹤镇's encrypted), once for the module,
each in its own township database.  Every test then works in a FRESH district
database (`db`) on its own copy of the stick; the folder and save dialogs are
answered by monkeypatching QFileDialog.
"""
from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QLineEdit

from mzdesk import db as dbmod
from mzdesk.district import export_package, package_name
from mzdesk.district.figures_sheet import figures
from mzdesk.district.models import DistrictFigure, DistrictPackage
from mzdesk.payments import batches
from mzdesk.services import settings
from ui.dialogs.district_intake import DistrictIntakeDialog, package_folders
from ui.main_window import MainWindow

from ..conftest import JUNE
from .conftest import save_screenshot

MONTH = "2026-06"
PASSWORD = "quxian2026"
CHADIAN, BAIHE = package_name("茶店镇", MONTH), package_name("白鹤镇", MONTH)
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def _township(root: Path, demo_file: Path, name: str, password: str | None) -> list:
    """June paid in a copy of the demo as township `name`; its package written to root/usb."""
    db_file = root / f"{name}.sqlite3"
    shutil.copyfile(demo_file, db_file)
    dbmod.open_database(db_file)
    try:
        settings.set_setting("township", name)
        for programme in batches.monthly_programmes():
            batches.approve(batches.create_regular(programme.code, MONTH).id)
        (root / "usb").mkdir(exist_ok=True)
        export_package(root / "usb", month=MONTH, password=password)
        return figures(MONTH)
    finally:
        dbmod.close_database()


@pytest.fixture(scope="module")
def towns(tmp_path_factory, demo_files):
    """{township: its own 民政月报 rows}, and the stick holding both packages."""
    root = tmp_path_factory.mktemp("district_gui")
    own = {"茶店镇": _township(root, demo_files(**JUNE), "茶店镇", None),
           "白鹤镇": _township(root, demo_files(**dict(JUNE, seed=6)), "白鹤镇", PASSWORD)}
    (root / "usb" / "照片").mkdir()  # other things on the stick are not packages
    (root / "usb" / "说明.txt").write_text("区局", "utf-8")
    return own, root / "usb"


class Stick:
    """A private copy of the stick; 载入报送包… picks `chosen` (the stick's root unless changed)."""

    def __init__(self, path: Path):
        self.path = self.chosen = path

    def choose(self, folder: Path) -> None:
        self.chosen = folder


@pytest.fixture
def usb(towns, tmp_path, monkeypatch) -> Stick:
    stick = Stick(tmp_path / "usb")
    shutil.copytree(towns[1], stick.path)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *args, **kwargs: str(stick.chosen)))
    return stick


def _dialog(qtbot) -> DistrictIntakeDialog:
    dialog = DistrictIntakeDialog(None)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _load(qtbot, dialog: DistrictIntakeDialog, password: str = "") -> None:
    dialog.password_edit.clear()
    if password:
        qtbot.keyClicks(dialog.password_edit, password)
    qtbot.mouseClick(dialog.load_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=30_000)


def _figures(dialog: DistrictIntakeDialog) -> list[tuple[str, ...]]:
    model = dialog.figures_model
    return [tuple(model.text(r, c) for c in range(model.columnCount())) for r in range(model.rowCount())]


def _townships(dialog: DistrictIntakeDialog) -> list[tuple[str, str]]:
    model = dialog.packages_model
    return [(model.data(model.index(r, 0)), model.data(model.index(r, 6))) for r in range(model.rowCount())]


def _money(total) -> str:
    return f"{total:,.2f}"


def test_two_townships_from_the_stick_are_listed_and_added_up(qtbot, towns, db, usb, messages,
                                                             monkeypatch):
    own, _ = towns
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    file_menu = window.file_menu.actions()
    assert window.district_intake_action in file_menu
    assert file_menu.index(window.district_intake_action) == file_menu.index(window.district_action) + 1
    assert window.district_intake_action.text().startswith("区局汇总（载入报送包）")
    opened = []

    def run(dialog):
        opened.append(dialog)
        qtbot.addWidget(dialog)
        dialog.show()
        assert dialog.windowTitle() == "区局汇总（载入乡镇报送包）"
        assert dialog.months() == [] and not dialog.export_button.isEnabled()  # a fresh district
        assert dialog.password_edit.echoMode() == QLineEdit.EchoMode.Password
        _load(qtbot, dialog, PASSWORD)
        save_screenshot(dialog, "district_intake")
        return dialog.result()

    monkeypatch.setattr(DistrictIntakeDialog, "exec", run)
    window.district_intake_action.trigger()
    dialog = opened[0]

    assert [(r.name, r.ok) for r in dialog.results] == [(BAIHE, True), (CHADIAN, True)]
    assert not dialog.error.isVisible()
    outcome = dialog.outcome_label.text()
    assert "2 个已载入" in outcome and "已载入白鹤镇2026年6月的报送包" in outcome \
        and "已载入茶店镇2026年6月的报送包" in outcome
    assert dialog.months() == [MONTH] and dialog.month_combo.currentText() == "2026年6月"
    assert _townships(dialog) == [("白鹤镇", "是"), ("茶店镇", "否")]
    assert dialog.export_button.isEnabled()

    rows = _figures(dialog)
    a, b = ({f.code: f for f in own[t]} for t in ("茶店镇", "白鹤镇"))
    assert [r[:2] for r in rows if r[0] == "茶店镇"] == [("茶店镇", f.name) for f in own["茶店镇"]]
    totals = {r[1]: r for r in rows if r[0] == "合计"}
    for code, f in a.items():
        g = b[code]
        assert totals[f.name][2:6] == (str(f.households + g.households), str(f.persons + g.persons),
                                       _money(f.amount_month + g.amount_month),
                                       _money(f.amount_year + g.amount_year))
    # the 合计 row equals the sum of the townships' rows shown above it
    for name, total in totals.items():
        if name == "全部项目":
            continue
        shown = [r for r in rows if r[0] != "合计" and r[1] == name]
        assert len(shown) == 2
        assert Decimal(total[4].replace(",", "")) == sum(Decimal(r[4].replace(",", "")) for r in shown)
        assert int(total[2]) == sum(int(r[2]) for r in shown)
    grand = totals["全部项目"]
    assert grand[2:4] == ("", "") and grand[6:] == ("", "")  # blanks, not 0
    assert grand[4] == _money(sum((f.amount_month for t in own.values() for f in t), Decimal(0)))
    for row, shown in zip(dialog.figures_model.rows, rows):  # unreported changes stay blank
        assert shown[6:] == tuple("" if v is None else str(v) for v in (row.added, row.removed))
    assert any(r.added is None and r.code != "total" for r in dialog.figures_model.rows)
    model = dialog.figures_model
    assert model.data(model.index(0, 4), Qt.ItemDataRole.TextAlignmentRole) == RIGHT
    assert model.data(model.index(0, 1), Qt.ItemDataRole.TextAlignmentRole) is None
    assert DistrictPackage.select().count() == 2
    dialog.figures_view.scrollToBottom()  # the 合计 rows, in bold
    save_screenshot(dialog, "district_intake_totals")


def test_a_tampered_package_is_refused_by_name_and_not_listed(qtbot, db, usb, messages):
    target = usb.path / CHADIAN / "高龄津贴花名册.xlsx"
    data = bytearray(target.read_bytes())
    data[-30] ^= 0x01
    target.write_bytes(bytes(data))
    dialog = _dialog(qtbot)
    _load(qtbot, dialog, PASSWORD)
    assert [(r.name, r.ok) for r in dialog.results] == [(BAIHE, True), (CHADIAN, False)]
    error = dialog.error.text()
    assert dialog.error.isVisible() and CHADIAN in error and "校验失败" in error \
        and "高龄津贴花名册.xlsx" in error
    assert "1 个未载入" in dialog.outcome_label.text()
    save_screenshot(dialog, "district_intake_refused")
    assert _townships(dialog) == [("白鹤镇", "是")]
    assert {r[0] for r in _figures(dialog)} == {"白鹤镇", "合计"}
    assert [p.township for p in DistrictPackage.select()] == ["白鹤镇"]
    assert DistrictFigure.select().join(DistrictPackage).where(
        DistrictPackage.township == "茶店镇").count() == 0


def test_a_wrong_or_missing_password_is_refused(qtbot, db, usb, messages):
    usb.choose(usb.path / BAIHE)  # the package folder itself
    dialog = _dialog(qtbot)
    _load(qtbot, dialog, "wrong-pass")
    assert [(r.name, r.ok) for r in dialog.results] == [(BAIHE, False)]
    assert BAIHE in dialog.error.text() and "密码错误" in dialog.error.text()
    assert dialog.months() == [] and _townships(dialog) == [] and not dialog.export_button.isEnabled()
    _load(qtbot, dialog)
    assert "已加密，请输入密码" in dialog.error.text()
    assert DistrictPackage.select().count() == 0
    _load(qtbot, dialog, PASSWORD)
    assert not dialog.error.isVisible() and _townships(dialog) == [("白鹤镇", "是")]


def test_a_package_loaded_again_needs_the_replace_box(qtbot, db, usb, messages):
    dialog = _dialog(qtbot)
    _load(qtbot, dialog, PASSWORD)
    first = {p.township: p.loaded_at for p in dialog.packages_model.rows}
    _load(qtbot, dialog, PASSWORD)
    assert not any(r.ok for r in dialog.results)
    assert "已于" in dialog.error.text() and "替换" in dialog.error.text()
    dialog.replace_check.setChecked(True)
    _load(qtbot, dialog, PASSWORD)
    assert all(r.ok and r.replaced for r in dialog.results)
    assert "已替换茶店镇2026年6月的报送包" in dialog.outcome_label.text()
    assert len(dialog.packages_model.rows) == 2  # the replaced loads are kept, not listed
    assert DistrictPackage.select().count() == 4 and set(first) == {"白鹤镇", "茶店镇"}


def test_a_folder_without_packages_says_so(qtbot, db, usb, messages):
    usb.choose(usb.path / "照片")
    dialog = _dialog(qtbot)
    _load(qtbot, dialog)
    assert "没有报送包" in dialog.error.text() and dialog.results == []
    assert package_folders(usb.path) == [usb.path / BAIHE, usb.path / CHADIAN]
    assert package_folders(usb.path / CHADIAN) == [usb.path / CHADIAN]


def test_export_writes_the_summary_the_dialog_shows(qtbot, db, usb, messages, tmp_path, monkeypatch):
    dialog = _dialog(qtbot)
    _load(qtbot, dialog, PASSWORD)
    out = tmp_path / "报表" / "六月汇总"  # no suffix typed: .xlsx is added
    out.parent.mkdir()
    asked = []

    def save(parent, caption, suggested, filters):
        asked.append(suggested)
        return str(out), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=30_000)
    saved = out.with_name("六月汇总.xlsx")
    assert dialog.saved_path == saved and saved.is_file()
    assert asked and asked[0].endswith("区局汇总_2026年6月.xlsx")
    kind, text = messages[-1]
    assert kind == "information" and str(saved) in text
    ws = openpyxl.load_workbook(saved)["汇总"]
    assert [c.value for c in ws[2]][:8] == ["乡镇", "项目", "户数", "人数", "本月发放金额(元)",
                                           "本年累计金额(元)", "本月新增", "本月减少"]
    sheet = []
    for row in ws.iter_rows(min_row=3, max_col=8, values_only=True):
        if all(v is None for v in row):
            break
        sheet.append(tuple("" if v is None else _money(v) if i in (4, 5) else str(v)
                           for i, v in enumerate(row)))
    assert sheet == _figures(dialog)
