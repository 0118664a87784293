"""纳入保障 / 调整金额: the enrollment form of every programme.

The amount starts at what the standards give (amounts.suggest, shown live
with how it was computed) and follows it until the clerk types another
amount; from then on a reason is required, as the service also demands.
On a saved enrollment the bank account is corrected too (change_bank_account),
and an amount change is recorded only when something it depends on changed.
"""
from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox,
                               QWidget)

from mzdesk import idcard
from mzdesk.errors import DomainError, ValidationError
from mzdesk.models import Enrollment, Person, Programme, database
from mzdesk.services import amounts, enrollments, households, settings
from mzdesk.services.common import get

from ..widgets import GREY, RED, MoneyEdit, MonthEdit, PersonPicker, add_field, current_month
from .base import FormDialog
from .suggested_amount import SuggestedAmount

HOUSEHOLD_PROGRAMMES = ("dibao_urban", "dibao_rural", "bianyuan")
YOUFU_CAUSES = ("因战", "因公", "因病")
DISABILITY_TYPES = ("肢体", "视力", "听力", "言语", "智力", "精神", "多重")
CANJI_GRADES = ("一级", "二级", "三级", "四级")


def institutions() -> list[str]:
    text = settings.get_setting("institutions")
    return [x.strip() for x in text.replace("，", ",").replace("、", ",").split(",") if x.strip()]


def _row(*widgets, grow: QWidget | None = None) -> QWidget:
    """Widgets side by side; `grow` takes the spare width, else a stretch at the end."""
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    for w in widgets:
        if isinstance(w, str):
            w = QLabel(w)
        layout.addWidget(w, 1 if w is grow else 0)
    if grow is None:
        layout.addStretch(1)
    return box


class EnrollmentForm(FormDialog):
    TITLE = "纳入保障"

    def __init__(self, parent: QWidget | None = None, programme: str = "dibao_rural",
                 enrollment_id: int | None = None, person_id: int | None = None):
        super().__init__(parent)
        self.enrollment = get(Enrollment, enrollment_id, "保障记录") if enrollment_id else None
        self.programme = get(Programme, self.enrollment.programme_id if self.enrollment else programme,
                             "救助项目")
        self.code = self.programme.code
        self.by_household = self.code in HOUSEHOLD_PROGRAMMES
        self.setWindowTitle(f"{self.programme.name} — {'修改保障' if self.enrollment else '纳入保障'}")
        self.setMinimumWidth(660)
        self.subform = None
        self._household = None
        self._loading = True

        if self.enrollment:
            self._build_header()
        else:
            self._build_recipient()
        getattr(self, f"_build_{self.code[:5] if self.code.startswith('dibao') else self.code}")()
        self._build_amount()
        self._loading = False
        if self.enrollment:
            self._load(self.enrollment)
        elif person_id:
            self.picker.set_person_id(person_id)
        self.update_suggestion()

    # --- who ---------------------------------------------------------------------

    def _build_recipient(self) -> None:
        self.picker = PersonPicker()
        self.picker.personChanged.connect(self._person_changed)
        self.new_household_button = QPushButton("建立家庭…")
        self.new_household_button.clicked.connect(self._new_household)
        self.new_household_button.hide()
        who = _row(self.picker, self.new_household_button, grow=self.picker)
        self.add_row("户主" if self.by_household else "对象", who)
        self.picker.edit.installEventFilter(self._enter_filter)
        self.household_info = QLabel()
        self.household_info.setWordWrap(True)
        if self.by_household:
            self.form.addRow("家庭", self.household_info)
        self.month = add_field(self, "开始月份", MonthEdit())
        self.month.monthChanged.connect(self.update_suggestion)

    def _build_header(self) -> None:
        e = self.enrollment
        p = e.person
        self.form.addRow("对象", QLabel(f"{p.name}　{idcard.mask(p.id_number)}"))
        self.form.addRow("开始月份", QLabel(e.start_month))
        self.form.addRow("当前金额", QLabel(f"{e.amount} 元/月"))
        self.month = add_field(self, "调整月份", MonthEdit(month=max(current_month(), e.start_month)))
        self.month.monthChanged.connect(self.update_suggestion)

    def person(self) -> Person | None:
        if self.enrollment:
            return self.enrollment.person
        pid = self.picker.person_id()
        return Person.get_by_id(pid) if pid else None

    def _person_changed(self, person_id: int) -> None:
        self._household = None
        self.new_household_button.hide()
        info, colour = "", GREY
        person = self.person()
        if person is not None and self.by_household:
            h = households.household_of(person.id)
            if h is None:
                info, colour = "该人员尚未建立家庭，请先建立家庭", RED
                self.new_household_button.show()
            elif h.head_id != person.id:
                info, colour = f"该人员是户号 {h.id} 的成员，户主为 {h.head.name}；请选择户主", RED
            else:
                self._household = h
                members = households.active_members(h)
                info = f"户号 {h.id}，{len(members)} 人：" + "、".join(
                    f"{m.person.name}({m.relation})" for m in members)
                self.covered.setMaximum(len(members))
                self.covered.setValue(len(members))
        self.household_info.setText(info)
        self.household_info.setStyleSheet(f"color: {colour};")
        if person is not None:
            self.bank.setPlaceholderText(f"留空则使用人员档案中的账号 {person.bank_account or '（无）'}")
        self.update_suggestion()

    def _new_household(self) -> None:
        from .household_form import HouseholdForm
        self.subform = HouseholdForm(self, head_id=self.picker.person_id())
        self.subform.accepted.connect(lambda: self._person_changed(self.picker.person_id() or 0))
        self.subform.open()

    # --- what the amount is computed from, per programme ----------------------------

    def _watch(self, *widgets) -> None:
        for w in widgets:
            signal = (w.valueChanged if isinstance(w, QSpinBox) else w.currentTextChanged
                      if isinstance(w, QComboBox) else w.textChanged)
            signal.connect(self.update_suggestion)
            w.installEventFilter(self._enter_filter)

    def _build_dibao(self) -> None:
        self.covered = QSpinBox()
        self.covered.setRange(1, 30)
        self.covered.setSuffix(" 人")
        self.add_row("保障人数", _row(self.covered))
        self.income = MoneyEdit()
        self.add_row("家庭人均收入", _row(self.income, "元/月"))
        self.classes = {}
        parts = []
        for cls in amounts.DIBAO_CLASSES:
            spin = QSpinBox()
            spin.setRange(0, 30)
            self.classes[cls] = spin
            parts += [cls, spin]
        self.add_row("分类施保人数", _row(*parts))
        self._watch(self.covered, self.income, *self.classes.values())

    def _build_bianyuan(self) -> None:
        self.covered = QSpinBox()
        self.covered.setRange(1, 30)
        self.covered.setSuffix(" 人")
        self.add_row("家庭人数", _row(self.covered))
        self._watch(self.covered)

    def _build_tekun(self) -> None:
        self.mode = self.add_row("供养方式", QComboBox())
        self.mode.addItems(amounts.TEKUN_CATEGORIES)
        self.institution = self.add_row("供养机构", QComboBox())
        self.institution.setEditable(True)
        self.institution.addItems(institutions())
        self.care = self.add_row("自理能力", QComboBox())
        self.care.addItems(amounts.CARE_LEVELS)
        self.mode.currentTextChanged.connect(
            lambda m: self.institution.setEnabled(m == "集中"))
        self.institution.setEnabled(False)
        self._watch(self.mode, self.care)

    def _build_youfu(self) -> None:
        self.youfu_category = self.add_row("优抚类别", QComboBox())
        self.youfu_category.addItems(amounts.YOUFU_CATEGORIES)
        self.grade = QSpinBox()
        self.grade.setRange(1, 10)
        self.grade.setSuffix(" 级")
        self.cause = QComboBox()
        self.cause.addItems(YOUFU_CAUSES)
        self.add_row("伤残等级", _row(self.grade, "伤残性质", self.cause))
        self.youfu_category.currentTextChanged.connect(self._youfu_enable)
        self._youfu_enable(self.youfu_category.currentText())
        self._watch(self.youfu_category, self.grade, self.cause)

    def _youfu_enable(self, category: str) -> None:
        for w in (self.grade, self.cause):
            w.setEnabled(category == "伤残军人")

    def _build_gaoling(self) -> None:
        self.band = self.add_row("年龄段", QLabel())

    def _build_canji(self) -> None:
        self.canji_category = self.add_row("补贴类别", QComboBox())
        self.canji_category.addItems(amounts.CANJI_CATEGORIES)
        self.disability_type = QComboBox()
        self.disability_type.addItems(DISABILITY_TYPES)
        self.disability_grade = QComboBox()
        self.disability_grade.addItems(CANJI_GRADES)
        self.add_row("残疾类别", _row(self.disability_type, "残疾等级", self.disability_grade))
        self._watch(self.canji_category, self.disability_type, self.disability_grade)

    def _gaoling_band(self) -> str:
        person, month = self.person(), self.month.value()
        if person is None or month is None:
            return ""
        on = dt.date.fromisoformat(month + "-01")
        age = idcard.age(person.id_number, on=on) if on >= person.birth_date else 0
        return amounts.gaoling_band(age) or ""

    def inputs(self) -> dict:
        """category / covered_persons / per_capita_income / details as the services take them."""
        keep = dict(self.enrollment.details) if self.enrollment else {}
        if self.code.startswith("dibao"):
            classes = {c: s.value() for c, s in self.classes.items() if s.value()}
            keep.pop("classes", None)
            return {"category": "", "covered_persons": self.covered.value(),
                    "per_capita_income": self.income.value(),
                    "details": dict(keep, classes=classes) if classes else keep}
        if self.code == "bianyuan":
            return {"category": "", "covered_persons": self.covered.value(), "details": keep}
        if self.code == "tekun":
            mode = self.mode.currentText()
            keep.pop("institution", None)
            keep["care_level"] = self.care.currentText()
            if mode == "集中" and self.institution.currentText().strip():
                keep["institution"] = self.institution.currentText().strip()
            return {"category": mode, "details": keep}
        if self.code == "youfu":
            category = self.youfu_category.currentText()
            for key in ("disability_grade", "disability_cause"):
                keep.pop(key, None)
            if category == "伤残军人":
                keep.update(disability_grade=self.grade.value(), disability_cause=self.cause.currentText())
            return {"category": category, "details": keep}
        if self.code == "gaoling":
            return {"category": self._gaoling_band(), "details": keep}
        if self.code == "canji":
            keep.update(disability_type=self.disability_type.currentText(),
                        disability_grade=self.disability_grade.currentIndex() + 1)
            return {"category": self.canji_category.currentText(), "details": keep}
        return {"category": "", "details": keep}

    def _load(self, e: Enrollment) -> None:
        self._loading = True
        d = e.details or {}
        if self.code.startswith("dibao") or self.code == "bianyuan":
            self.covered.setMaximum(max(30, e.covered_persons))
            self.covered.setValue(e.covered_persons)
        if self.code.startswith("dibao"):
            self.income.setValue(e.per_capita_income)
            for cls, spin in self.classes.items():
                spin.setValue(int((d.get("classes") or {}).get(cls, 0)))
        elif self.code == "tekun":
            self.mode.setCurrentText(e.category)
            self.institution.setCurrentText(d.get("institution", ""))
            self.care.setCurrentText(d.get("care_level", "全自理"))
        elif self.code == "youfu":
            self.youfu_category.setCurrentText(e.category)
            self.grade.setValue(int(d.get("disability_grade") or 1))
            self.cause.setCurrentText(d.get("disability_cause", "因战"))
        elif self.code == "canji":
            self.canji_category.setCurrentText(e.category)
            self.disability_type.setCurrentText(d.get("disability_type", DISABILITY_TYPES[0]))
            self.disability_grade.setCurrentIndex(max(0, int(d.get("disability_grade") or 1) - 1))
        # Without a recorded reason the amount was the standard's: follow the
        # standard of the new month; with one, keep the clerk's amount and reason.
        self._loading, self.suggested.following = False, not e.amount_reason
        self.update_suggestion()
        if not self.suggested.following or self.suggested.suggestion is None:
            self.suggested.keep(e.amount, e.amount_reason)

    # --- the amount ----------------------------------------------------------------

    def _build_amount(self) -> None:
        if self.code != "bianyuan":
            self.bank = self.add_row("银行账号", QLineEdit())
            self.bank.setPlaceholderText("留空则使用人员档案中的账号")
        else:
            self.bank = QLineEdit()
        if self.enrollment:  # saved through change_bank_account, apart from the amount
            own = self.enrollment.person.bank_account
            self.bank.setText(self.enrollment.bank_account)
            self.bank.setPlaceholderText(f"留空则使用人员档案中的账号 {own or '（无）'}")
        self.suggested = SuggestedAmount(self, self.update_suggestion)
        self.suggestion_label, self.amount = self.suggested.label, self.suggested.amount
        self.follow_button = self.suggested.follow_button
        self.reason_label, self.reason = self.suggested.reason_label, self.suggested.reason

    def update_suggestion(self, *_args) -> None:
        if self._loading:
            return
        if self.code == "gaoling":
            band = self._gaoling_band()
            self.band.setText(f"{band} 岁" if band else "未满80周岁（由身份证号计算）")
            self.band.setStyleSheet("" if band else f"color: {RED};")
        month = self.month.value()
        try:
            if month is None:
                raise ValidationError("请填写月份，如 2022-06")
            inputs = self.inputs()
            suggestion = amounts.suggest(
                self.code, month, category=inputs["category"],
                covered_persons=inputs.get("covered_persons", 1),
                per_capita_income=inputs.get("per_capita_income"), details=inputs["details"])
        except DomainError as exc:
            self.suggested.set_suggestion(None, str(exc))
        else:
            self.suggested.set_suggestion(suggestion)

    def reason_required(self) -> bool:
        return self.suggested.reason_required()

    # --- saving --------------------------------------------------------------------

    def amount_changed(self, inputs: dict | None = None) -> bool:
        """Whether the clerk changed the amount or anything it is computed from
        (a saved enrollment: only then is there an amount change to record)."""
        e = self.enrollment
        inputs = self.inputs() if inputs is None else inputs
        now = (inputs["category"], inputs.get("covered_persons", e.covered_persons),
               inputs.get("per_capita_income", e.per_capita_income), inputs["details"],
               self.amount.value(), self.reason.text().strip())
        return now != (e.category, e.covered_persons, e.per_capita_income, e.details or {},
                       e.amount, e.amount_reason)

    def _save_changes(self, inputs: dict, common: dict) -> int:
        e = self.enrollment
        account = "".join(self.bank.text().split())
        with database.atomic():  # the account and the amount together or not at all
            if account != e.bank_account:
                enrollments.change_bank_account(e.id, account)
            if self.amount_changed(inputs):
                enrollments.change_amount(
                    e.id, month=self.month.value() or self.month.text(),
                    category=inputs["category"], covered_persons=inputs.get("covered_persons"),
                    per_capita_income=inputs.get("per_capita_income"), **common)
        return e.id

    def save(self) -> int:
        if self.amount.text().strip() and self.amount.value() is None:
            raise ValidationError("金额格式不正确")
        if self.reason_required() and not self.reason.text().strip():
            self.reason.setFocus()
        inputs = self.inputs()
        common = dict(amount=self.amount.value(), reason=self.reason.text(), details=inputs["details"])
        if self.enrollment:
            return self._save_changes(inputs, common)
        person = self.person()
        if person is None:
            raise ValidationError("请选择" + ("户主" if self.by_household else "保障对象"))
        household_id = None
        if self.by_household:
            h = households.household_of(person.id)
            if h is None:
                raise ValidationError("该人员尚未建立家庭，请先点击“建立家庭…”")
            household_id = h.id
        return enrollments.enroll(
            self.code, person.id, start_month=self.month.value() or self.month.text(),
            household_id=household_id, category=inputs["category"],
            covered_persons=inputs.get("covered_persons"),
            per_capita_income=inputs.get("per_capita_income"),
            bank_account="".join(self.bank.text().split()), **common).id
