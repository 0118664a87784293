"""Input widgets that make typing fast and mistakes hard (issue 3 §4).

IdNumberEdit derives birth date, sex and age while the number is typed;
VillageCombo and PersonPicker complete by name, pinyin initials and full
pinyin; MoneyEdit and MonthEdit hand back normalised values (Decimal,
'YYYY-MM') or None when what is typed is not one.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from PySide6.QtCore import QModelIndex, QRegularExpression, Qt, QTimer, Signal
from PySide6.QtGui import QRegularExpressionValidator, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QCompleter, QHBoxLayout, QLabel,
                               QLineEdit, QTreeView, QWidget)

from mzdesk import idcard
from mzdesk.errors import ValidationError
from mzdesk.money import MoneyError, to_money, yuan_str
from mzdesk.pinyin import name_keys
from mzdesk.services.common import month as norm_month, next_month, prev_month

GREY, RED, GREEN = "#707070", "#c00000", "#2e7d32"
ID_ROLE = Qt.ItemDataRole.UserRole
MATCH_ROLE = Qt.ItemDataRole.UserRole + 1


def add_field(dialog, label: str, widget: QWidget) -> QWidget:
    """FormDialog.add_row, plus Enter-moves-on for the line edit inside a composite widget."""
    dialog.add_row(label, widget)
    inner = widget.focusProxy()
    if inner is not None:
        inner.installEventFilter(dialog._enter_filter)
    return widget


def place_keys(name: str, limit: int = 16) -> list[str]:
    """Initials and full pinyin of a place name under every reading of its
    characters (长丰村: cfc and zfc), since pypinyin's first guess is often
    wrong for place names and a clerk types what the village is called."""
    from pypinyin import Style, pinyin
    combos = [("", "")]
    for readings in pinyin(name, style=Style.NORMAL, heteronym=True, errors="ignore"):
        combos = [(full + r, ini + r[:1]) for full, ini in combos for r in readings][:limit]
    keys = {k for full, ini in combos for k in (ini, full)}
    keys.update(name_keys(name)[::-1])
    return sorted(keys, key=len)


def _colour(label: QLabel, colour: str) -> None:
    label.setStyleSheet(f"color: {colour};")


def current_month() -> str:
    today = dt.date.today()
    return f"{today.year:04d}-{today.month:02d}"


# --- ID number ---------------------------------------------------------------

class IdNumberEdit(QWidget):
    """ID number with a live note: birth date, sex and age, or in red what is wrong."""

    validChanged = Signal(bool)
    textChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.edit = QLineEdit()
        self.edit.setMaxLength(22)  # room for pasted spaces; normalize() drops them
        self.edit.setPlaceholderText("18位身份证号码")
        self.edit.setMinimumWidth(190)
        self.info = QLabel()
        self.info.setMinimumWidth(230)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.info, 1)
        self.setFocusProxy(self.edit)
        self._valid = False
        self.edit.textChanged.connect(self._update)
        self._update("")

    def text(self) -> str:
        return self.edit.text()

    def setText(self, text: str) -> None:
        self.edit.setText(text or "")

    def is_valid(self) -> bool:
        return self._valid

    def value(self) -> str | None:
        """The normalised 18-character number, or None."""
        try:
            return idcard.normalize(self.edit.text())
        except idcard.IdNumberError:
            return None

    def _update(self, text: str) -> None:
        chars = "".join(text.split())
        n = len(chars)
        reason = idcard.problems(chars) if n else None
        valid = bool(n) and reason is None
        if valid:
            number = idcard.normalize(chars)
            legacy = "（15位旧号码，保存为18位）" if n == 15 else ""
            self.info.setText(f"出生 {idcard.birth_date(number):%Y-%m-%d}　{idcard.sex(number)}"
                              f"　{idcard.age(number)}岁{legacy}")
            _colour(self.info, GREEN)
        elif n < 18 or n == 0:
            # Still typing (a wrong 15-char prefix of an 18-digit number is not an error yet).
            body, last = chars[:-1], chars[-1:]
            if (body and not (body.isascii() and body.isdigit())) or (last and last not in "0123456789xX"):
                hint, colour = idcard.MSG_CHARS, RED
            else:
                hint, colour = f"已输入 {n}/18 位", GREY
            self.info.setText(hint)
            _colour(self.info, colour)
        else:
            self.info.setText(reason or "")
            _colour(self.info, RED)
        if valid != self._valid:
            self._valid = valid
            self.validChanged.emit(valid)
        self.textChanged.emit(text)


# --- village -----------------------------------------------------------------

class _DisplayCompleter(QCompleter):
    """Matches on the hidden keys of MATCH_ROLE but inserts the village name."""

    def pathFromIndex(self, index) -> str:
        return index.data(Qt.ItemDataRole.DisplayRole) or ""


class VillageCombo(QComboBox):
    """Editable list of active villages; '长丰', 'cfc' and 'changfeng' all find 长丰村."""

    def __init__(self, parent: QWidget | None = None, include_blank: bool = False):
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setModel(QStandardItemModel(self))
        completer = _DisplayCompleter(self)
        completer.setModel(self.model())
        completer.setCompletionRole(MATCH_ROLE)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.setCompleter(completer)
        self.lineEdit().setPlaceholderText("村名或拼音首字母")
        self.lineEdit().editingFinished.connect(self._resolve)
        self.refresh()

    def refresh(self) -> None:
        from mzdesk.services.villages import list_villages
        keep = self.village_id()
        model: QStandardItemModel = self.model()
        model.clear()
        for village in list_villages():
            item = QStandardItem(village.name)
            item.setData(village.id, ID_ROLE)
            item.setData(" ".join((village.name, *place_keys(village.name))), MATCH_ROLE)
            model.appendRow(item)
        self.set_village_id(keep)

    def village_id(self) -> int | None:
        """The village whose name is in the box, or None (empty or unknown text)."""
        i = self.findText(self.currentText().strip(), Qt.MatchFlag.MatchExactly)
        return self.itemData(i, ID_ROLE) if i >= 0 else None

    def set_village_id(self, village_id: int | None) -> None:
        i = self.findData(village_id, ID_ROLE) if village_id is not None else -1
        self.setCurrentIndex(i)
        if i < 0:
            self.setEditText("")

    def _resolve(self) -> None:
        """Enter or leaving the box on typed keys picks the best matching village."""
        text = self.currentText().strip().lower()
        if not text or self.findText(text, Qt.MatchFlag.MatchExactly) >= 0:
            return
        best = None
        for i in range(self.count()):
            if any(k.startswith(text) for k in self.itemData(i, MATCH_ROLE).split(" ")):
                best = i
                break
            if best is None and text in self.itemData(i, MATCH_ROLE):
                best = i
        if best is not None:
            self.setCurrentIndex(best)
            self.setEditText(self.itemText(best))


# --- person ------------------------------------------------------------------

class PersonPicker(QWidget):
    """Find a person as you type; ↑/↓ + Enter or a click picks one.

    personChanged(id) is emitted on a pick, personChanged(0) when the text is
    edited after a pick (no person selected any more).
    """

    personChanged = Signal(int)
    DELAY_MS = 100
    LIMIT = 20

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("姓名 / 拼音首字母 / 身份证号")
        self.edit.setClearButtonEnabled(True)
        self.edit.setMinimumWidth(180)
        self.info = QLabel()
        _colour(self.info, GREY)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.info)
        self.setFocusProxy(self.edit)

        self.model = QStandardItemModel(0, 4, self)
        self.popup = QTreeView()
        self.popup.setRootIsDecorated(False)
        self.popup.setHeaderHidden(True)
        self.popup.setUniformRowHeights(True)
        self.popup.setAllColumnsShowFocus(True)
        self.popup.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.completer = QCompleter(self.model, self)
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setPopup(self.popup)  # after setPopup: the completer owns the view
        self.completer.setWidget(self.edit)  # not setCompleter: highlighting must not replace the text
        self.completer.activated[QModelIndex].connect(self._picked)

        self._person_id: int | None = None
        self._timer = QTimer(self, singleShot=True, interval=self.DELAY_MS)
        self._timer.timeout.connect(self._search)
        self.edit.textEdited.connect(self._edited)
        self.edit.editingFinished.connect(self._left)

    def person_id(self) -> int | None:
        return self._person_id

    def set_person_id(self, person_id: int | None) -> None:
        from mzdesk.models import Person
        person = Person.get_or_none(Person.id == person_id) if person_id else None
        self._timer.stop()
        self.edit.setText(person.name if person else "")
        self.info.setText(self._describe(person) if person else "")
        _colour(self.info, GREY)
        new = person.id if person else None
        if new != self._person_id:
            self._person_id = new
            self.personChanged.emit(new or 0)

    @staticmethod
    def _describe(person, village_name: str | None = None) -> str:
        if village_name is None:
            village_name = person.village.name if person.village_id else ""
        state = "已故" if person.death_date else f"{idcard.age(person.id_number)}岁"
        return "　".join(x for x in (idcard.mask(person.id_number), village_name, state) if x)

    def _edited(self, _text: str) -> None:
        self.info.setText("")
        _colour(self.info, GREY)
        if self._person_id is not None:
            self._person_id = None
            self.personChanged.emit(0)
        self._timer.start()

    def _left(self) -> None:
        """Typed text without a pick is not a person: say so instead of guessing one."""
        if self._person_id is None and self.edit.text().strip() and not self.popup.isVisible():
            self.info.setText("未选定人员，请从列表中选择")
            _colour(self.info, RED)

    def _search(self) -> None:
        from mzdesk.models import Village
        from mzdesk.search import search_persons
        text = self.edit.text().strip()
        self.model.removeRows(0, self.model.rowCount())
        # No popup for a field the clerk has already left (Enter within the delay).
        found = search_persons(text, limit=self.LIMIT) if text and self.edit.hasFocus() else []
        if not found:
            self.popup.hide()
            return
        villages = {v.id: v.name for v in Village.select(Village.id, Village.name)}
        for p in found:
            state = "已故" if p.death_date else f"{idcard.age(p.id_number)}岁"
            row = [QStandardItem(p.name), QStandardItem(idcard.mask(p.id_number)),
                   QStandardItem(villages.get(p.village_id, "")), QStandardItem(state)]
            row[0].setData(p.id, ID_ROLE)
            self.model.appendRow(row)
        for col in range(4):
            self.popup.resizeColumnToContents(col)
        rect = self.edit.rect()
        rect.setWidth(max(rect.width(), sum(self.popup.columnWidth(c) for c in range(4)) + 30))
        self.completer.complete(rect)
        self.popup.setCurrentIndex(self.completer.completionModel().index(0, 0))

    def _picked(self, index) -> None:
        self.set_person_id(index.siblingAtColumn(0).data(ID_ROLE))


# --- money and month ---------------------------------------------------------

class MoneyEdit(QLineEdit):
    """An amount in 元, right-aligned; value() is a Decimal or None."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.setValidator(QRegularExpressionValidator(QRegularExpression(r"^\d{0,9}(\.\d{0,2})?$"), self))
        self.setPlaceholderText("0.00")
        self.setMaximumWidth(160)

    def value(self) -> Decimal | None:
        text = self.text().strip()
        if not text:
            return None
        try:
            return to_money(text)
        except MoneyError:
            return None

    def setValue(self, value) -> None:
        self.setText("" if value is None else yuan_str(value))


class MonthEdit(QLineEdit):
    """A month typed as 2022-06 (also 202206, 2022.6, 2022年6月); ↑/↓ step a month."""

    monthChanged = Signal(str)  # a valid month, after each edit that makes one

    def __init__(self, parent: QWidget | None = None, month: str | None = None):
        super().__init__(parent)
        self.setValidator(QRegularExpressionValidator(QRegularExpression(r"^[0-9年月./\-]{0,8}$"), self))
        self.setPlaceholderText("YYYY-MM")
        self.setMaximumWidth(110)
        self.setToolTip("月份，如 2022-06；↑/↓ 调整")
        self.editingFinished.connect(self._normalise)
        self.textChanged.connect(self._check)
        self.setValue(month or current_month())

    def value(self) -> str | None:
        try:
            return norm_month(self.text())
        except ValidationError:
            return None

    def setValue(self, month: str | None) -> None:
        self.setText(month or "")

    def _normalise(self) -> None:
        value = self.value()
        if value and value != self.text():
            self.setText(value)

    def _check(self, _text: str) -> None:
        value = self.value()
        self.setStyleSheet("" if value else f"color: {RED};")
        if value:
            self.monthChanged.emit(value)

    def keyPressEvent(self, event) -> None:
        value = self.value()
        if value and event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self.setText(next_month(value) if event.key() == Qt.Key.Key_Up else prev_month(value))
            return
        super().keyPressEvent(event)
