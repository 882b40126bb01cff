"""Reads of evaluations, their samples and appeals, always within the areas the actor may see. An evaluation (and
so its figures) is seen with `view` on its county; sample entries and appeals with `view` on their village."""

from django.db.models import QuerySet

from fupin.accounts.choices import Action
from fupin.core.errors import NotFound

from . import figures
from .models import Appeal, Evaluation, SampleEntry


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
