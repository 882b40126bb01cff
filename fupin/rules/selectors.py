"""Evaluation reports as the CLI and the API give them, scoped to what the actor may see."""

from dataclasses import dataclass

from fupin.accounts.choices import Action
from fupin.areas.models import Area
from fupin.areas.selectors import area_by_code, area_list, subtree
from fupin.core.sql import chunked
from fupin.registry import codelists as cl
from fupin.registry.models import Household, Member

from . import evaluation
from .models import ExitCondition, ExitThreshold, MonitoringThreshold, PolicyParameter, PovertyLine

LEVELS = ("household", "village", "county")


def _within(code: str | None) -> Area | None:
    return area_by_code(code) if code else None


def _households(actor, area: Area | None):
    households = Household.objects.all().scoped(actor, Action.VIEW)
    return subtree(households, area) if area else households


def _named(verdicts) -> list[dict]:
    """Household verdicts as dicts, each named by its current head (looked up in sets)."""
    result = []
    for chunk in chunked(verdicts, 5000):
        heads = dict(Member.objects.filter(household_id__in=[v.household_id for v in chunk], is_active=True,
                                           relation=cl.HEAD).values_list("household_id", "name"))
        result.extend(v.as_dict(heads.get(v.household_id, "")) for v in chunk)
    return result


def exit_report(*, actor, year: int, level: str, area_code: str | None = None) -> list[dict]:
    """One object per unit: {code, name, level, year, eligible, incidence, poor, population, reasons};
    households use their number as code and omit the area-only fields."""
    area = _within(area_code)
    if level == "household":
        return _named(evaluation.household_exits(year=year, households=_households(actor, area)))
    verdicts = evaluation.area_exits(level=level, year=year, visible=area_list(actor=actor), within=area)
    return [verdict.as_dict() for verdict in verdicts]


def monitoring_report(*, actor, year: int, area_code: str | None = None) -> list[dict]:
    area = _within(area_code)
    return _named(evaluation.monitoring_categories(year=year, households=_households(actor, area)))


# Policy values as the policy page lists them ---------------------------------------------------------------------
# Kind in the policy table -> (model, the field of its year, the field of its value). Lines and monitoring
# thresholds are set for one year; the others apply from their year until a later row replaces them.
POLICY_KINDS = {
    "poverty_line": (PovertyLine, "year", "amount"),
    "monitoring_threshold": (MonitoringThreshold, "year", "amount"),
    "exit_threshold": (ExitThreshold, "effective_year", "max_incidence"),
    "parameter": (PolicyParameter, "effective_year", "value"),
    "exit_condition": (ExitCondition, "effective_year", "enabled"),
}


def _policy_code(kind: str, row) -> str:
    if kind == "poverty_line":
        return row.series
    if kind == "monitoring_threshold":
        return ""
    if kind == "exit_threshold":
        return f"{row.level}/{row.region_class}"
    return row.code


def _policy_number(value) -> str:
    """As the policy table writes it: 2736 and 0.02 rather than 2736.00 and 0.0200; conditions 1 or 0."""
    if isinstance(value, bool):
        return "1" if value else "0"
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True)
class PolicyValue:
    kind: str
    code: str
    year: int
    province: str
    value: str
    certainty: str
    source: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.code}"

    @property
    def applies_from_year(self) -> bool:
        return POLICY_KINDS[self.kind][1] == "effective_year"


def policy_values() -> list[PolicyValue]:
    """Every policy value (public: everyone signed in may read them), as the policy table names them."""
    values = []
    for kind, (model, year_field, value_field) in POLICY_KINDS.items():
        for row in model.objects.all():
            values.append(PolicyValue(kind, _policy_code(kind, row), getattr(row, year_field), row.province_code,
                                      _policy_number(getattr(row, value_field)), row.certainty, row.source))
    order = list(POLICY_KINDS)
    return sorted(values, key=lambda v: (order.index(v.kind), v.code, v.province, v.year))


def in_force(values: list[PolicyValue], year: int) -> list[PolicyValue]:
    """The rows the rules use in `year`: a line or threshold of that year, and for the rest the latest row
    from that year or before, per parameter and province (as fupin.rules.policy.YearPolicy loads them)."""
    chosen: dict[tuple, PolicyValue] = {}
    for value in values:
        if not value.applies_from_year:
            if value.year == year:
                chosen[(value.key, value.province)] = value
        elif value.year <= year:
            current = chosen.get((value.key, value.province))
            if current is None or current.year < value.year:
                chosen[(value.key, value.province)] = value
    return [value for value in values if chosen.get((value.key, value.province)) is value]
