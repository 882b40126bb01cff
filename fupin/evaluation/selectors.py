"""Reads of evaluations, their samples and appeals, always within the areas the actor may see. An evaluation (and
so its figures) is seen with `view` on its county; sample entries and appeals with `view` on their village."""

from fractions import Fraction

from django.db.models import QuerySet

from fupin.accounts.choices import Action
from fupin.core.errors import NotFound

from . import estimators, figures
from .models import Appeal, Evaluation, RosterEntry, RosterHousehold, RosterSurvey, SampleEntry

ROSTER_STRATUM = "roster"  # a roster survey has one stratum per village: all its households


def evaluation_list(*, actor, action: str = Action.VIEW) -> QuerySet[Evaluation]:
    return Evaluation.objects.select_related("area", "questionnaire").scoped(actor, action)


def evaluation_get(*, actor, pk, action: str = Action.VIEW) -> Evaluation:
    try:
        return evaluation_list(actor=actor, action=action).get(pk=pk)
    except (Evaluation.DoesNotExist, ValueError):
        raise NotFound() from None


def evaluation_figures(*, actor, evaluation: Evaluation) -> dict:
    """The figures as they stand (frozen ones once concluded)."""
    evaluation = evaluation_get(actor=actor, pk=evaluation.pk)
    if evaluation.concluded_figures is not None:
        return evaluation.concluded_figures
    return figures.compute(evaluation)


def entry_list(*, actor, evaluation_id=None, action: str = Action.VIEW) -> QuerySet[SampleEntry]:
    entries = SampleEntry.objects.select_related("household", "interview", "evaluation").scoped(actor, action)
    if evaluation_id is not None:
        entries = entries.filter(evaluation_id=evaluation_id)
    return entries


def appeal_list(*, actor, evaluation_id=None, status: str | None = None) -> QuerySet[Appeal]:
    appeals = Appeal.objects.select_related("entry__household").prefetch_related("files").scoped(actor, Action.VIEW)
    if evaluation_id is not None:
        appeals = appeals.filter(entry__evaluation_id=evaluation_id)
    if status:
        appeals = appeals.filter(status=status)
    return appeals


def frame_contract(evaluation: Evaluation) -> dict:
    """The sample as `fupin evaluation frame --format json` prints it."""
    entries = evaluation.entries.select_related("household").order_by("position")
    villages = evaluation.villages.order_by("area_id")
    return {
        "evaluation": evaluation.pk, "area": evaluation.area_id, "year": evaluation.year, "seed": evaluation.seed,
        "villages_total": evaluation.villages_total,
        "villages": [{"village": v.area_id, "exit_households": v.exit_households,
                      "ordinary_households": v.ordinary_households, "ordinary_sampled": v.ordinary_sampled}
                     for v in villages],
        "households": [{"household": e.household.number, "village": e.area_code, "stratum": e.stratum,
                        "weight": str(e.weight)} for e in entries],
    }


# Roster surveys ----------------------------------------------------------------------------------------------------
def roster_list(*, actor, action: str = Action.VIEW) -> QuerySet[RosterHousehold]:
    return RosterHousehold.objects.scoped(actor, action)


def roster_survey_list(*, actor, action: str = Action.VIEW) -> QuerySet[RosterSurvey]:
    return RosterSurvey.objects.select_related("area").scoped(actor, action)


def roster_survey_get(*, actor, pk, action: str = Action.VIEW) -> RosterSurvey:
    try:
        return roster_survey_list(actor=actor, action=action).get(pk=pk)
    except (RosterSurvey.DoesNotExist, ValueError):
        raise NotFound() from None


def roster_entry_list(*, actor, survey_id=None, action: str = Action.VIEW) -> QuerySet[RosterEntry]:
    entries = RosterEntry.objects.select_related("roster", "village").scoped(actor, action)
    if survey_id is not None:
        entries = entries.filter(survey_id=survey_id)
    return entries


def _estimate(estimate: estimators.Estimate) -> dict:
    return {"value": float(estimate.value) if estimate.value is not None else None,
            "exact": str(estimate.value) if estimate.value is not None else None,
            "standard_error": estimate.standard_error, "low": estimate.low, "high": estimate.high}


def roster_estimates(survey: RosterSurvey) -> dict:
    """漏评 and 漏监测 from the roster sample, with the evaluation's design-based estimators (estimators.ratio: the
    two-stage SRSWOR variance of the linearised ratio, 95 % normal interval cut to [0, 1]):

    * missed_registration: the share of roster households that should be registered (the surveyors' finding) and
      were not when drawn;
    * missed_monitoring: the share that should be monitored and were not in monitoring when drawn.
    Both are ratios Σwy / Σw over the surveyed households (x = 1); unsurveyed ones are non-response, absorbed in
    their village (weight M / m over the responding m). `estimates` keeps the Estimate objects (exact fractions)."""
    villages = list(survey.villages.order_by("area_id").values_list("area_id", "roster_households"))
    design = estimators.Design(villages_total=survey.villages_total, villages=tuple(code for code, _m in villages),
                               sizes={(code, ROSTER_STRATUM): size for code, size in villages})
    rows = list(survey.entries.filter(should_register__isnull=False).order_by("position").values_list(
        "area_code", "registered", "monitored", "should_register", "should_monitor"))
    units = [estimators.Unit(code, ROSTER_STRATUM) for code, *_rest in rows]
    ones = [Fraction(1)] * len(rows)
    missed = [Fraction(int(should and not registered)) for _c, registered, _m, should, _sm in rows]
    unmonitored = [Fraction(int(should and not monitored)) for _c, _r, monitored, _s, should in rows]
    empty = estimators.Estimate(None, None, None, None)
    found = {
        "missed_registration": estimators.ratio(design, units, missed, ones) if rows else empty,
        "missed_monitoring": estimators.ratio(design, units, unmonitored, ones) if rows else empty,
    }
    return {"survey": survey.pk, "villages_total": survey.villages_total, "villages": len(villages),
            "drawn": survey.entries.count(), "surveyed": len(rows),
            "missed_registration_found": int(sum(missed)), "missed_monitoring_found": int(sum(unmonitored)),
            "estimates": found, **{name: _estimate(value) for name, value in found.items()}}
