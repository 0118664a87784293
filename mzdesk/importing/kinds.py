"""What each KIND of import (DESIGN §8) reads: its columns, their header
variants, whether they are required, how a cell is cleaned, and the help
text and drop-down choices of its template.

Decisions (the importer in importer.py follows them; the tests check them):

Persons
- A person is identified by the ID number alone (15 digits are upgraded to
  18): the same number twice in the registry is one person. Birth date and
  sex come from the number, as in the form.
- A row's person who is not in the registry is registered with the row's
  name, village, address, phone, bank and account (登记人员, audited each).
- A person already in the registry is used as is: an import of a roster or
  ledger never changes the registry. If the row's name differs from the
  registry's, the row is a problem (one of the two is a typo); only the
  `persons` KIND with on_duplicate=update corrects registry fields (through
  update_person; a blank cell leaves the field as it is).
- The village written on a row is used for a new person and a new household;
  an existing person keeps the registry's village.
- A village is found by its name, then by the name with 村 / 社区 added or
  村委会 / 居委会 shortened, then through a merge (a ledger older than the
  merge names the old village; its records went to the village it was
  merged into). Anything else is an unknown village: listed in the result
  and a problem on every row naming it, unless create_villages is set, in
  which case it is added (add_village, audited) before the rows.

Duplicates
- Within the file, the same key twice is a problem on the later row naming
  the earlier one, whatever on_duplicate says: only the clerk knows which
  row is right. Keys: persons, person programmes, tupifang, deaths: the ID
  number; household programmes: any person (head or member) of the file;
  relief: ID number + 救助类型 + 审批日期; cards: ID number + 证件类型 + 办理日期.
- Against the registry, on_duplicate decides: refuse (a problem), skip
  (counted, nothing done), update (through the update services, audited;
  a row that changes nothing is counted as skipped). What "already there"
  means: persons: the ID number is registered; programmes: the person (for
  household programmes, the head's household) is 在保 in the programme (a
  stopped enrollment is history: a new one is made); relief: a case of the
  person with the same type and approval date that is not 作废; tupifang: a
  survey of the person; deaths: a death registered for the person; cards: a
  card of the same type issued to the person on the same date.
- Updates of an enrollment change it from the month of the import (past
  months were paid under the old amount and stay as they were), through
  change_amount, and its account through change_bank_account. A death
  cannot be changed by an import: a different date is a problem.

Programmes
- One row per recipient (person programmes) or per household (household
  programmes). Enrollment goes through the same checks as the form: no
  enrollment for the dead, none twice, not 低保 and 特困 at once, the
  amount from the standards, and an amount that differs from the standard
  needs 金额说明 (the reason), exactly as the form's 原因. A blank amount
  takes the standard's.
- 开始月份 is optional: blank means the month of the import (the history
  before it stays in the old ledger). 高龄津贴's age band is never read from
  the file: it comes from the ID number at the start month.
- Household programmes: the common layout 户主姓名 / 身份证号 / 保障人数 /
  金额 / 村 is one row per household; the head's household is used if the
  registry has one, else a household of the head is created (城镇 for 城市低保,
  农村 otherwise; 社区 villages are 城镇 for 低保边缘). Old rosters list only
  the head: a household whose file rows are the head alone is enrolled with
  the sheet's 保障人数 even above its registered members (enroll's
  members_pending; the data check 保障人数多于登记的家庭成员 lists it until
  the members are entered). Where the file lists members, 保障人数 may not
  exceed them. With a 与户主关系 column every row is a person: a 户主 row starts a
  household and carries its amount; the rows after it (or the rows whose
  户主身份证号 names it) are its members, registered if new and added to the
  household (add_member). A 与户主关系 column left blank on every row is the
  common layout (a template has the column); once some rows fill it, a blank
  relation is a problem, not a guess. A blank 保障人数 means every member.
  A refused member is named on its own row (the household is first created
  with all its members at once, then, if the service refuses, one by one).
- A bank account on a programme row goes to the enrollment when the person
  is already registered with another account, else it is the new person's
  own account.

Ledgers
- relief: 救助类别 may be left out: a 救助类型 containing 医疗 is 医疗救助,
  otherwise 临时救助. The target group (五保户 / 低保户 / …) is derived by the
  service, never read from the file.
- tupifang: the family type written is used only where the registry does not
  know it (the service derives it from the enrollments).
- deaths: registering a death stops the person's enrollments (the service);
  a person not in the registry is registered first (funeral records cover
  every resident who died, not only recipients).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from ..errors import ValidationError
from ..services.amounts import (CANJI_CATEGORIES, CARE_LEVELS, DIBAO_CLASSES, TEKUN_CATEGORIES,
                                YOUFU_CATEGORIES)
from ..services.households import RELATIONS
from ..services.ledgers import (CARD_TYPES, CASE_TYPES, FAMILY_TYPES, INTENTIONS, PROGRESS,
                                RELIEF_KINDS)
from . import cells
from .cells import CellError

# As the enrollment form offers them (ui/forms/enrollment_form.py).
YOUFU_CAUSES = ("因战", "因公", "因病")
DISABILITY_TYPES = ("肢体", "视力", "听力", "言语", "智力", "精神", "多重")
CANJI_GRADES = ("一级", "二级", "三级", "四级")

_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9, "十": 10}


@dataclass(frozen=True)
class Field:
    """One column of a KIND."""

    key: str                      # the importer's name for it
    title: str                    # the template's header
    variants: tuple[str, ...] = ()  # other headers meaning the same, best first
    parse: Callable[[Any], Any] = cells.text  # raises CellError with the reason
    required: bool = False
    help: str = ""                # the note on the template's header cell
    choices: tuple[str, ...] = ()  # the template's drop-down
    strict: bool = True           # the drop-down refuses values not in it
    text: bool = False            # written as text (IDs, accounts)
    width: int = 12

    @property
    def headers(self) -> tuple[str, ...]:
        return (self.title, *self.variants)


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    shape: str  # persons / person_programme / household_programme / ledger
    fields: tuple[Field, ...]
    about: str  # the template's first line of help

    def field(self, key: str) -> Field | None:
        for f in self.fields:
            if f.key == key:
                return f
        return None

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields)

    def known_headers(self) -> list[str]:
        return [h for f in self.fields for h in f.headers]


# --- cell parsers that need more than cells.py ------------------------------------


def _choice(options, aliases=None) -> Callable[[Any], str]:
    aliases = dict(aliases or {})

    def parse(value) -> str:
        return cells.choice(value, options, aliases)
    return parse


def _positive(value) -> int:
    number = cells.integer(value)
    if number < 1:
        raise CellError("应为不小于1的整数")
    return number


def _grade(highest: int) -> Callable[[Any], int]:
    """1..highest from 6, 6.0, '6级', '六级', '一级'."""
    def parse(value) -> int:
        text = cells.text(value).replace("级", "").replace("等", "").strip()
        number = _CN_DIGITS.get(text)
        if number is None:
            try:
                number = cells.integer(text)
            except CellError:
                raise CellError(f"等级应为1到{highest}级") from None
        if not 1 <= number <= highest:
            raise CellError(f"等级应为1到{highest}级")
        return number
    return parse


_CLASS_ALIASES = {"老年": "老年人", "老人": "老年人", "残疾": "重残", "重度残疾": "重残",
                  "重残人员": "重残", "重病患者": "重病", "大病": "重病", "未成年人": "未成年",
                  "儿童": "未成年"}
_CLASS_ITEM = re.compile(r"^(\D+?)(\d+)?人?$")


def dibao_classes(value) -> dict[str, int]:
    """分类施保 as the form keeps it: '重残1、老年人2' → {'重残': 1, '老年人': 2}."""
    text = cells.text(value)
    out: dict[str, int] = {}
    for item in re.split(r"[、,，;；/\s]+", text):
        if not item:
            continue
        m = _CLASS_ITEM.match(item)
        name = m and _CLASS_ALIASES.get(m[1], m[1])
        if not m or name not in DIBAO_CLASSES:
            raise CellError(f"分类施保应为{'、'.join(DIBAO_CLASSES)}，可带人数，如“重残1、老年人2”")
        out[name] = out.get(name, 0) + int(m[2] or 1)
    return out


_CREMATION = {"火化": True, "已火化": True, "土葬": False, "未火化": False, "遗体捐献": False}


def cremated(value) -> bool:
    key = cells.header_key(value)
    if key in _CREMATION:
        return _CREMATION[key]
    try:
        return cells.yes_no(value)
    except CellError:
        raise CellError("应填“是”或“否”（或“火化”“土葬”）") from None


def name(value) -> str:
    text = cells.name(value)
    if not text:
        raise CellError("姓名为空")
    return text


# --- the columns ---------------------------------------------------------------------

NAME = Field("name", "姓名", ("户主姓名", "户主", "申请人姓名", "保障对象姓名", "对象姓名", "救助对象",
                             "救助对象姓名", "老人姓名", "持证人姓名", "持证人", "死者姓名", "逝者姓名",
                             "户主(申请人)姓名", "名字"),
             name, required=True, help="姓名，两个字的名字中间不要加空格。", width=10)
ID_NUMBER = Field("id_number", "身份证号", ("身份证号码", "公民身份号码", "公民身份证号码", "身份证",
                                          "身份号码", "证件号码", "身份证号(18位)", "户主身份证号",
                                          "户主身份证号码", "申请人身份证号"),
                  cells.id_number, required=True, text=True, width=21,
                  help="18位居民身份证号码（15位旧号码会自动升为18位）。本列已设为文本格式；"
                       "不要把身份证号存成数字，Excel会把末几位变成0且无法恢复。")
VILLAGE = Field("village", "村(社区)", ("村", "村社区", "村(居)", "村居", "所在村", "所属村", "村名",
                                       "社区", "村(社区)名称", "所在村(社区)", "村委会", "村组", "所在村组",
                                       "所属村组", "村(组)"),
                help="本乡镇的村或社区名称，须与“设置”中的名称一致；合并前的旧村名也可以，"
                     "带组名（如 长丰村3组）也可以。不认识的名称会被列出，可选择导入时新建。", width=10)
ADDRESS = Field("address", "住址", ("家庭住址", "地址", "居住地址", "现住址", "家庭地址", "户籍地址"),
                help="家庭住址（可空）。", width=20)
PHONE = Field("phone", "联系电话", ("电话", "手机", "手机号", "手机号码", "联系方式", "电话号码"),
              text=True, help="联系电话（可空）。", width=14)
BANK_NAME = Field("bank_name", "开户银行", ("开户行", "银行", "银行名称", "代发银行", "开户银行名称"),
                  help="开户银行名称（可空），如 农村商业银行。", width=12)
BANK_ACCOUNT = Field("bank_account", "银行账号", ("账号", "帐号", "银行卡号", "卡号", "存折号", "存折账号",
                                              "社保卡号", "一卡通账号", "惠农卡号", "银行帐号", "收款账号"),
                     cells.bank_account, text=True, width=24,
                     help="12—30位数字，本列已设为文本格式；不要存成数字（末几位会丢失）。")
NOTE = Field("note", "备注", ("说明",), help="备注（可空）。", width=16)

START_MONTH = Field("start_month", "开始月份", ("纳入月份", "纳入时间", "起始月份", "享受起始月份", "起始年月", "开始年月", "纳入年月", "享受年月",
                                              "开始享受时间", "保障起始月份", "开始发放月份", "起始时间",
                                              "批准时间", "审批时间", "享受时间"),
                    cells.month, width=10,
                    help="开始保障的月份，如 2022-01、2022年1月、2022.01、202201。"
                         "不填则为导入当月。")
AMOUNT = Field("amount", "金额", ("月金额", "月保障金", "月保障金额", "保障金额", "保障金", "月发放金额",
                                 "发放金额", "补贴金额", "月补贴金额", "金额(元)", "月金额(元)", "每月金额",
                                 "津贴金额", "供养金额", "应发金额", "实发金额", "救助金"),
               cells.money, width=10,
               help="每月金额（元），可带两位小数。不填则按保障标准计算；"
                    "与标准不一致时必须填写“金额说明”。")
AMOUNT_REASON = Field("amount_reason", "金额说明", ("金额调整原因", "调整原因", "核定说明", "金额原因",
                                                 "核定原因"),
                      help="金额与按标准计算的金额不一致时必填，写明原因（与录入界面的“原因”相同）。",
                      width=18)
PERSON_FIELDS = (NAME, ID_NUMBER, VILLAGE)

RELATION_ALIASES = {
    "本人": "户主", "妻": "配偶", "妻子": "配偶", "夫": "配偶", "丈夫": "配偶", "老伴": "配偶",
    "子": "子女", "女": "子女", "儿子": "子女", "女儿": "子女", "长子": "子女", "次子": "子女",
    "三子": "子女", "长女": "子女", "次女": "子女", "三女": "子女", "养子": "子女", "养女": "子女",
    "父": "父母", "母": "父母", "父亲": "父母", "母亲": "父母",
    "孙子": "孙子女", "孙女": "孙子女", "外孙": "孙子女", "外孙子": "孙子女", "外孙女": "孙子女",
    "兄": "兄弟姐妹", "弟": "兄弟姐妹", "姐": "兄弟姐妹", "妹": "兄弟姐妹", "哥哥": "兄弟姐妹",
    "弟弟": "兄弟姐妹", "姐姐": "兄弟姐妹", "妹妹": "兄弟姐妹", "儿媳妇": "儿媳",
    "祖父": "祖父母", "祖母": "祖父母", "外祖父": "祖父母", "外祖母": "祖父母",
}
RELATION = Field("relation", "与户主关系", ("关系", "家庭关系", "与申请人关系", "成员关系"),
                 _choice(RELATIONS, RELATION_ALIASES), choices=RELATIONS, width=10,
                 help="有这一列时每行是一个人：“户主”一行开始一户并填写金额、保障人数；"
                      "其后各行（或“户主身份证号”指向该户主的行）是该户成员。")
HEAD_ID = Field("head_id_number", "户主身份证号", ("户主身份证号码",), cells.id_number, text=True,
                width=21, help="成员行可填写所属户主的身份证号；不填则属于上面最近的户主行。")
COVERED = Field("covered_persons", "保障人数", ("享受人数", "保障人口", "保障人口数", "救助人数", "人数",
                                             "家庭保障人数", "享受人口"),
                _positive, width=8,
                help="本户纳入保障的人数；不填则为全部成员。只列户主的旧花名册可填实际保障人数，"
                     "导入后请补录家庭成员；本表列出成员时不能超过所列成员数。")
INCOME = Field("per_capita_income", "家庭人均收入", ("人均收入", "月人均收入", "家庭月人均收入",
                                                  "家庭人均月收入", "人均月收入"),
               cells.money, width=10, help="家庭月人均收入（元），用于按标准计算金额；不填按0计。")
CLASSES = Field("classes", "分类施保", ("分类施保类别", "重点保障对象", "分类施保对象"),
                dibao_classes, width=14,
                help=f"可填 {'、'.join(DIBAO_CLASSES)}，带人数，如“重残1、老年人2”；没有则不填。")


def _household_fields(with_amount: bool) -> tuple[Field, ...]:
    amount = (AMOUNT, AMOUNT_REASON, INCOME, CLASSES) if with_amount else (INCOME,)
    return (NAME, ID_NUMBER, VILLAGE, COVERED, *amount, START_MONTH, RELATION, HEAD_ID,
            BANK_ACCOUNT if with_amount else None, ADDRESS, PHONE)


def _clean(fields) -> tuple[Field, ...]:
    return tuple(f for f in fields if f is not None)


TEKUN_FIELDS = (
    Field("category", "供养方式", ("供养形式", "供养类别", "供养类型"),
          _choice(TEKUN_CATEGORIES, {"分散": "散居", "分散供养": "散居", "散居供养": "散居",
                                     "集中供养": "集中", "机构供养": "集中"}),
          required=True, choices=TEKUN_CATEGORIES, width=8, help="散居 或 集中。"),
    Field("care_level", "自理能力", ("生活自理能力", "自理情况", "失能等级", "护理等级"),
          _choice(CARE_LEVELS, {"自理": "全自理", "生活自理": "全自理", "完全自理": "全自理",
                                "部分失能": "半失能", "半自理": "半失能", "部分自理": "半失能",
                                "完全失能": "全失能", "不能自理": "全失能", "失能": "全失能",
                                "生活不能自理": "全失能"}),
          choices=CARE_LEVELS, width=8, help="全自理、半失能 或 全失能；不填为全自理。"),
    Field("institution", "供养机构", ("敬老院", "供养机构名称", "集中供养机构"), width=14,
          help="集中供养的机构名称，如 区敬老养老中心、镇敬老院。"),
)
YOUFU_FIELDS = (
    Field("category", "优抚类别", ("优抚对象类别", "类别", "对象类别", "人员类别"),
          _choice(YOUFU_CATEGORIES, {"残疾军人": "伤残军人", "伤残": "伤残军人", "复员": "复员军人",
                                     "带病回乡退伍军人": "带病回乡", "参战": "参战参试",
                                     "参战参试人员": "参战参试", "参核": "参战参试", "参试": "参战参试",
                                     "烈士遗属": "烈属", "烈士家属": "烈属", "因公牺牲军人遗属": "因公牺牲遗属",
                                     "病故军人遗属": "病故遗属", "退役士兵": "农村籍退役士兵",
                                     "农村籍退役士兵(60周岁以上)": "农村籍退役士兵"}),
          required=True, choices=YOUFU_CATEGORIES, width=12, help=f"{'、'.join(YOUFU_CATEGORIES)}。"),
    Field("disability_grade", "伤残等级", ("残疾等级", "等级"), _grade(10), width=8,
          help="伤残军人填1—10级（如 6 或 六级）；其他类别不填。"),
    Field("disability_cause", "伤残性质", ("致残原因", "伤残原因"), _choice(YOUFU_CAUSES),
          choices=YOUFU_CAUSES, width=8, help="因战、因公 或 因病；伤残军人填写。"),
)
GAOLING_FIELDS = (
    Field("survival_check", "生存认证日期", ("认证日期", "生存认证时间", "最近认证日期", "生存认证"),
          cells.date, width=12, help="最近一次生存认证的日期，如 2022-01-05（可空）。年龄段由身份证号计算，不必填写。"),
)
CANJI_FIELDS = (
    Field("category", "补贴类别", ("补贴类型", "享受类别", "补贴项目"),
          _choice(CANJI_CATEGORIES, {"两项补贴": "生活补贴+护理补贴", "两项": "生活补贴+护理补贴",
                                     "生活补贴和护理补贴": "生活补贴+护理补贴",
                                     "生活补贴、护理补贴": "生活补贴+护理补贴",
                                     "困难残疾人生活补贴": "生活补贴", "重度残疾人护理补贴": "护理补贴"}),
          required=True, choices=CANJI_CATEGORIES, width=14, help="生活补贴、护理补贴 或 生活补贴+护理补贴。"),
    Field("disability_type", "残疾类别", ("残疾类型", "残疾种类"),
          _choice(DISABILITY_TYPES, {f"{t}残疾": t for t in DISABILITY_TYPES}),
          choices=DISABILITY_TYPES, width=8, help=f"{'、'.join(DISABILITY_TYPES)}。"),
    Field("disability_grade", "残疾等级", ("残疾级别", "等级"), _grade(4), choices=CANJI_GRADES,
          width=8, help="一级—四级（也可写 1—4）。"),
)
PERSON_PROGRAMME_TAIL = (START_MONTH, AMOUNT, AMOUNT_REASON, BANK_ACCOUNT, ADDRESS, PHONE)

PERSONS_FIELDS = (NAME, ID_NUMBER, VILLAGE, ADDRESS, PHONE, BANK_NAME, BANK_ACCOUNT,
                  Field("tags", "标签", ("人员标签", "特殊标识", "人员类别标签"), width=14,
                        help="可空；多个标签用顿号或逗号分开，如 在校学生、重症精神病。"),
                  NOTE)

_DATE_HELP = "日期，如 2022-01-05、2022年1月5日、2022.1.5 或 20220105。"

RELIEF_FIELDS = (
    NAME, ID_NUMBER, VILLAGE,
    Field("kind", "救助类别", ("救助种类", "救助方式"), _choice(RELIEF_KINDS), choices=RELIEF_KINDS,
          width=10, help="临时救助 或 医疗救助；不填则按救助类型判断（含“医疗”为医疗救助）。"),
    Field("case_type", "救助类型", ("救助项目", "类型", "救助事由类别"), cells.text,
          required=True, choices=CASE_TYPES, strict=False, width=14,
          help=f"如 {'、'.join(CASE_TYPES)}（也可填写其他类型）。"),
    Field("amount", "救助金额", ("金额", "金额(元)", "救助金额(元)", "发放金额", "救助金"), cells.money,
          required=True, width=10, help="救助金额（元）。"),
    Field("approved_date", "审批日期", ("批准日期", "审批时间", "救助日期", "审批通过日期"), cells.date,
          required=True, width=12, help="审批日期，" + _DATE_HELP),
    Field("paid_date", "发放日期", ("发放时间", "支付日期"), cells.date, width=12,
          help="发放日期（可空），" + _DATE_HELP),
    NOTE,
)
TUPIFANG_FIELDS = (
    NAME, ID_NUMBER, VILLAGE,
    Field("persons", "家庭人数", ("人口数", "家庭人口", "户籍人口", "人数", "家庭人口数"), _positive,
          required=True, width=8, help="家庭人口数。"),
    Field("intention", "改造意愿", ("改造方式", "意愿"), _choice(INTENTIONS, {"原址": "原址重建",
                                                                         "异地": "异地重建",
                                                                         "不愿改造": "不愿意改造"}),
          required=True, choices=INTENTIONS, width=10, help=f"{'、'.join(INTENTIONS)}。"),
    Field("family_type", "家庭类型", ("户类型", "家庭类别", "对象类别"),
          _choice(FAMILY_TYPES, {"低保户": "农村低保", "五保户": "散居五保", "分散供养特困人员": "散居五保",
                                 "边缘户": "低保边缘户", "低保边缘家庭": "低保边缘户", "一般户": "一般群众",
                                 "一般农户": "一般群众"}),
          choices=FAMILY_TYPES, width=10,
          help="登记系统已知的（低保、散居五保、低保边缘）以系统为准；其余按此列，不填为一般群众。"),
    Field("pilot", "是否试点村", ("试点村", "试点"), cells.yes_no, choices=("是", "否"), width=8,
          help="是 或 否；不填为否。"),
    Field("progress", "改造进度", ("进度", "拆除情况", "改造情况"),
          _choice(PROGRESS, {"未拆": "未拆除", "已拆": "已拆除", "已建": "已建成", "建成": "已建成",
                             "竣工": "已建成", "已竣工": "已建成"}),
          choices=PROGRESS, width=8, help="未拆除、已拆除 或 已建成；不填为未拆除。"),
    Field("compensation", "拆迁补偿费", ("补偿费", "拆迁补偿", "拆迁补偿费(元)"), cells.money, width=10,
          help="拆迁补偿费（元），可空。"),
    Field("transition_fee", "过渡安置费", ("安置费", "过渡费", "过渡安置费(元)"), cells.money, width=10,
          help="过渡安置费（元），可空。"),
    Field("survey_date", "调查日期", ("登记日期", "摸底日期", "摸排日期"), cells.date, required=True,
          width=12, help="调查（登记）日期，" + _DATE_HELP),
    NOTE,
)
DEATHS_FIELDS = (
    NAME, ID_NUMBER, VILLAGE,
    Field("death_date", "死亡日期", ("死亡时间", "去世日期", "去世时间", "死亡日期(年月日)"), cells.date,
          required=True, width=12, help="死亡日期，" + _DATE_HELP + "登记后该人员的保障自次月起停止。"),
    Field("cremated", "是否火化", ("火化", "火化情况", "殡葬方式", "火化/土葬"), cremated,
          choices=("是", "否"), width=8, help="是（火化）或 否（土葬）；不填为是。"),
    Field("funeral_home", "殡仪馆", ("火化地点", "殡仪馆名称", "火化单位"), width=14, help="殡仪馆（可空）。"),
    NOTE,
)
CARDS_FIELDS = (
    NAME, ID_NUMBER, VILLAGE,
    Field("card_type", "证件类型", ("证件名称", "办证类型", "证件类别"),
          _choice(CARD_TYPES, {"优待证": "老年优待证", "老年人优待证": "老年优待证", "乘车证": "免费乘车证",
                               "老年人免费乘车证": "免费乘车证", "公交卡": "免费乘车证"}),
          required=True, choices=CARD_TYPES, width=12, help="老年优待证 或 免费乘车证。"),
    Field("number", "证件编号", ("证号", "编号", "卡号", "证件号"), text=True, width=14, help="证件编号（可空）。"),
    Field("issued_date", "办理日期", ("发证日期", "办证日期", "发放日期", "办理时间"), cells.date,
          required=True, width=12, help="办理日期，" + _DATE_HELP),
)


def _programme(code, label, fields, about) -> Kind:
    return Kind(code, label, "person_programme", (*PERSON_FIELDS, *fields, *PERSON_PROGRAMME_TAIL), about)


KINDS: dict[str, Kind] = {k.code: k for k in (
    Kind("persons", "人员档案", "persons", PERSONS_FIELDS,
         "人员档案：每行一人。同一身份证号只能登记一次。"),
    Kind("dibao_urban", "城市低保", "household_programme", _clean(_household_fields(True)),
         "城市最低生活保障：每户一行（户主），或加“与户主关系”列每人一行。"),
    Kind("dibao_rural", "农村低保", "household_programme", _clean(_household_fields(True)),
         "农村最低生活保障：每户一行（户主），或加“与户主关系”列每人一行。"),
    _programme("tekun", "特困供养", TEKUN_FIELDS, "特困人员供养（五保）：每人一行。"),
    _programme("youfu", "优抚", YOUFU_FIELDS, "重点优抚对象：每人一行。"),
    _programme("gaoling", "高龄津贴", GAOLING_FIELDS, "高龄津贴：每人一行，年满80周岁（按身份证号计算）。"),
    _programme("canji", "残疾人两项补贴", CANJI_FIELDS, "残疾人两项补贴：每人一行。"),
    Kind("bianyuan", "低保边缘家庭", "household_programme", _clean(_household_fields(False)),
         "低保边缘家庭（只登记，不按月发放）：每户一行，或加“与户主关系”列每人一行。"),
    Kind("relief", "临时救助/医疗救助", "ledger", RELIEF_FIELDS, "临时救助、医疗救助台账：每次救助一行。"),
    Kind("tupifang", "土坯房改造", "ledger", TUPIFANG_FIELDS, "土坯房（农村危房）改造台账：每户一行（户主）。"),
    Kind("deaths", "死亡登记", "ledger", DEATHS_FIELDS, "殡葬（死亡登记）：每人一行。"),
    Kind("cards", "老年证件", "ledger", CARDS_FIELDS, "老年优待证、免费乘车证办理台账：每证一行。"),
)}

# Names a clerk may type instead of a code (the programme names as cli_payments takes them).
ALIASES = {
    "人员": "persons", "人员档案": "persons", "城市低保": "dibao_urban", "农村低保": "dibao_rural",
    "特困": "tekun", "特困供养": "tekun", "五保": "tekun", "优抚": "youfu", "高龄": "gaoling",
    "高龄津贴": "gaoling", "残疾人补贴": "canji", "残疾人两项补贴": "canji", "低保边缘": "bianyuan",
    "低保边缘家庭": "bianyuan", "救助": "relief", "临时救助": "relief", "医疗救助": "relief",
    "土坯房": "tupifang", "危房改造": "tupifang", "死亡": "deaths", "殡葬": "deaths",
    "死亡登记": "deaths", "证件": "cards", "老年证": "cards", "优待证": "cards",
}


def get_kind(code: str) -> Kind:
    """The KIND for a code (or a Chinese name for it), or a ValidationError listing them."""
    text = (code or "").strip()
    kind = KINDS.get(ALIASES.get(text, text))
    if kind is None:
        raise ValidationError(f"没有“{text}”这种导入类型（可用：{'、'.join(KINDS)}）")
    return kind
