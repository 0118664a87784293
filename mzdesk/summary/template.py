"""The summary's template: the seed's own sentences with named placeholders.

The half-year summary the office used to type by hand (the seed document)
becomes a template whose every blank is a placeholder filled from
`mzdesk.summary.figures.summary_figures` (see `mzdesk.summary.document` for
the names available).  The sections that carry no figures — the opening,
基层民主, 社区建设, 区划地名, 城乡一体化, 下半年计划 — are *narrative*
blocks the clerk rewrites for each period; they are kept per period in the
Setting table (``summary_narrative:{from}:{to}``) with an audit entry.

The template language, deliberately small (mustache-like):

- ``{dibao_urban.households}``: a value by dotted path (keys may be Chinese:
  ``{youfu.categories.复员军人}``); ``{dibao_paid|wan}`` in 万元 with two
  decimals, ``|yuan`` in 元 with two decimals.
- ``{#one_off}…{/one_off}``: the body once per list item, the item's keys in
  scope, plus ``first``, ``last`` and ``index``; ``{#list|，}`` joins the
  items with "，".  A dict iterates as ``key`` / ``value`` pairs.  Any other
  value renders the body once when it is truthy.
- ``{^one_off}…{/one_off}``: the body when the value is empty, zero or missing.
  A section over a missing value is skipped; a missing ``{value}`` is an
  error (strict) or left as written (lenient).

Each line of a text is one paragraph; a line starting ``一、`` is a heading,
``（一）`` a heading or a run-in heading (see document.classify).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Mapping

from .. import audit
from ..errors import ValidationError
from ..models import Setting, database
from ..money import MoneyError, to_money, wan_str, yuan_str
from ..services.common import month as norm_month

SETTING_PREFIX = "summary_narrative"

# --- the default template -----------------------------------------------------------------
# ("title" | "text" | "narrative", text or narrative key), in document order.

OPENING = ("{period_label}我镇的民政工作在{district_bureau}的关心、指导和镇党委、政府的领导下，"
           "以邓小平理论、“三个代表”重要思想为指导，深入学习实践科学发展观。全面推进城乡一体化救助、"
           "社会事务管理服务、优抚安置服务、养老服务“四个体系”建设，以创新开展民政重难点工作为特色，"
           "以深化干部队伍建设为保障，扎实开展了民政各项工作，现总结如下：")

# The seed pays "低保金及学生补助" in one sum; here 学生补助 is a one-off subsidy listed after it.
DIBAO = ("1.低保工作：目前有城镇低保户{dibao_urban.households}户{dibao_urban.persons}人；"
         "农村低保户{dibao_rural.households}户{dibao_rural.persons}人，并每月按时足额由银行代为发放低保金，"
         "截止{to_label}共计发放{dibao_paid|wan}万元"
         "{#one_off}；{months_label}发放{name}{amount|wan}万元"
         "{#tagged}，其中{key}人员{value}人{/tagged}{/one_off}。")

TEKUN = ("2.五保工作：目前共有五保对象{tekun.persons}人，其中散居五保户{tekun.dispersed}人，"
         "每月按时足额兑现散居五保供养标准共计{tekun.dispersed_paid|wan}万元"
         "{#tekun_one_off}；发放{name}共计{amount|wan}万元{/tekun_one_off}"
         "{#institutions|，}{#first}（{/first}{name}集中居住{n}人{#last}）{/last}{/institutions}。")

RELIEF = ("3.临时困难救济和医疗救助工作：{#relief|，}为{households}{target_phrase}解决{type_phrase}"
          "{amount|wan}万元{/relief}{^relief}本期未发生临时困难救济和医疗救助{/relief}。"
          "切实解决农村困难群众看病难、就医难的问题。")

TUPIFANG = ("4.土坯房普查工作：现农村土坯房共有{tupifang.households}户，{tupifang.persons}人，"
            "改造意愿中选择原址（异地）重建{tupifang.rebuild}户，集中新建{tupifang.intention.集中新建}户，"
            "进城安居{tupifang.intention.进城安居}户，不愿意改造{tupifang.intention.不愿意改造}户；"
            "家庭类型中农村低保{tupifang.family_type.农村低保.households}户"
            "{tupifang.family_type.农村低保.persons}人，散居五保{tupifang.family_type.散居五保.persons}人，"
            "低保边缘户{tupifang.family_type.低保边缘户.households}户"
            "{tupifang.family_type.低保边缘户.persons}人，一般群众{tupifang.family_type.一般群众.households}户"
            "{tupifang.family_type.一般群众.persons}人。"
            "两房改造{#pilot_villages}{pilot_villages}作为试点{/pilot_villages}现已经拆除"
            "{tupifang.demolished}户，发放{compensation_label}{tupifang.fees|wan}万元。")

YOUFU = ("我镇现有重点优抚对象{youfu.persons}人（其中复员军人{youfu.categories.复员军人}人，"
         "带病回乡{youfu.categories.带病回乡}人，伤残军人{youfu.categories.伤残军人}人，"
         "参核参战人员{youfu.categories.参战参试}人，三属对象{youfu.sanshu}人），"
         "年满60周岁的农村籍退伍老兵{youfu.rural_veterans_60}人。严格按照国家规定的对享受国家抚恤补助的"
         "优抚对象及时足额支付抚恤金，落实好抚恤补助标准自然增长机制，截至{to_label}共计发放抚恤金"
         "{youfu.paid|wan}万元。")

FUNERAL = ("2.殡葬工作：及时上报死亡人数和火化人数统计表（{period_label}死亡{deaths.deaths}人，"
           "火化{deaths.cremations}人），进一步加强殡葬法规的宣传，加大殡葬执法力度，"
           "建立农村公益性公墓，强化对公墓的管理力度。")

ELDERLY = ("3.老龄工作：一是落实新办证办法的群众宣传工作，办理《老年优待证》和办理免费乘车证共计"
           "{elderly.cards}个；二是继续加强农村“家庭赡养”工作，添加保障措施；三是为丰富老年人精神文化生活，"
           "开展了{elderly.activities}次老年人文化活动；四是全面认真落实敬老助老政策，"
           "大力营造浓郁的社会尊老、敬老、助老氛围。")

TEMPLATE: tuple[tuple[str, str], ...] = (
    ("title", "{title}"),
    ("narrative", "opening"),
    ("text", "一、{period_label}工作情况"),
    ("text", "（一）救灾救济工作"),
    ("text", DIBAO),
    ("text", TEKUN),
    ("text", RELIEF),
    ("text", TUPIFANG),
    ("text", "（二）优抚工作"),
    ("text", YOUFU),
    ("text", "（三）基层民主政权建设"),
    ("narrative", "democracy"),
    ("narrative", "community"),
    ("text", "（四）社会事务工作"),
    ("narrative", "placenames"),
    ("text", FUNERAL),
    ("text", ELDERLY),
    ("narrative", "integration"),
    ("text", "二、{next_label}工作计划"),
    ("narrative", "plan"),
)

# The narrative blocks: label (for the editor) and default text, in document order.
NARRATIVE_LABELS = {
    "opening": "开头",
    "democracy": "基层民主建设",
    "community": "社区建设",
    "placenames": "区划地名工作",
    "integration": "城乡一体化救助体系工作",
    "plan": "下一阶段工作计划",
}

NARRATIVE_DEFAULTS = {
    "opening": OPENING,
    "democracy": (
        "1.基层民主建设：一是构建新型村级治理机制，全面完成村、组议事会的成立及配套制度的完善；"
        "二是加强村委会和社区居委会规范化建设，提升城乡社区建设水平；三是进一步完善管理制度，推进民主决策、"
        "加强民主管理；四是进一步规范政务公开和村务公开工作"
        "{#indicators.政务公开面}，政务公开面达{indicators.政务公开面}%{/indicators.政务公开面}"
        "{#indicators.规范化率}、规范化率达到{indicators.规范化率}%以上{/indicators.规范化率}。"
        "{#inspection_label}{inspection_label}接受了国家对{district_name}创建村务公开示范单位的检查验收。"
        "{/inspection_label}"),
    "community": (
        "2.社区建设：一是推进农村社区建设，积极开展创建活动；二是推进居民自治，建立健全居民会议或居民代表会议"
        "以及各项规章制度；三是深入开展示范性社区创建活动；四是深化廉政文化进社区、进农村工作，"
        "促进城乡社区和谐发展。"),
    "placenames": (
        "1.区划地名工作：进一步完善村（居）街道、路牌清理统计工作，对全镇地名实行规范命名管理，"
        "完成{township}区划地名大典的编纂。"),
    "integration": (
        "（五）城乡一体化救助体系工作\n"
        "一是加强对低保对象家庭、五保家庭、帮困助学、残疾人等个人详细档案的全面录入微机的工作，"
        "建立了信息管理网络；二是充分发挥“民政工作室”的作用，对社区和村级民政工作站和救助申报点，"
        "实行专人代理责任制。"),
    "plan": (
        "（一）加强民政人员的廉政建设，确保所有经费按时准确发放。通过优化民政部门综合协调机制，推动部门协作。"
        "不断提高民政工作整体效能，积极探索以政府购买服务方式加强基层民政工作力量新途径。\n"
        "（二）不断增强社会救助功能。进一步健全和完善以最低生活保障制度为基础、临时救济为补充、"
        "各项救助制度相配套、覆盖城乡全体居民的社会救助体系，在党和政府致力于提高城乡居民收入水平和消费需求、"
        "全面加强和改善民生的同时，切实保障特殊困难群体的基本生活，进一步保障低收入人群的合法权益、"
        "维护社会稳定。\n"
        "（三）着力抓好“三社”建设，不断夯实社会建设基层基础。以深化社会体制改革加快推进城乡社会建设为契机，"
        "强化社区治理机制，加大社会组织培育力度，加强社工人才队伍建设，深化民政专项社会事务，"
        "深入推进城乡社会建设。\n"
        "（四）加快福利慈善事业发展。确保城乡“三无”、受灾困难群众、流浪乞讨人员等群体得到及时救助。"
        "加强敬老院的规范化管理，进一步提升农村五保集中供养水平。\n"
        "（五）着力提升公共服务效能。深入推进优抚安置工作，推进老龄事业协调发展，强化专项社会事务管理，"
        "使民政服务对象共享共创改革开放和城乡统筹成果，逐步实现民政公共服务人性化、专业化、个性化。"),
}


# --- the template language ----------------------------------------------------------------

_TOKEN = re.compile(r"\{([#^/]?)([^{}|\s]+)(?:\|([^{}]*))?\}")
_FILTERS = ("wan", "yuan")


@dataclass
class _Var:
    path: str
    filter: str
    source: str


@dataclass
class _Section:
    path: str
    inverted: bool
    sep: str
    source: str = ""  # the whole section as written, for lenient rendering
    children: list = field(default_factory=list)


class _Missing(Exception):
    def __init__(self, path: str):
        super().__init__(path)
        self.path = path


def parse(text: str) -> list:
    """The template as a tree of str / _Var / _Section; ValidationError when unbalanced."""
    root: list = []
    stack: list[tuple[_Section, int]] = []
    current, pos = root, 0
    for m in _TOKEN.finditer(text):
        if m.start() > pos:
            current.append(text[pos:m.start()])
        pos = m.end()
        kind, path, arg = m.group(1), m.group(2), m.group(3)
        if kind in ("#", "^"):
            section = _Section(path, kind == "^", arg or "")
            current.append(section)
            stack.append((section, m.start()))
            current = section.children
        elif kind == "/":
            if not stack or stack[-1][0].path != path:
                raise ValidationError(f"模板中的“{{/{path}}}”没有对应的开始标记")
            section, start = stack.pop()
            section.source = text[start:m.end()]
            current = stack[-1][0].children if stack else root
        else:
            current.append(_Var(path, arg or "", m.group(0)))
    if stack:
        raise ValidationError(f"模板中的“{{#{stack[-1][0].path}}}”没有对应的结束标记“{{/{stack[-1][0].path}}}”")
    if pos < len(text):
        current.append(text[pos:])
    return root


def render(text: str, context: Mapping, *, strict: bool = True) -> str:
    """`text` with its placeholders filled from `context`.

    strict: a placeholder without data is a ValidationError (the built-in
    template); otherwise it is left as written, so a typo in a narrative the
    clerk edited shows in the document instead of vanishing.
    """
    try:
        tree = parse(text)
    except ValidationError:
        if strict:
            raise
        return text
    return _render_nodes(tree, [context], strict)


def _render_nodes(nodes: list, scopes: list, strict: bool) -> str:
    out: list[str] = []
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
            continue
        try:
            out.append(_render_node(node, scopes, strict))
        except _Missing as missing:
            if strict:
                raise ValidationError(f"模板中的占位符“{{{missing.path}}}”没有对应的数据") from None
            out.append(node.source)
    return "".join(out)


def _render_node(node, scopes: list, strict: bool) -> str:
    if isinstance(node, _Var):
        return _format(_lookup(node.path, scopes), node.filter, node.path)
    # A section over a missing value is skipped (an indicator not recorded this period).
    value = _lookup(node.path, scopes, missing_ok=True)
    if node.inverted:
        return "" if _truthy(value) else _render_nodes(node.children, scopes, strict)
    if not _truthy(value):
        return ""
    if isinstance(value, Mapping):
        value = [{"key": k, "value": v} for k, v in value.items()]
    if isinstance(value, (list, tuple)):
        parts = []
        for i, item in enumerate(value):
            scope = dict(item) if isinstance(item, Mapping) else {"value": item}
            scope.update(first=i == 0, last=i == len(value) - 1, index=i + 1)
            parts.append(_render_nodes(node.children, scopes + [scope], strict))
        return node.sep.join(parts)
    return _render_nodes(node.children, scopes, strict)


def _lookup(path: str, scopes: list, missing_ok: bool = False):
    head, *rest = path.split(".")
    for scope in reversed(scopes):
        if isinstance(scope, Mapping) and head in scope:
            value = scope[head]
            break
    else:
        if missing_ok:
            return None
        raise _Missing(path)
    for key in rest:
        if isinstance(value, Mapping) and key in value:
            value = value[key]
        elif missing_ok:
            return None
        else:
            raise _Missing(path)
    return value


def _truthy(value) -> bool:
    """Empty, zero and "0.00" are false: a section over them is left out."""
    if isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?", value):
        return Decimal(value) != 0
    if isinstance(value, Decimal):
        return value != 0
    return bool(value)


def _format(value, filter_name: str, path: str) -> str:
    if filter_name and filter_name not in _FILTERS:
        raise ValidationError(f"模板中的“{{{path}|{filter_name}}}”：未知的格式，可用 wan（万元）或 yuan（元）")
    if value is None or isinstance(value, (Mapping, list, tuple)):
        raise _Missing(path)
    if filter_name:
        try:
            amount = to_money(value)
        except MoneyError:
            raise ValidationError(f"模板中的“{{{path}}}”不是金额") from None
        return wan_str(amount) if filter_name == "wan" else yuan_str(amount)
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


# --- the narrative, kept per period -------------------------------------------------------

def period(period_from, period_to) -> tuple[str, str]:
    """The period as two normalised months; ValidationError when reversed."""
    start, end = norm_month(period_from), norm_month(period_to)
    if start > end:
        raise ValidationError("起始月份不能晚于截止月份")
    return start, end


def setting_key(period_from, period_to) -> str:
    start, end = period(period_from, period_to)
    return f"{SETTING_PREFIX}:{start}:{end}"


def default_narrative() -> dict[str, str]:
    return dict(NARRATIVE_DEFAULTS)


def _saved(key: str) -> dict[str, str]:
    row = Setting.get_or_none(Setting.key == key)
    if row is None or not row.value:
        return {}
    try:
        data = json.loads(row.value)
    except ValueError:
        return {}
    return {k: v for k, v in data.items() if k in NARRATIVE_DEFAULTS and isinstance(v, str)}


def load_narrative(period_from, period_to) -> dict[str, str]:
    """Every narrative block of the period: the text saved for it, else the default."""
    saved = _saved(setting_key(period_from, period_to))
    return {key: saved.get(key, text) for key, text in NARRATIVE_DEFAULTS.items()}


def _clean(text) -> str:
    if not isinstance(text, str):
        raise ValidationError("总结段落的内容应为文字")
    lines = (line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


def save_narrative(period_from, period_to, blocks: Mapping[str, str]) -> dict[str, str]:
    """Keep the narrative blocks the clerk wrote for this period (with an audit entry).

    Only the blocks given change; a block equal to its default is not stored
    (it follows the template); an empty block is kept empty (the section is
    left out of the document).  Returns the period's whole narrative.
    """
    key = setting_key(period_from, period_to)
    unknown = [name for name in blocks if name not in NARRATIVE_DEFAULTS]
    if unknown:
        raise ValidationError(f"未知的总结段落：{'、'.join(unknown)}")
    cleaned = {name: _clean(text) for name, text in blocks.items()}
    for name, text in cleaned.items():
        try:
            parse(text)
        except ValidationError as exc:
            raise ValidationError(f"“{NARRATIVE_LABELS[name]}”段落：{exc}") from None
    with database.atomic():
        before = _saved(key)
        after = dict(before)
        for name, text in cleaned.items():
            if text == _clean(NARRATIVE_DEFAULTS[name]):
                after.pop(name, None)
            else:
                after[name] = text
        if after != before:
            Setting.insert(key=key, value=json.dumps(after, ensure_ascii=False)).on_conflict_replace().execute()
            audit.record("修改工作总结", "setting", key, before=before or None, after=after,
                         summary=f"{key.split(':', 1)[1].replace(':', '至')}的总结文字")
    return load_narrative(period_from, period_to)
