"""家庭 form: the head, where the household lives, and its members in a grid.

A new household is created in one service call. For an existing one the
form applies, in one transaction, update_household (village, area,
address), add_member, change_head (a member chosen with 设为户主; the old
head's relation is then edited in the grid like any other), remove_member
and change_relation: each is its own audited step, and nothing is deleted.
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QGroupBox, QHBoxLayout,
                               QLabel, QLineEdit, QPushButton, QStyledItemDelegate, QTableView,
                               QVBoxLayout, QWidget)

from mzdesk import idcard
from mzdesk.errors import ValidationError
from mzdesk.models import Enrollment, Household, Person, Programme, database
from mzdesk.services import households

from ..table_model import RowListModel
from ..widgets import GREY, PersonPicker, VillageCombo, add_field
from .base import FormDialog
from .person_form import PersonForm

MEMBER_RELATIONS = tuple(r for r in households.RELATIONS if r != "户主")
# The old head's relation to a new head, from the new head's relation to the old.
MIRROR = {"配偶": "配偶", "子女": "父母", "父母": "子女", "兄弟姐妹": "兄弟姐妹",
          "孙子女": "祖父母", "祖父母": "孙子女", "儿媳": "父母", "女婿": "父母"}


@dataclass
class MemberRow:
    person_id: int
    name: str
    id_number: str
    relation: str
    saved: bool  # already a member in the database

    @classmethod
    def of(cls, person: Person, relation: str, saved: bool = False) -> "MemberRow":
        return cls(person.id, person.name, person.id_number, relation, saved)


class MembersModel(RowListModel):
    HEADERS = ("姓名", "身份证号", "与户主关系", "年龄")
    RELATION = 2

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        row = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return (row.name, idcard.mask(row.id_number), row.relation,
                    idcard.age(row.id_number))[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == self.RELATION:
            return ("更换户主：选中成员后点击“设为户主”" if row.relation == "户主"
                    else "双击修改与户主的关系")
        return None

    def flags(self, index):
        flags = super().flags(index)
        if index.column() == self.RELATION and self.relation_editable(index.row()):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def relation_editable(self, row: int) -> bool:
        return self.rows[row].relation != "户主"

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if index.column() != self.RELATION or value not in MEMBER_RELATIONS:
            return False
        self.rows[index.row()].relation = value
        self.dataChanged.emit(index, index)
        return True

    def add(self, row: MemberRow) -> None:
        self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows))
        self.rows.append(row)
        self.endInsertRows()

    def remove(self, i: int) -> None:
        self.beginRemoveRows(QModelIndex(), i, i)
        del self.rows[i]
        self.endRemoveRows()

    def person_ids(self) -> list[int]:
        return [r.person_id for r in self.rows]

    def make_head(self, i: int) -> MemberRow:
        """Row i becomes the head, moved to the top; the old head gets the
        relation that mirrors the new head's, which the clerk can still edit."""
        new = self.rows[i]
        old = next((r for r in self.rows if r.relation == "户主"), None)
        if old is not None:
            old.relation = MIRROR.get(new.relation, "其他")
        new.relation = "户主"
        self.beginResetModel()
        self.rows.insert(0, self.rows.pop(i))
        self.endResetModel()
        return new


class RelationDelegate(QStyledItemDelegate):
    def createEditor(self, parent, option, index):
        combo = QComboBox(parent)
        combo.addItems(MEMBER_RELATIONS)
        return combo

    def setEditorData(self, editor, index):
        editor.setCurrentText(index.data(Qt.ItemDataRole.EditRole))

    def setModelData(self, editor, model, index):
        model.setData(index, editor.currentText())


class HouseholdForm(FormDialog):
    TITLE = "家庭"

    def __init__(self, parent: QWidget | None = None, household_id: int | None = None,
                 head_id: int | None = None):
        super().__init__(parent)
        self.household = Household.get_by_id(household_id) if household_id else None
        self.setWindowTitle(f"家庭（户号 {self.household.id}）" if self.household else "建立家庭")
        self.setMinimumWidth(680)
        self.subform: PersonForm | None = None

        head_row = QWidget()
        head_layout = QHBoxLayout(head_row)
        head_layout.setContentsMargins(0, 0, 0, 0)
        self.head = PersonPicker()
        self.new_head_button = QPushButton("新增人员…")
        self.new_head_button.clicked.connect(lambda: self._new_person(self.head.set_person_id))
        head_layout.addWidget(self.head, 1)
        head_layout.addWidget(self.new_head_button)
        self.add_row("户主", head_row)
        self.head.edit.installEventFilter(self._enter_filter)
        self.area = self.add_row("户籍类别", QComboBox())
        self.area.addItems(households.AREAS[::-1])  # 农村 first: most households
        self.village = add_field(self, "村(社区)", VillageCombo())
        self.address = self.add_row("地址", QLineEdit())

        self.members = MembersModel(self)
        self.table = QTableView()
        self.table.setModel(self.members)
        self.table.setItemDelegateForColumn(MembersModel.RELATION, RelationDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        for col, width in enumerate((120, 200, 140)):
            self.table.setColumnWidth(col, width)
        self.table.setMinimumHeight(170)

        self.member_picker = PersonPicker()
        self.member_picker.edit.installEventFilter(self._enter_filter)
        self.member_relation = QComboBox()
        self.member_relation.addItems(MEMBER_RELATIONS)
        self.member_relation.installEventFilter(self._enter_filter)
        self.add_button = QPushButton("添加成员")
        self.add_button.clicked.connect(self.add_member)
        self.new_member_button = QPushButton("新增人员…")
        self.new_member_button.clicked.connect(lambda: self._new_person(self.member_picker.set_person_id))
        self.remove_button = QPushButton("移出")
        self.remove_button.clicked.connect(self.remove_selected)
        self.head_button = QPushButton("设为户主")
        self.head_button.setToolTip("把选中的成员设为户主；原户主的关系可在列表中修改")
        self.head_button.clicked.connect(self.make_selected_head)
        self.head_button.setVisible(self.household is not None)  # a new household: pick the 户主 above
        self.head_hint = QLabel()
        self.head_hint.setWordWrap(True)
        self.head_hint.setStyleSheet(f"color: {GREY};")
        self.head_hint.hide()
        adder = QHBoxLayout()
        adder.addWidget(QLabel("成员"))
        adder.addWidget(self.member_picker, 1)
        adder.addWidget(QLabel("关系"))
        adder.addWidget(self.member_relation)
        adder.addWidget(self.add_button)
        adder.addWidget(self.new_member_button)
        remover = QHBoxLayout()
        self.count_label = QLabel()
        remover.addWidget(self.count_label, 1)
        remover.addWidget(self.head_button)
        remover.addWidget(self.remove_button)
        group = QGroupBox("家庭成员")
        box = QVBoxLayout(group)
        box.addLayout(adder)
        box.addWidget(self.table)
        box.addWidget(self.head_hint)
        box.addLayout(remover)
        self.body.insertWidget(1, group, 1)

        self.members.rowsInserted.connect(self._count)
        self.members.rowsRemoved.connect(self._count)
        self.members.modelReset.connect(self._count)
        self.head.personChanged.connect(self._head_changed)
        if self.household:
            self._load(self.household)
        elif head_id:
            self.head.set_person_id(head_id)
        self._count()

    # --- loading and editing ---------------------------------------------------

    def _load(self, h: Household) -> None:
        self.head.set_person_id(h.head_id)
        self.head.setEnabled(False)
        self.head.setToolTip("更换户主：在成员列表中选中成员，点击“设为户主”")
        self.new_head_button.setEnabled(False)
        self.area.setCurrentText(h.area)
        self.village.set_village_id(h.village_id)
        self.address.setText(h.address)
        rows = [MemberRow.of(m.person, m.relation, saved=True) for m in households.active_members(h)]
        rows.sort(key=lambda r: r.relation != "户主")  # the head on top, the rest as added
        self.members.set_rows(rows)

    def _head_changed(self, person_id: int) -> None:
        if self.household is not None:  # the head of a saved household is fixed here
            return
        rows = [r for r in self.members.rows if r.relation != "户主" and r.person_id != person_id]
        self.show_error("")
        if person_id:
            person = Person.get_by_id(person_id)
            rows.insert(0, MemberRow.of(person, "户主"))
            if self.village.village_id() is None:
                self.village.set_village_id(person.village_id)
            if not self.address.text().strip():
                self.address.setText(person.address)
            other = households.household_of(person_id)
            if other is not None:
                self.show_error(f"该人员已是户号 {other.id} 的成员，请先从原户中移出")
        self.members.set_rows(rows)

    def _count(self, *_args) -> None:
        self.count_label.setText(f"共 {self.members.rowCount()} 人")

    def add_member(self) -> None:
        person_id = self.member_picker.person_id()
        if person_id is None:
            self.show_error("请先在“成员”框中输入姓名或拼音并选择人员")
            return
        if person_id in self.members.person_ids():
            self.show_error("该人员已在成员列表中")
            return
        other = households.household_of(person_id)
        if other is not None and (self.household is None or other.id != self.household.id):
            self.show_error(f"该人员已是户号 {other.id} 的成员，请先从原户中移出")
            return
        self.show_error("")
        self.members.add(MemberRow.of(Person.get_by_id(person_id), self.member_relation.currentText()))
        self.member_picker.set_person_id(None)
        self.member_picker.setFocus()

    def remove_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            self.show_error("请先在列表中选中要移出的成员")
            return
        i = rows[0].row()
        if self.members.rows[i].relation == "户主":
            self.show_error("不能移出户主")
            return
        self.show_error("")
        self.members.remove(i)

    def make_selected_head(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            self.show_error("请先在列表中选中要设为户主的成员")
            return
        row = self.members.rows[rows[0].row()]
        if row.relation == "户主":
            self.show_error("该成员已是户主")
            return
        self.show_error("")
        new = self.members.make_head(rows[0].row())
        self.head.set_person_id(new.person_id)
        self.table.selectRow(0)
        hint = "保存时更换户主。请核对原户主及其他成员与新户主的关系（双击“与户主关系”修改）。"
        held = self._enrolled_programmes()
        if held:
            hint += f"本户的{'、'.join(held)}仍登记在原户主名下。"
        self.head_hint.setText(hint)
        self.head_hint.show()

    def _enrolled_programmes(self) -> list[str]:
        found = (Programme.select(Programme.name).join(Enrollment).distinct()
                 .where((Enrollment.household == self.household) & (Enrollment.status == "在保")))
        return [p.name for p in found]

    def _new_person(self, then) -> None:
        """Register someone not yet in the registry, then use them here."""
        self.subform = PersonForm(self)
        self.subform.accepted.connect(lambda: then(self.subform.saved_id))
        self.subform.open()

    # --- saving ------------------------------------------------------------------

    def save(self) -> int:
        if self.household is None:
            head_id = self.head.person_id()
            if head_id is None:
                raise ValidationError("请选择户主（输入姓名或拼音后从列表中选择，或点击“新增人员…”）")
            village_text = self.village.currentText().strip()
            if village_text and self.village.village_id() is None:
                raise ValidationError(f"村(社区)“{village_text}”不存在，请从列表中选择")
            members = [(r.person_id, r.relation) for r in self.members.rows if r.relation != "户主"]
            return households.create_household(
                head_id, members=members, village=self.village.village_id(),
                area=self.area.currentText(), address=self.address.text()).id
        return self._save_changes(self.household)

    def _save_changes(self, h: Household) -> int:
        village_id, text = self.village.village_id(), self.village.currentText().strip()
        if village_id is None and text:
            raise ValidationError(f"村(社区)“{text}”不存在，请从列表中选择")
        if village_id is None and h.village_id is not None:
            raise ValidationError("请选择村(社区)")
        rows = self.members.rows
        wanted = {r.person_id: r for r in rows}
        head = next(r for r in rows if r.relation == "户主")
        with database.atomic():  # all of the changes or none
            households.update_household(h.id, village=village_id, area=self.area.currentText(),
                                        address=self.address.text())
            for row in rows:  # a new member made head joins first, then takes over
                if not row.saved:
                    households.add_member(h.id, row.person_id,
                                          "其他" if row is head else row.relation)
            if head.person_id != h.head_id:
                old = wanted.get(h.head_id)
                households.change_head(h.id, head.person_id, old.relation if old else "其他")
            saved = {m.person_id: m.relation for m in households.active_members(h)}
            for person_id in saved:
                if person_id not in wanted:
                    households.remove_member(h.id, person_id)
            for row in rows:
                if row is not head and saved.get(row.person_id) != row.relation:
                    households.change_relation(h.id, row.person_id, row.relation)
        return h.id
