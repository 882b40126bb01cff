from django.db.models import Prefetch, QuerySet, prefetch_related_objects

from fupin.accounts.choices import Action
from fupin.accounts.models import Role
from fupin.core.codelists import localized
from fupin.registry import codelists as cl
from fupin.registry.models import Member

from .models import Case, Notice, Objection, Procedure, ProcedureStep
from .permissions import Standing


def case_list(*, actor) -> QuerySet[Case]:
    return Case.objects.select_related("procedure", "current_step", "household", "area").scoped(actor, Action.VIEW)


def inbox(*, actor) -> list[Case]:
    """Open cases whose current step this user may decide now or must publish a notice for."""
    cases = case_list(actor=actor).filter(status=Case.Status.OPEN).order_by("started_on", "id")
    standing = Standing(actor)  # the actor's grants and roles, read once for all the cases
    return [case for case in cases.iterator(chunk_size=2000) if standing.may_act(case.current_step, case.area_id)]


def notice_list(*, actor) -> QuerySet[Notice]:
    return (Notice.objects.filter(cases__in=case_list(actor=actor)).distinct().select_related("step")
            .prefetch_related("cases").order_by("-published_on", "-id"))


def objection_list(*, actor) -> QuerySet[Objection]:
    return Objection.objects.select_related("case", "notice").scoped(actor, Action.VIEW)


def case_rows_prepared(cases: list[Case]) -> list[Case]:
    """Load what each inbox row shows in a few queries: the head of each household (`household.heads`), the
    decisions (the step's start) and the notices."""
    prefetch_related_objects(
        cases, "decisions", "notices",
        Prefetch("household__members", queryset=Member.objects.filter(is_active=True, relation=cl.HEAD),
                 to_attr="heads"))
    return cases


# Procedures: national definitions, read by everyone signed in (the policy page) -------------------------------
def procedure_list() -> QuerySet[Procedure]:
    return Procedure.objects.all()


def procedure_step_list(procedure: Procedure) -> QuerySet[ProcedureStep]:
    return ProcedureStep.objects.filter(procedure=procedure)


def role_list() -> QuerySet[Role]:
    """The roles a step may name as its decider."""
    return Role.objects.all()


def procedure_overview() -> list[dict]:
    """Every procedure with its steps in order, named in the user's language, each step with its role and action
    as the policy page lists them."""
    roles = {role.code: str(role) for role in role_list()}
    actions = dict(Action.choices)
    result = []
    for procedure in Procedure.objects.prefetch_related("steps"):
        steps = [{"step": step, "name": localized(step.name_zh, step.name_en), "role": roles.get(step.role, step.role),
                  "action": actions.get(step.action, step.action)} for step in procedure.steps_in_order()]
        result.append({"procedure": procedure, "name": localized(procedure.name_zh, procedure.name_en),
                       "steps": steps})
    return result
