"""Evaluation reports as the CLI and the API give them, scoped to what the actor may see."""

from fupin.accounts.choices import Action
from fupin.accounts.scoping import scoped_to
from fupin.areas.models import Area
from fupin.areas.selectors import area_by_code, area_list, subtree
from fupin.core.bulk import chunked
from fupin.registry import codelists as cl
from fupin.registry.models import Household, Member

from . import evaluation

LEVELS = ("household", "village", "county")


def _within(code: str | None) -> Area | None:
    return area_by_code(code) if code else None


def _households(actor, area: Area | None):
    households = scoped_to(Household.objects.all(), actor=actor, action=Action.VIEW, area_field="area")
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
