"""The tables of mzdesk (DESIGN §2).

The models describe the latest schema; the database itself is created and
upgraded only by the numbered migrations in `mzdesk.migrations`, so an old
file and a new one end up with the same tables.
"""
from __future__ import annotations

import datetime as dt

import peewee as pw

from .fields import JSONField, MoneyField, MonthField

database = pw.DatabaseProxy()


def now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


class BaseModel(pw.Model):
    class Meta:
        database = database
        legacy_table_names = False


class Meta(BaseModel):
    """Key/value facts about the database file itself (schema version)."""

    key = pw.CharField(primary_key=True)
    value = pw.TextField()


class Setting(BaseModel):
    """Township settings: name, the names printed on documents, …"""

    key = pw.CharField(primary_key=True)
    value = pw.TextField()


class User(BaseModel):
    username = pw.CharField(unique=True)
    display_name = pw.CharField()
    role = pw.CharField(default="经办人")  # 经办人 / 审核人
    active = pw.BooleanField(default=True)


class Village(BaseModel):
    name = pw.CharField(unique=True)
    kind = pw.CharField(default="村")  # 村 / 社区
    code = pw.CharField(null=True, unique=True)  # 12-digit 区划代码
    sort_order = pw.IntegerField(default=0)
    active = pw.BooleanField(default=True)
    merged_into = pw.ForeignKeyField("self", null=True, backref="merged")


class Person(BaseModel):
    id_number = pw.CharField(unique=True)
    name = pw.CharField(index=True)
    pinyin = pw.CharField(index=True)  # full pinyin without spaces
    initials = pw.CharField(index=True)  # pinyin initials, 'zsf' for 张三丰
    sex = pw.CharField()  # derived from the ID number
    birth_date = pw.DateField()  # derived from the ID number
    village = pw.ForeignKeyField(Village, null=True, backref="persons")
    address = pw.CharField(default="")
    phone = pw.CharField(default="")
    bank_name = pw.CharField(default="")
    bank_account = pw.CharField(default="")
    death_date = pw.DateField(null=True)  # mirror of Death, for fast filters
    note = pw.TextField(default="")
    created_at = pw.DateTimeField(default=now)
    updated_at = pw.DateTimeField(default=now)


class PersonTag(BaseModel):
    """Tags such as 重症精神病, 在校学生, 残疾 that one-off batches filter on."""

    person = pw.ForeignKeyField(Person, backref="tags")
    tag = pw.CharField(index=True)

    class Meta:
        indexes = ((("person", "tag"), True),)


class Household(BaseModel):
    village = pw.ForeignKeyField(Village, null=True, backref="households")
    head = pw.ForeignKeyField(Person, backref="headed_households")
    address = pw.CharField(default="")
    area = pw.CharField(default="农村")  # 城镇 / 农村
    active = pw.BooleanField(default=True)
    created_at = pw.DateTimeField(default=now)


class HouseholdMember(BaseModel):
    # indexed by (household, person) and (person, household, active): migration 7
    household = pw.ForeignKeyField(Household, backref="members", index=False)
    person = pw.ForeignKeyField(Person, backref="memberships", index=False)
    relation = pw.CharField(default="户主")  # relation to the head
    active = pw.BooleanField(default=True)

    class Meta:
        indexes = ((("household", "person"), True),)


class Programme(BaseModel):
    code = pw.CharField(primary_key=True)
    name = pw.CharField()
    unit = pw.CharField()  # household / person
    monthly = pw.BooleanField()
    sort_order = pw.IntegerField(default=0)


class Standard(BaseModel):
    """One row of a 保障标准: amount for a category from a month on."""

    programme = pw.ForeignKeyField(Programme, backref="standards")
    category = pw.CharField(default="")  # '' is the programme's base standard
    amount = MoneyField()
    basis = pw.CharField(default="person")  # per person-month / household-month
    effective_from = MonthField()
    effective_to = MonthField(null=True)
    note = pw.CharField(default="")


class Enrollment(BaseModel):
    programme = pw.ForeignKeyField(Programme, backref="enrollments")
    # person and household are indexed with the programme (migrations 1, 5, 7)
    person = pw.ForeignKeyField(Person, backref="enrollments", index=False)  # recipient or head
    household = pw.ForeignKeyField(Household, null=True, backref="enrollments", index=False)
    category = pw.CharField(default="")
    covered_persons = pw.IntegerField(default=1)
    per_capita_income = MoneyField(null=True)
    amount = MoneyField()  # current monthly amount
    amount_reason = pw.CharField(default="")
    details = JSONField(default=dict)
    bank_account = pw.CharField(default="")  # empty: use the person's
    start_month = MonthField()
    stop_month = MonthField(null=True)  # last month paid
    stop_reason = pw.CharField(default="")
    status = pw.CharField(default="在保")  # 在保 / 停保 (indexed with the programme)
    created_at = pw.DateTimeField(default=now)

    class Meta:
        indexes = ((("programme", "status"), False), (("person", "programme"), False))


class EnrollmentEvent(BaseModel):
    """The history of an enrollment: 开始, 调整, 停保, 恢复."""

    enrollment = pw.ForeignKeyField(Enrollment, backref="events")
    kind = pw.CharField()
    month = MonthField()
    amount = MoneyField(null=True)
    reason = pw.CharField(default="")
    at = pw.DateTimeField(default=now)
    user = pw.CharField(default="")


class Death(BaseModel):
    person = pw.ForeignKeyField(Person, unique=True, backref="death")
    death_date = pw.DateField()
    cremated = pw.BooleanField(default=True)
    funeral_home = pw.CharField(default="")
    registered_at = pw.DateTimeField(default=now)
    note = pw.CharField(default="")


class ReliefCase(BaseModel):
    kind = pw.CharField()  # 临时救助 / 医疗救助
    case_type = pw.CharField()  # 门诊医疗救助, 大病医疗救助, 临时困难救助, …
    person = pw.ForeignKeyField(Person, backref="relief_cases")
    household = pw.ForeignKeyField(Household, null=True)
    target_group = pw.CharField()  # derived from enrollments at the date
    amount = MoneyField()
    approved_date = pw.DateField()
    paid_date = pw.DateField(null=True)
    note = pw.CharField(default="")
    cancelled = pw.BooleanField(default=False)


class OneOffSubsidy(BaseModel):
    """A named one-off subsidy over one or more rosters."""

    name = pw.CharField()
    programmes = pw.CharField()  # comma-separated programme codes
    month = MonthField()
    basis = pw.CharField(default="person")  # person / household
    amount = MoneyField()
    tag_filter = pw.CharField(default="")
    village = pw.ForeignKeyField(Village, null=True)
    note = pw.CharField(default="")


class HouseSurvey(BaseModel):
    """土坯房（农村危房）改造台账."""

    person = pw.ForeignKeyField(Person, backref="house_surveys")  # head of household
    village = pw.ForeignKeyField(Village, null=True)
    persons = pw.IntegerField(default=1)
    intention = pw.CharField()  # 原址重建 / 异地重建 / 集中新建 / 进城安居 / 不愿意改造
    family_type = pw.CharField()  # 农村低保 / 散居五保 / 低保边缘户 / 一般群众
    pilot = pw.BooleanField(default=False)
    progress = pw.CharField(default="未拆除")  # 未拆除 / 已拆除 / 已建成
    compensation = MoneyField(default=0)  # 拆迁补偿费
    transition_fee = MoneyField(default=0)  # 过渡安置费
    survey_date = pw.DateField()
    note = pw.CharField(default="")


class CardIssuance(BaseModel):
    person = pw.ForeignKeyField(Person, backref="cards")
    card_type = pw.CharField()  # 老年优待证 / 免费乘车证
    number = pw.CharField(default="")
    issued_date = pw.DateField()


class Activity(BaseModel):
    kind = pw.CharField()  # 老年人文化活动, 村务公开检查, …
    title = pw.CharField(default="")
    held_date = pw.DateField()
    participants = pw.IntegerField(default=0)
    note = pw.CharField(default="")


class Indicator(BaseModel):
    """A manual indicator for a month, e.g. 政务公开面 100 %."""

    name = pw.CharField()
    month = MonthField()
    value = pw.CharField()  # decimal text, kept exactly as entered
    unit = pw.CharField(default="%")

    class Meta:
        indexes = ((("name", "month"), True),)


# Batch states in which the money counts as paid (drafts are not payments).
PAID_STATES = ("已审核", "已导出", "已发放")


class Batch(BaseModel):
    """A payment batch (mzdesk.payments.batches keeps its workflow).

    Once out of 草稿 the database refuses changes to it and its lines
    (migration 0003), so an approved roster cannot drift from what was paid.
    The row also carries line_count, persons, total and failed_count, kept by
    the lines' triggers and read by mzdesk.payments.batches; they are not
    fields here, so that no save() can write stale sums over them.
    """

    programme = pw.ForeignKeyField(Programme, null=True, backref="batches")
    kind = pw.CharField(default="regular")  # regular / oneoff / supplement / deduction
    month = MonthField()
    name = pw.CharField(default="")
    state = pw.CharField(default="草稿")  # 草稿 / 已审核 / 已导出 / 已发放 (or 已作废)
    subsidy = pw.ForeignKeyField(OneOffSubsidy, null=True)
    created_at = pw.DateTimeField(default=now)
    approved_at = pw.DateTimeField(null=True)
    approved_by = pw.CharField(default="")
    paid_date = pw.DateField(null=True)
    note = pw.CharField(default="")  # why a 补发 / 扣回 was made, why a draft was cancelled
    exported_at = pw.DateTimeField(null=True)


class BatchLine(BaseModel):
    batch = pw.ForeignKeyField(Batch, backref="lines")
    enrollment = pw.ForeignKeyField(Enrollment, null=True, backref="payments")
    person = pw.ForeignKeyField(Person, backref="payments")
    village = pw.ForeignKeyField(Village, null=True)
    covered_persons = pw.IntegerField(default=1)
    amount = MoneyField()
    bank_account = pw.CharField(default="")
    status = pw.CharField(default="正常")  # 正常 / 失败
    note = pw.CharField(default="")

    class Meta:
        indexes = ((("batch", "enrollment"), True),)


class AuditLog(BaseModel):
    at = pw.DateTimeField(default=now)
    user = pw.CharField()
    action = pw.CharField()
    entity = pw.CharField()
    entity_id = pw.CharField(default="")
    summary = pw.CharField(default="")
    before = JSONField(null=True)
    after = JSONField(null=True)

    class Meta:
        indexes = ((("entity", "entity_id"), False),)


ALL_MODELS = [
    Meta, Setting, User, Village, Person, PersonTag, Household, HouseholdMember,
    Programme, Standard, Enrollment, EnrollmentEvent, Death, ReliefCase,
    OneOffSubsidy, HouseSurvey, CardIssuance, Activity, Indicator, Batch,
    BatchLine, AuditLog,
]
