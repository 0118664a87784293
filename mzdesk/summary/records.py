"""The records behind each figure of the summary (the 统计报表 tab opens them).

`figure_records(key, from, to)` returns (table, ids): the table's name and
the ids of its rows that make the figure, found by the same selection that
counted or summed them.  Keys are the figure's path in the summary JSON,
joined by dots; a name inside the path (subsidy, institution, case type …)
is written as it appears in the JSON:

  dibao_urban.households, dibao_urban.persons      enrollment (the households)
  dibao_rural.households, dibao_rural.persons      enrollment
  dibao_paid                                       batch (regular, 补发, 扣回)
  one_off.<name>.recipients                        batch_line
  one_off.<name>.amount, one_off.<name>.months     batch
  one_off.<name>.tagged.<tag>                      batch_line (of the tagged batches)
  tekun.persons, tekun.dispersed                   enrollment
  tekun.centralized.<institution>                  enrollment
  tekun.dispersed_paid                             batch_line
  relief.<type>.<target>.households / .amount      relief_case
  tupifang.households, tupifang.persons,
  tupifang.demolished, tupifang.compensation,
  tupifang.transition_fee                          house_survey
  tupifang.intention.<intention>                   house_survey
  tupifang.family_type.<type>[.households|.persons] house_survey
  youfu.persons, youfu.rural_veterans_60           enrollment
  youfu.categories.<category>                      enrollment
  youfu.paid                                       batch
  elderly.cards                                    card_issuance
  elderly.activities                               activity
  activities.<kind>                                activity
  indicators.<name>                                indicator
  deaths.deaths, deaths.cremations                 death

For a count, len(ids) is the figure, except the persons of 低保 and of the
house survey (the households covering them) and relief households (cases).
"""
from __future__ import annotations

from ..errors import ValidationError
from . import ledger_figures as ledgers
from .figures import (DIBAO, Period, dibao_ids, dispersed_line_ids, one_off_batch_ids,
                      one_off_line_ids, period, programme_batch_ids, tekun_groups, youfu_groups)

KEYS_HELP = __doc__


def _unknown(key: str) -> ValidationError:
    return ValidationError(f"没有“{key}”这一统计项")


def _ids(query) -> list[int]:
    return [row_id for row_id, in query.select(query.model.id).order_by(query.model.id).tuples()]


def figure_records(key: str, period_from, period_to) -> tuple[str, list[int]]:
    """(table, ids) of the records behind the figure `key` for the period."""
    p = period(period_from, period_to)
    section, _, rest = str(key or "").strip().partition(".")
    handler = _SECTIONS.get(section)
    if handler is None:
        raise _unknown(key)
    found = handler(rest, p)
    if found is None:
        raise _unknown(key)
    return found


def _dibao(programme: str):
    def handler(rest: str, p: Period):
        if rest in ("households", "persons"):
            return "enrollment", dibao_ids(programme, p)
        return None
    return handler


def _dibao_paid(rest: str, p: Period):
    return ("batch", programme_batch_ids(DIBAO, p)) if rest == "" else None


def _one_off(rest: str, p: Period):
    name, sep, tag = rest.partition(".tagged.")
    if sep:
        return "batch_line", one_off_line_ids(name, p, tag)
    name, _, field = rest.rpartition(".")
    if field == "recipients":
        return "batch_line", one_off_line_ids(name, p)
    if field in ("amount", "months"):
        return "batch", one_off_batch_ids(name, p)
    return None


def _roll_ids(lines) -> list[int]:
    return sorted(r.enrollment_id for r in lines)


def _tekun(rest: str, p: Period):
    if rest == "dispersed_paid":
        return "batch_line", dispersed_line_ids(p)
    groups = tekun_groups(p)
    if rest.startswith("centralized."):
        rest = "centralized:" + rest[len("centralized."):]
    return ("enrollment", _roll_ids(groups[rest])) if rest in groups else None


def _youfu(rest: str, p: Period):
    if rest == "paid":
        return "batch", programme_batch_ids(("youfu",), p)
    groups = youfu_groups(p)
    if rest.startswith("categories."):
        rest = "categories:" + rest[len("categories."):]
    return ("enrollment", _roll_ids(groups[rest])) if rest in groups else None


def _relief(rest: str, p: Period):
    head, _, field = rest.rpartition(".")
    case_type, _, target = head.partition(".")
    if field not in ("households", "amount") or not case_type or not target:
        return None
    return "relief_case", _ids(ledgers.relief_query(p, case_type, target))


def _tupifang(rest: str, p: Period):
    if rest in ("households", "persons", "compensation", "transition_fee"):
        return "house_survey", _ids(ledgers.survey_query(p))
    if rest == "demolished":
        return "house_survey", _ids(ledgers.survey_query(p, demolished=True))
    if rest.startswith("intention."):
        return "house_survey", _ids(ledgers.survey_query(p, intention=rest[len("intention."):]))
    if rest.startswith("family_type."):
        name = rest[len("family_type."):]
        for suffix in (".households", ".persons"):
            name = name[:-len(suffix)] if name.endswith(suffix) else name
        return "house_survey", _ids(ledgers.survey_query(p, family_type=name))
    return None


def _elderly(rest: str, p: Period):
    if rest == "cards":
        return "card_issuance", _ids(ledgers.cards_query(p))
    if rest == "activities":
        return "activity", _ids(ledgers.activities_query(p, ledgers.ELDERLY_ACTIVITY))
    return None


def _activities(rest: str, p: Period):
    return ("activity", _ids(ledgers.activities_query(p, rest))) if rest else None


def _indicators(rest: str, p: Period):
    rows = [row.id for row in ledgers.indicator_rows(p) if row.name == rest]
    return ("indicator", rows) if rest else None


def _deaths(rest: str, p: Period):
    if rest in ("deaths", "cremations"):
        return "death", _ids(ledgers.deaths_query(p, cremated=rest == "cremations"))
    return None


_SECTIONS = {
    "dibao_urban": _dibao("dibao_urban"), "dibao_rural": _dibao("dibao_rural"),
    "dibao_paid": _dibao_paid, "one_off": _one_off, "tekun": _tekun, "youfu": _youfu,
    "relief": _relief, "tupifang": _tupifang, "elderly": _elderly, "activities": _activities,
    "indicators": _indicators, "deaths": _deaths,
}
