"""土坯房（农村危房）改造调查: one household's record.

The family type comes from the registry where it knows it (a 农村低保,
散居五保 or 低保边缘 household); only otherwise does the clerk choose it.
Once saved, everything but the head and the family type can be corrected;
the family type follows a corrected survey date as on registration.
"""
from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QLineEdit, QSpinBox, QWidget

from mzdesk.errors import ValidationError
from mzdesk.models import HouseSurvey, Person, database
from mzdesk.services import ledgers
from mzdesk.services.households import active_members, household_of

from ..widgets import GREY, MoneyEdit, PersonPicker, add_field
from .base import FormDialog
from .relief_form import date_edit, fixed_note, qdate

UNDECIDED = "一般群众"  # what family_type() falls back to when the registry knows nothing


class HouseSurveyForm(FormDialog):
    TITLE = "土坯房改造"

    def __init__(self, parent: QWidget | None = None, record_id: int | None = None):
        super().__init__(parent)
        self.record = HouseSurvey.get_by_id(record_id) if record_id else None
        self.setWindowTitle("修改土坯房改造记录" if self.record else "新增土坯房改造记录")
        self.setMinimumWidth(600)
        self.picker = add_field(self, "户主", PersonPicker())
        self.persons = self.add_row("家庭人数", QSpinBox())
        self.persons.setRange(1, 50)
        self.survey_date = self.add_row("调查日期", date_edit())
        self.intention = self.add_row("改造意愿", QComboBox())
        self.intention.addItems(ledgers.INTENTIONS)
        family = QWidget()
        row = QHBoxLayout(family)
        row.setContentsMargins(0, 0, 0, 0)
        self.family_type = QComboBox()
        self.family_type.addItems(ledgers.FAMILY_TYPES)
        self.family_note = QLabel()
        self.family_note.setStyleSheet(f"color: {GREY};")
        self.family_note.setWordWrap(True)
        row.addWidget(self.family_type)
        row.addWidget(self.family_note, 1)
        self.add_row("家庭类型", family)
        self.family_type.installEventFilter(self._enter_filter)
        self.pilot = self.add_row("试点", QCheckBox("试点村"))
        self.progress = self.add_row("改造进度", QComboBox())
        self.progress.addItems(ledgers.PROGRESS)
        self.compensation = self.add_row("拆迁补偿费(元)", MoneyEdit())
        self.transition_fee = self.add_row("过渡安置费(元)", MoneyEdit())
        self.note = self.add_row("备注", QLineEdit())

        if self.record:
            self._load(self.record)
        else:
            self.picker.personChanged.connect(self._person_changed)
            self.survey_date.dateChanged.connect(self.update_family_type)
            self.update_family_type()

    def _load(self, r: HouseSurvey) -> None:
        self.picker.set_person_id(r.person_id)
        self.persons.setValue(r.persons)
        self.survey_date.setDate(qdate(r.survey_date))
        self.intention.setCurrentText(r.intention)
        self.family_type.setCurrentText(r.family_type)
        self.pilot.setChecked(r.pilot)
        self.progress.setCurrentText(r.progress)
        self.compensation.setValue(r.compensation)
        self.transition_fee.setValue(r.transition_fee)
        self.note.setText(r.note)
        self.family_type.setEnabled(False)
        self.family_note.setText("登记时确定；改调查日期时按当时的救助登记重新判断")
        fixed_note(self, self.picker, "户主不能修改；如登记错了户，请为正确的户主重新登记。")
        self.survey_date.dateChanged.connect(self._date_corrected)

    def _date_corrected(self, *_args) -> None:
        """Show the family type the corrected date gives, as the service will save it."""
        when = self.survey_date.date().toPython()
        self.family_type.setCurrentText(ledgers.survey_family_type(self.record, when))

    def _person_changed(self, person_id: int) -> None:
        if person_id:
            household = household_of(person_id)
            living = [m for m in active_members(household) if m.person.death_date is None] if household else []
            self.persons.setValue(max(len(living), 1))
            person = Person.get_by_id(person_id)
            if person.village_id is not None:
                self.pilot.setChecked(HouseSurvey.select().where(
                    (HouseSurvey.village == person.village_id) & HouseSurvey.pilot).exists())
        self.update_family_type()

    def update_family_type(self, *_args) -> None:
        """Show the type the registry gives; let the clerk choose only when it gives none."""
        person_id = self.picker.person_id()
        derived = (ledgers.family_type(person_id, self.survey_date.date().toPython(), UNDECIDED)
                   if person_id else UNDECIDED)
        decided = derived != UNDECIDED
        self.family_type.setEnabled(not decided)
        if decided:
            self.family_type.setCurrentText(derived)
            self.family_note.setText("由救助项目登记确定")
        else:
            self.family_note.setText("登记中没有低保、散居五保或边缘户记录，请按实际选择"
                                     if person_id else "选择户主后自动判断")

    def save(self) -> int:
        changes = dict(intention=self.intention.currentText(), pilot=self.pilot.isChecked(),
                       progress=self.progress.currentText(),
                       compensation=self.compensation.value() or 0,
                       transition_fee=self.transition_fee.value() or 0, note=self.note.text())
        if self.record:
            with database.atomic():  # the corrections and the progress together or not at all
                ledgers.correct_house_survey(self.record.id, persons=self.persons.value(),
                                             survey_date=self.survey_date.date().toPython())
                return ledgers.update_house_survey(self.record.id, **changes).id
        person_id = self.picker.person_id()
        if person_id is None:
            raise ValidationError("请选择户主（输入姓名、拼音首字母或身份证号后从列表中选择）")
        return ledgers.add_house_survey(
            person_id, persons=self.persons.value(), survey_date=self.survey_date.date().toPython(),
            family_type_hint=self.family_type.currentText(), **changes).id
