"""Starting the GUI: `mzdesk-gui [--db PATH]` (also `mzdesk gui`).

Start-up time matters (issue 3: the window within 2x the time of an empty
PySide6 window; tests/bench/bench_launch.py). The data layer that must be
read before the window can show (database, settings) is imported before
PySide6: once imported, PySide6's `__feature__` import hook reads the source
of every module imported after it (inspect.getsource), which makes each later
import slower. The window itself is cheap to build; each tab's page is built
when first needed, the first one just after the window is painted.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mzdesk import db
from mzdesk.services import settings

from PySide6.QtCore import QThread  # after the data layer on purpose (see above)
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from .messages import TITLE, describe, show_error

APP_NAME = "民政桌面"
ORGANISATION = "mzdesk"
# Chinese UI fonts by preference: Linux (WenQuanYi, Noto), Windows (YaHei, SimSun).
CJK_FAMILIES = ("WenQuanYi Micro Hei", "Microsoft YaHei", "SimSun", "Noto Sans CJK SC")
MIN_POINT_SIZE = 10


def parse_args(argv: list[str]) -> argparse.Namespace:
    """argv as sys.argv (program name first); Qt's own options are ignored."""
    parser = argparse.ArgumentParser(prog=Path(argv[0]).name if argv else "mzdesk-gui",
                                     description="民政桌面图形界面")
    parser.add_argument("--db", metavar="PATH", help="数据库文件（默认使用用户数据目录中的数据库）")
    args, _qt_options = parser.parse_known_args(argv[1:])
    return args


def apply_cjk_font(app: QApplication) -> str | None:
    """Make the first installed CJK family the default font; returns its name."""
    installed = set(QFontDatabase.families())
    family = next((f for f in CJK_FAMILIES if f in installed), None)
    font = QFont(app.font())
    if family:
        font.setFamily(family)
    if 0 < font.pointSizeF() < MIN_POINT_SIZE:
        font.setPointSize(MIN_POINT_SIZE)
    app.setFont(font)
    return family


class ExceptionHook:
    """sys.excepthook: log an unexpected error and tell the clerk politely."""

    def __init__(self):
        self._showing = False

    def __call__(self, exc_type, exc, tb) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        if exc is None:
            exc = exc_type()
        if exc.__traceback__ is None:
            exc = exc.with_traceback(tb)
        if self._showing or not QThread.isMainThread():
            # No box from a worker thread, and none stacked on an open one.
            print(describe(exc), file=sys.stderr)  # describe() logs it
            return
        self._showing = True
        try:
            show_error(QApplication.activeWindow(), exc)  # logs anything but a DomainError
        finally:
            self._showing = False


def _open_database(path: str | None) -> Path:
    db.open_database(path)
    return Path(path) if path else db.default_path()


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    args = parse_args(argv)

    app = QApplication.instance() or QApplication(argv)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORGANISATION)
    apply_cjk_font(app)

    previous_hook = sys.excepthook
    sys.excepthook = ExceptionHook()
    try:
        return _run(app, args)
    finally:
        sys.excepthook = previous_hook
        db.close_database()


def _run(app: QApplication, args: argparse.Namespace) -> int:
    try:
        db_path = _open_database(args.db)
    except Exception as exc:  # noqa: BLE001 - DomainError shows its own message
        QMessageBox.critical(None, TITLE, "无法打开数据库。\n" + describe(exc))
        return 1

    if not settings.is_initialised():
        from .first_run import FirstRunDialog
        if FirstRunDialog().exec() != QDialog.DialogCode.Accepted:
            return 0

    from .main_window import MainWindow
    window = MainWindow(db_path)
    window.show()
    return app.exec()
