from django.db.models import QuerySet

from fupin.accounts.choices import Action
from fupin.accounts.scoping import scoped_to

from .models import Case, Notice, Objection
from .services import _may_act


def case_list(*, actor) -> QuerySet[Case]:
    return scoped_to(Case.objects.select_related("procedure", "current_step", "household", "area"), actor=actor,
                     action=Action.VIEW, area_field="area")


def inbox(*, actor) -> list[Case]:
    """Open cases whose current step this user may decide now or must publish a notice for."""
    cases = case_list(actor=actor).filter(status=Case.Status.OPEN).order_by("started_on", "id")
    return [case for case in cases.iterator(chunk_size=2000) if _may_act(actor, case.current_step, case.area_id)]


def notice_list(*, actor) -> QuerySet[Notice]:
    return Notice.objects.filter(cases__in=case_list(actor=actor)).distinct().order_by("-published_on", "-id")


def objection_list(*, actor) -> QuerySet[Objection]:
    return scoped_to(Objection.objects.select_related("case", "notice"), actor=actor, action=Action.VIEW,
                     area_field="case__area")
