"""The exit evaluations of the rules issue, computed in sets for every unit by the engine.

`exit_eligible`: per area, poor households (and their persons) at the end of the year and how many meet the
household exit conditions of their province — per-capita income strictly above the line and each 两不愁三保障
(+ water) indicator met, plus the local same-year rules where a province switches them on. The conditions come
from the rules (YearPolicy) and are turned into one engine expression per province.

`area_exits`: villages (designated poor, or with registered households) or designated poor counties, judged by
the rules' own judge_areas on poor persons counted by the engine.
"""

import ibis
from django.utils.translation import gettext_lazy as _

from fupin.areas.models import Area, AreaDesignation
from fupin.core.areacodes import Level
from fupin.core.errors import ValidationFailed
from fupin.core.sql import chunked
from fupin.rules.evaluation import INDICATORS, POOR_COUNTY_DESIGNATIONS, POOR_VILLAGE_DESIGNATIONS, judge_areas
from fupin.rules.policy import YearPolicy

from .base import Metric, StatsQuery, area_names, area_rows, area_sums, register, sort_rows
from .counts import Poor


def _province_rule(t, year: int, conditions: list[str], line):
    rule = ibis.literal(True)
    if "income_above_line" in conditions:
        rule &= (t.income_pc_fen > int(line * 100)) if line is not None else ibis.literal(False)
    for indicator in INDICATORS:
        if indicator in conditions:
            rule &= t[indicator].fill_null(False)
    if "not_identified_same_year" in conditions:
        rule &= (t.identified_year != year).fill_null(True)
    if "not_returned_same_year" in conditions:
        rule &= (t.return_year != year).fill_null(True)
    return rule


def exit_rule(t, year: int):
    """Whether a (poor) household meets its province's exit conditions, as one engine expression."""
    policy = YearPolicy.load(year)
    provinces = Area.objects.filter(level=Level.PROVINCE).values_list("code", flat=True)
    rules = {}
    for code in provinces:
        rules[code] = (tuple(policy.exit_conditions(code[:2])), policy.line(code[:2]))
    national = (tuple(policy.exit_conditions("")), policy.line(""))
    province = t.village.substr(0, 2)
    cases = [(province == code[:2], _province_rule(t, year, list(conditions), line))
             for code, (conditions, line) in rules.items() if (conditions, line) != national]
    default = _province_rule(t, year, list(national[0]), national[1])
    return ibis.cases(*cases, else_=default) if cases else default


@register
class ExitEligible(Metric):
    name = "exit_eligible"
    label = _("households meeting the exit conditions")
    columns = ("code", "name", "level", "year", "poor_households", "eligible_households", "poor_persons",
               "eligible_persons")

    def compute(self, engine, query: StatsQuery) -> list[dict]:
        table = self.facts(engine, query)
        table = table.filter(Poor().condition(table, query.year)).mutate(eligible=exit_rule(table, query.year))
        measures = {
            "poor_households": lambda t: t.household_id.nunique(),
            "eligible_households": lambda t: t.household_id.nunique(where=t.eligible),
            "poor_persons": lambda t: t.count(),
            "eligible_persons": lambda t: t.count(where=t.eligible),
        }
        rows = area_rows(engine, query, area_sums(table, query, measures))
        names = area_names(row["code"] for row in rows)
        return sort_rows([{"code": row["code"], "name": names.get(row["code"], ""), "level": row["level"],
                           "year": query.year, **{key: int(row[key] or 0) for key in measures}} for row in rows])


@register
class AreaExits(Metric):
    name = "area_exits"
    label = _("village and county exit evaluations")
    columns = ("code", "name", "level", "year", "eligible", "incidence", "poor", "population")

    def compute(self, engine, query: StatsQuery) -> list[dict]:
        level = query.level or Level.VILLAGE
        if level not in (Level.VILLAGE, Level.COUNTY):
            raise ValidationFailed(_("Exit evaluations are for villages and counties."), field="level")
        name = "village" if level == Level.VILLAGE else "county"
        table = self.facts(engine, query)
        measures = {"persons": lambda t: t.count(), "poor": lambda t: t.count(where=Poor().condition(t, query.year))}
        at_level = StatsQuery(year=query.year, area=query.area, level=level, prefixes=query.prefixes)
        counted = area_rows(engine, at_level, area_sums(table, at_level, measures))
        poor = {row["code"]: int(row["poor"] or 0) for row in counted}
        types = POOR_VILLAGE_DESIGNATIONS if level == Level.VILLAGE else POOR_COUNTY_DESIGNATIONS
        designated = AreaDesignation.objects.filter(designation_type_id__in=types, year__lte=query.year,
                                                    area__level=level).exclude(exit_year__lt=query.year)
        if query.area:
            designated = designated.filter(area__code__startswith=query.area)
        codes = {code for code in designated.values_list("area_id", flat=True) if at_level.visible(code)}
        if level == Level.VILLAGE:
            codes |= set(poor)
        units = {}
        for chunk in chunked(sorted(codes), 5000):
            units.update((area.code, area) for area in Area.objects.filter(code__in=chunk).only("code", "name"))
        verdicts = judge_areas(level=name, year=query.year, units=units, poor=poor)
        return [{"code": v.code, "name": v.name, "level": level, "year": v.year, "eligible": v.eligible,
                 "incidence": v.incidence, "poor": v.poor, "population": v.population,
                 "reasons": [reason.as_dict() for reason in v.reasons]} for v in verdicts]


