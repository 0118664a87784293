"""报送区局（U盘）, driven as a clerk would on the demo township with June paid.

The dialog is opened from the 文件 menu with its exec() replaced by the
clerk's clicks; what it writes is read back with mzdesk.district.read_package.
"""
from __future__ import annotations

import errno

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from mzdesk.district import package as package_mod
from mzdesk.district import read_package
from mzdesk.district.figures_sheet import figures
from mzdesk.payments import batches
from ui.dialogs import bank_export, district_export
from ui.dialogs.bank_export import Volume
from ui.dialogs.district_export import DistrictExportDialog
from ui.main_window import MainWindow

from .conftest import save_screenshot

MONTH = "2026-06"
PACKAGE = "民政报送_茶店镇_2026-06"


@pytest.fixture
def paid_june(june):
    for programme in batches.monthly_programmes():
        batches.approve(batches.create_regular(programme.code, MONTH).id)
    return june


@pytest.fixture
def usb(tmp_path, monkeypatch):
    """A folder standing for the USB stick, offered by 选择其他文件夹…."""
    folder = tmp_path / "usb"
    folder.mkdir()
    monkeypatch.setattr(district_export.QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *args, **kwargs: str(folder)))
    return folder


def _dialog(qtbot) -> DistrictExportDialog:
    dialog = DistrictExportDialog(None)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _export(qtbot, dialog: DistrictExportDialog) -> None:
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=30_000)


def test_the_menu_entry_writes_an_encrypted_package(qtbot, paid_june, usb, messages, monkeypatch):
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    assert window.district_action.text().startswith("报送区局（U盘）")
    assert window.district_action in window.file_menu.actions()
    opened = []

    def run(dialog):
        opened.append(dialog)
        qtbot.addWidget(dialog)
        dialog.show()
        assert dialog.month() == MONTH  # the month just paid
        assert dialog.password_edit.echoMode() == QLineEdit.EchoMode.Password
        assert dialog.confirm_edit.echoMode() == QLineEdit.EchoMode.Password
        qtbot.mouseClick(dialog.other_button, Qt.MouseButton.LeftButton)
        assert dialog.target() == usb / PACKAGE
        assert str(usb / PACKAGE) in dialog.target_label.text()
        qtbot.keyClicks(dialog.password_edit, "quxian2026")
        qtbot.keyClicks(dialog.confirm_edit, "quxian2026")
        save_screenshot(dialog, "district_export")
        _export(qtbot, dialog)
        return dialog.result()

    monkeypatch.setattr(DistrictExportDialog, "exec", run)
    window.district_action.trigger()
    result = opened[0].result_info
    assert result is not None and result.path == usb / PACKAGE
    kind, text = messages[-1]
    assert kind == "information" and "已生成报送包" in text and "已加密" in text and str(result.path) in text
    package = read_package(result.path, "quxian2026")
    assert package.encrypted and package.figures == figures(MONTH)
    assert [p.name for p in usb.iterdir()] == [PACKAGE]


def test_passwords_must_match_and_be_long_enough(qtbot, paid_june, usb, messages):
    dialog = _dialog(qtbot)
    qtbot.mouseClick(dialog.other_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(dialog.password_edit, "secret-one")
    qtbot.keyClicks(dialog.confirm_edit, "secret-two")
    _export(qtbot, dialog)
    assert dialog.error.isVisible() and dialog.error.text() == "两次输入的密码不一致"
    dialog.password_edit.setText("12345")
    dialog.confirm_edit.setText("12345")
    _export(qtbot, dialog)
    assert "密码至少 6 位" in dialog.error.text()
    assert list(usb.iterdir()) == [] and dialog.result_info is None and dialog.isVisible()


def test_without_password_and_replacing_an_old_package(qtbot, paid_june, usb, messages):
    dialog = _dialog(qtbot)
    qtbot.mouseClick(dialog.other_button, Qt.MouseButton.LeftButton)
    dialog.set_month("2026-05")
    assert dialog.target().name == "民政报送_茶店镇_2026-05"
    _export(qtbot, dialog)
    first = dialog.result_info
    assert first is not None and not first.manifest["encrypted"]
    assert read_package(first.path).month == "2026-05"
    again = _dialog(qtbot)
    again.set_folder(usb)
    again.set_month("2026-05")
    _export(qtbot, again)
    assert any(kind == "question" and "已存在" in text for kind, text in messages)
    assert again.result_info is not None and [p.name for p in usb.iterdir()] == [first.path.name]


def test_a_full_drive_leaves_no_package_and_the_dialog_says_why(qtbot, paid_june, usb, messages,
                                                                 monkeypatch):
    def full(path, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(package_mod, "_write_file", full)
    dialog = _dialog(qtbot)
    qtbot.mouseClick(dialog.other_button, Qt.MouseButton.LeftButton)
    _export(qtbot, dialog)
    assert dialog.isVisible() and dialog.result_info is None
    assert "磁盘空间已满" in dialog.error.text() and "报送包没有保存" in dialog.error.text()
    assert list(usb.iterdir()) == []
    assert dialog.export_button.isEnabled()


def test_removable_drives_come_first(qtbot, paid_june, monkeypatch):
    volumes = [Volume("/", "root", is_root=True), Volume("/home"),
               Volume("/media/clerk/KINGSTON", "KINGSTON", free_bytes=8 * 1024 ** 3)]
    monkeypatch.setattr(bank_export, "mounted_volumes", lambda: volumes)
    dialog = _dialog(qtbot)
    first = dialog.folder_list.item(0)
    assert "KINGSTON" in first.text() and "可移动磁盘" in first.text()
    assert str(dialog.folder()) == "/media/clerk/KINGSTON"  # selected: the stick
    paths = [dialog.folder_list.item(i).data(Qt.ItemDataRole.UserRole)
             for i in range(dialog.folder_list.count())]
    assert "/home" not in paths and "/" not in paths  # system mounts are not offered
