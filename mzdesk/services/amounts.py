"""Standards lookup and the monthly amount each programme suggests.

How `Enrollment.category` and `details` are read, per programme:

- dibao_urban / dibao_rural: category unused; details['classes'] maps a
  分类施保 class to the number of covered members in it ({'重残': 1});
  amount = (standard − per-capita income) × covered + Σ addition × n,
  the addition being the standard of category '分类施保:<class>'.
- tekun: category 散居 / 集中; details['care_level'] 全自理 / 半失能 / 全失能;
  amount = standard(category) + standard('护理:<care_level>').
- youfu: category 伤残军人 / 复员军人 / 带病回乡 / 参战参试 / 烈属 /
  因公牺牲遗属 / 病故遗属 / 农村籍退役士兵; 伤残军人 uses
  '伤残军人:<grade>级' with details['disability_grade'].
- gaoling: category is the age band 80-89 / 90-99 / 100+.
- canji: category 生活补贴, 护理补贴 or 生活补贴+护理补贴 (the sum).
- bianyuan: registry only, amount 0.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..errors import ValidationError
from ..models import Standard

ZERO = Decimal("0.00")
DIBAO = ("dibao_urban", "dibao_rural")
YOUFU_CATEGORIES = ("伤残军人", "复员军人", "带病回乡", "参战参试", "烈属", "因公牺牲遗属", "病故遗属", "农村籍退役士兵")
TEKUN_CATEGORIES = ("散居", "集中")
CARE_LEVELS = ("全自理", "半失能", "全失能")
GAOLING_BANDS = ("80-89", "90-99", "100+")
CANJI_CATEGORIES = ("生活补贴", "护理补贴", "生活补贴+护理补贴")
DIBAO_CLASSES = ("老年人", "重残", "重病", "未成年")


def standard_for(programme: str, category: str, month: str) -> Standard | None:
    """The standard row in force for a month, or None."""
    return (
        Standard.select()
        .where(
            (Standard.programme == programme)
            & (Standard.category == category)
            & (Standard.effective_from <= month)
            & ((Standard.effective_to.is_null()) | (Standard.effective_to >= month))
        )
        .order_by(Standard.effective_from.desc(), Standard.id.desc())
        .first()
    )


def standard_finder():
    """standard_for answered from every standard row, read once: an import asks
    for the same few standards thousands of times, and must not touch the
    database while its rows are being written (importing/sql_writer.py)."""
    rows = list(Standard.select().order_by(Standard.effective_from.desc(), Standard.id.desc()))

    def find(programme: str, category: str, month: str) -> Standard | None:
        for row in rows:   # newest first, as standard_for orders them
            if (row.programme_id == programme and row.category == category and row.effective_from <= month
                    and (row.effective_to is None or row.effective_to >= month)):
                return row
        return None
    return find


def _standard_amount(programme: str, category: str, month: str, *, required: bool = True,
                     find=standard_for) -> Decimal:
    row = find(programme, category, month)
    if row is None:
        if required:
            label = f"“{category}”" if category else ""
            raise ValidationError(f"{month} 没有有效的{label}保障标准，请先在设置中录入标准")
        return ZERO
    return row.amount


def gaoling_band(age: int) -> str | None:
    if age >= 100:
        return "100+"
    if age >= 90:
        return "90-99"
    if age >= 80:
        return "80-89"
    return None


@dataclass(frozen=True)
class Suggestion:
    amount: Decimal
    explanation: str  # how it was computed, shown next to the amount field


def suggest(programme: str, month: str, *, category: str = "", covered_persons: int = 1,
            per_capita_income: Decimal | None = None, details: dict | None = None,
            find=standard_for) -> Suggestion:
    """The amount the standards give for one enrollment in a month.

    find(programme, category, month) → Standard | None looks the standards up;
    an import of thousands of rows passes a memoised standard_for."""
    details = details or {}

    def _amount(programme, category, month, required=True):
        return _standard_amount(programme, category, month, required=required, find=find)

    if programme in DIBAO:
        base = _amount(programme, "", month)
        income = per_capita_income or ZERO
        gap = max(base - income, ZERO)
        total = gap * covered_persons
        parts = [f"（标准{base} − 人均收入{income}）× {covered_persons}人"]
        for cls, n in sorted((details.get("classes") or {}).items()):
            add = _amount(programme, f"分类施保:{cls}", month)
            total += add * int(n)
            parts.append(f"{cls}加发{add} × {n}")
        return Suggestion(total.quantize(ZERO), " + ".join(parts))
    if programme == "tekun":
        if category not in TEKUN_CATEGORIES:
            raise ValidationError("特困供养方式应为“散居”或“集中”")
        base = _amount(programme, category, month)
        level = details.get("care_level") or "全自理"
        care = _amount(programme, f"护理:{level}", month, required=False)
        return Suggestion(base + care, f"{category}基本生活{base} + {level}护理{care}")
    if programme == "youfu":
        if category not in YOUFU_CATEGORIES:
            raise ValidationError("优抚类别不正确")
        key = category
        if category == "伤残军人":
            grade = details.get("disability_grade")
            if not grade:
                raise ValidationError("伤残军人须填写伤残等级（1—10级）")
            key = f"伤残军人:{int(grade)}级"
        amount = _amount(programme, key, month)
        return Suggestion(amount, f"{key}标准{amount}")
    if programme == "gaoling":
        if category not in GAOLING_BANDS:
            raise ValidationError("高龄津贴年龄段应为 80-89、90-99 或 100+")
        amount = _amount(programme, category, month)
        return Suggestion(amount, f"{category}岁标准{amount}")
    if programme == "canji":
        if category not in CANJI_CATEGORIES:
            raise ValidationError("残疾人补贴类别应为生活补贴、护理补贴或两项")
        total = sum((_amount(programme, part, month) for part in category.split("+")), ZERO)
        return Suggestion(total, f"{category}标准合计{total}")
    if programme == "bianyuan":
        return Suggestion(ZERO, "低保边缘家庭只登记，不按月发放")
    raise ValidationError("未知的救助项目")


def suggest_for(enrollment, month: str) -> Suggestion:
    """Suggestion for an existing enrollment (used by the checks)."""
    return suggest(
        enrollment.programme_id, month,
        category=enrollment.category,
        covered_persons=enrollment.covered_persons,
        per_capita_income=enrollment.per_capita_income,
        details=enrollment.details,
    )
