"""The workflow inbox (待办): the steps waiting for this user's decision, the notices (公示 / 公告) to publish before
a step can be approved, the objections to resolve, and the form that starts (submits) a case; plus the page and PDF
of a published notice with the form that records an objection to it; and the form that edits a procedure's steps
(for policy administrators, linked from the policy page).

Reads go through the workflow selectors, so a user sees only the cases their grants reach and whose current step
their role may decide; every write goes through the workflow services, so a refused decision shows the service's
message and writes nothing. The notice page shows the notice exactly as published (notices.py decides what a notice
may list: never ID numbers, phones, bank accounts or health details)."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from fupin.areas import selectors as area_selectors
from fupin.core.codelists import localized
from fupin.core.errors import NotFound, PermissionDenied, ServiceError, ValidationFailed
from fupin.registry import selectors as registry_selectors
from fupin.workflows import selectors as workflow_selectors
from fupin.workflows import services as workflow_services
from fupin.workflows.forms import (
    BulkApproveForm,
    CaseStartForm,
    DecideForm,
    NoticePublishForm,
    ObjectionRecordForm,
    ObjectionResolveForm,
    ProcedureStepForm,
    field_label,
)
from fupin.workflows.models import Case, Decision, Notice, ProcedureStep
from fupin.workflows.permissions import may_edit_procedures

BULK_SEPARATOR = ":"  # a bulk selection is "case pk:step code", so a case that moved on is not decided blindly


def _errors(form: forms.Form) -> str:
    """A form's errors in one line, each after its field's label (as the user saw it), for a message."""
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        parts.append(f"{label}: {' '.join(errors)}" if label else " ".join(errors))
    return "; ".join(parts)


# Reading -------------------------------------------------------------------------------------------------------
def _row(case: Case) -> dict:
    step = case.current_step
    decisions = list(case.decisions.all())
    notices = sorted((n for n in case.notices.all() if n.step_id == step.pk), key=lambda n: (n.published_on, n.pk))
    first = notices[0] if notices else None
    heads = case.household.heads if case.household_id else []
    return {
        "case": case, "procedure": localized(case.procedure.name_zh, case.procedure.name_en),
        "step": localized(step.name_zh, step.name_en), "step_code": step.code,
        "number": case.household.number if case.household_id else case.area_id,
        "name": heads[0].name if heads else ("" if case.household_id else case.area.name),
        "place": case.area.name if case.household_id else "",
        "since": decisions[-1].decided_on if decisions else case.started_on,
        "needs_evidence": step.needs_evidence, "needs_notice": bool(step.notice) and first is None,
        "notice_kind": step.get_notice_display() if step.notice else "",
        "notice": first,
        # The service's own rule (_check_notice) decides; this date only tells the user when to come back.
        "decide_from": first.period_starts_on + datetime.timedelta(days=step.notice_min_days) if first else None,
        "bulk_value": f"{case.pk}{BULK_SEPARATOR}{step.code}",
    }


def _publish_groups(rows: list[dict], today: datetime.date) -> list[dict]:
    """Cases waiting for their step's notice, one group per procedure step: a notice lists cases of one step."""
    groups: dict[int, dict] = {}
    for row in rows:
        if not row["needs_notice"]:
            continue
        step = row["case"].current_step
        group = groups.setdefault(step.pk, {
            "procedure": row["procedure"], "step": row["step"], "kind": row["notice_kind"],
            "min_days": step.notice_min_days, "rows": [],
            "form": NoticePublishForm(initial={"step": step.code, "on": today}, prefix=f"publish-{step.pk}")})
        group["rows"].append(row)
    return list(groups.values())


def _objections_to_resolve(actor, rows: list[dict]) -> list[dict]:
    """Open objections on the notice of a step this user decides now (the inbox's cases). An open objection holds
    its case at that step, so these are the ones that block this user's decisions."""
    at_step = {row["case"].pk: row["case"].current_step_id for row in rows}
    objections = workflow_selectors.objection_list(actor=actor).filter(
        resolution="", case_id__in=list(at_step)).select_related("notice__step", "case__household").order_by(
        "received_on", "id")
    return [{"objection": objection, "form": ObjectionResolveForm(prefix=f"resolve-{objection.pk}"),
             "step": localized(objection.notice.step.name_zh, objection.notice.step.name_en)}
            for objection in objections if at_step[objection.case_id] == objection.notice.step_id]


@login_required
def inbox(request):
    today = timezone.localdate()
    rows = [_row(case) for case in workflow_selectors.case_rows_prepared(workflow_selectors.inbox(actor=request.user))]
    return render(request, "workflows/inbox.html", {
        "rows": rows, "groups": _publish_groups(rows, today),
        "objections": _objections_to_resolve(request.user, rows),
        "bulk_form": BulkApproveForm(prefix="bulk")})


def _case(request, pk: int) -> Case:
    return get_object_or_404(workflow_selectors.case_list(actor=request.user), pk=pk)


def _step_name(case: Case) -> str:
    return localized(case.current_step.name_zh, case.current_step.name_en) if case.current_step_id else ""


def _decided_message(actor, case: Case, step_name: str) -> str:
    """What happened to the case, read back after the service decided it."""
    case = workflow_selectors.case_list(actor=actor).get(pk=case.pk)
    if case.status == Case.Status.REJECTED:
        return _("Case #%(case)s was rejected at “%(step)s”.") % {"case": case.pk, "step": step_name}
    if case.status == Case.Status.COMPLETED:
        return _("Case #%(case)s is completed.") % {"case": case.pk}
    return _("Case #%(case)s: “%(step)s” approved; it is now at “%(next)s”.") % {
        "case": case.pk, "step": step_name, "next": _step_name(case)}


# Writing -------------------------------------------------------------------------------------------------------
@login_required
@require_POST
def case_decide(request, pk: int):
    case = _case(request, pk)
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the decision: %(errors)s") % {"errors": _errors(form)})
        return redirect("web:inbox")
    step_name = _step_name(case)
    try:
        workflow_services.case_decide(actor=request.user, case=case, step_code=form.cleaned_data["step"],
                                      outcome=form.cleaned_data["outcome"], comment=form.cleaned_data["comment"],
                                      evidence=form.evidence_list())
    except ServiceError as error:
        messages.error(request, _("Case #%(case)s: %(error)s") % {"case": case.pk, "error": error})
    else:
        messages.success(request, _decided_message(request.user, case, step_name))
    return redirect("web:inbox")


@login_required
@require_POST
def bulk_approve(request):
    """Approve every selected case at the step it was shown at; a case the service holds back is reported and
    does not stop the others."""
    form = BulkApproveForm(request.POST, prefix="bulk")
    selected = request.POST.getlist("selected")
    if not form.is_valid() or not selected:
        messages.error(request, _("Select the cases to approve.") if form.is_valid() else
                       _("Check the decision: %(errors)s") % {"errors": _errors(form)})
        return redirect("web:inbox")
    approved = []
    for value in selected:
        pk, _separator, step_code = value.partition(BULK_SEPARATOR)
        case = workflow_selectors.case_list(actor=request.user).filter(pk=pk).first() if pk.isdigit() else None
        if case is None:
            messages.error(request, _("No such case: %(case)s") % {"case": pk})
            continue
        try:
            workflow_services.case_decide(actor=request.user, case=case, step_code=step_code,
                                          outcome=Decision.Outcome.APPROVE, comment=form.cleaned_data["comment"])
        except ServiceError as error:
            messages.error(request, _("Case #%(case)s: %(error)s") % {"case": case.pk, "error": error})
        else:
            approved.append(f"#{case.pk}")
    if approved:
        messages.success(request, _("Approved: %(cases)s") % {"cases": ", ".join(approved)})
    return redirect("web:inbox")


@login_required
@require_POST
def notice_publish(request):
    """Publish the notice of one step for the selected cases (all at that step), then show it."""
    prefix = request.POST.get("prefix", "")
    form = NoticePublishForm(request.POST, prefix=prefix or None)
    pks = request.POST.getlist("cases")
    if not form.is_valid() or not pks:
        messages.error(request, _("Check the notice: %(errors)s") % {"errors": _errors(form)}
                       if not form.is_valid() else _("Select the cases the notice lists."))
        return redirect("web:inbox")
    cases = list(workflow_selectors.case_list(actor=request.user).filter(
        pk__in=[pk for pk in pks if pk.isdigit()]).order_by("id"))
    if len(cases) != len(set(pks)):  # a case outside the user's areas, as the API answers it
        raise Http404
    data = form.cleaned_data
    try:
        notice = workflow_services.notice_publish(actor=request.user, cases=cases, step_code=data["step"],
                                                  publisher=data["publisher"],
                                                  objection_contact=data["objection_contact"], on=data["on"])
    except ServiceError as error:
        messages.error(request, str(error))
        return redirect("web:inbox")
    messages.success(request, _("Published: %(title)s") % {"title": notice.title})
    return redirect("web:notice", pk=notice.pk)


@login_required
@require_POST
def objection_resolve(request, pk: int):
    objection = workflow_selectors.objection_list(actor=request.user).filter(pk=pk).first()
    if objection is None:
        raise Http404
    form = ObjectionResolveForm(request.POST, prefix=f"resolve-{pk}")
    if not form.is_valid():
        messages.error(request, _("Check the resolution: %(errors)s") % {"errors": _errors(form)})
        return redirect("web:inbox")
    try:
        workflow_services.objection_resolve(actor=request.user, objection=objection,
                                            resolution=form.cleaned_data["resolution"],
                                            note=form.cleaned_data["note"])
    except ServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The objection to case #%(case)s is resolved: %(resolution)s") % {
            "case": objection.case_id, "resolution": objection.get_resolution_display()})
    return redirect("web:inbox")


# Notices -------------------------------------------------------------------------------------------------------
def _notice(request, pk: int) -> Notice:
    return get_object_or_404(workflow_selectors.notice_list(actor=request.user).select_related("step"), pk=pk)


def _notice_cases(actor, notice: Notice) -> list[dict]:
    """The notice's cases in the user's areas (a township's notice lists several villages)."""
    cases = workflow_selectors.case_rows_prepared(
        list(workflow_selectors.case_list(actor=actor).filter(notices=notice).order_by("id")))
    return [{"case": case, "number": case.household.number if case.household_id else case.area_id,
             "name": (case.household.heads[0].name if case.household.heads else "") if case.household_id
             else case.area.name, "step": _step_name(case)} for case in cases]


@login_required
def notice_page(request, pk: int):
    notice = _notice(request, pk)
    cases = _notice_cases(request.user, notice)
    form = ObjectionRecordForm(
        request.POST or None, cases=[(row["case"].pk, f"#{row['case'].pk} {row['number']} {row['name']}")
                                     for row in cases],
        initial={"received_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        case = next(row["case"] for row in cases if row["case"].pk == form.cleaned_data["case"])
        try:
            workflow_services.objection_record(actor=request.user, notice=notice, case=case,
                                               content=form.cleaned_data["content"],
                                               raised_by=form.cleaned_data["raised_by"],
                                               received_on=form.cleaned_data["received_on"])
        except ServiceError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The objection is recorded; it holds case #%(case)s until resolved.") % {
                "case": case.pk})
            return redirect("web:notice", pk=notice.pk)
    objections = workflow_selectors.objection_list(actor=request.user).filter(notice=notice).order_by(
        "received_on", "id")
    return render(request, "workflows/notice_page.html", {
        "notice": notice, "step": localized(notice.step.name_zh, notice.step.name_en), "cases": cases,
        "objections": objections, "form": form, "takes_objections": notice.kind == "gongshi",
        "labels": {name: field_label(Notice, name) for name in ("published_on", "ends_on", "publisher",
                                                                 "objection_contact")}})


@login_required
def notice_pdf(request, pk: int):
    """The PDF made when the notice was published (the same text as its page), for printing and posting."""
    notice = _notice(request, pk)
    if not notice.pdf:
        raise Http404
    return FileResponse(notice.pdf.open("rb"), content_type="application/pdf", filename=f"notice-{notice.pk}.pdf")


# Starting ------------------------------------------------------------------------------------------------------
def _household(actor, text: str):
    """The household a form names by its reference (or by id, from a household file's link); a number used in
    several of the actor's places raises ValidationFailed naming them."""
    households = registry_selectors.household_list(actor=actor)
    household = registry_selectors.household_by_reference(text, households=households)
    if household is None and text.isdigit():
        household = households.filter(pk=int(text)).first()
    return household


@login_required
def case_start(request):
    """Submit a case (identification, exit …): a household by its number, or a village or county by its code.
    `?household=<pk>` fills in a household, as the household file's link does."""
    initial = {"year": timezone.localdate().year}
    if request.GET.get("household"):
        try:
            household = _household(request.user, request.GET["household"])
        except ValidationFailed:
            household = None
        initial["household"] = registry_selectors.household_reference(household) if household else ""
    if request.GET.get("procedure"):
        initial["procedure"] = workflow_selectors.procedure_list().filter(code=request.GET["procedure"]).first()
    form = CaseStartForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        household = area = None
        if data["household"]:
            try:
                household = _household(request.user, data["household"])
            except ValidationFailed as refusal:
                form.add_error("household", str(refusal))
            else:
                if household is None:
                    form.add_error("household", _("No household with this number in your areas."))
        elif data["area"]:
            try:
                area = area_selectors.area_get(actor=request.user, code=data["area"].ljust(12, "0"))
            except (NotFound, PermissionDenied):
                form.add_error("area", _("No area with this code in your areas."))
        else:
            form.add_error(None, _("Give a household number, or an area code for a village's or county's "
                                   "procedure."))
        if not form.errors:
            try:
                case = workflow_services.case_start(
                    actor=request.user, procedure_code=data["procedure"].code, year=data["year"],
                    household=household, area=area,
                    params={"category": data["category"]} if data["category"] else {})
            except ServiceError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Case #%(case)s is submitted: %(procedure)s, now at “%(step)s”.") % {
                    "case": case.pk, "procedure": localized(case.procedure.name_zh, case.procedure.name_en),
                    "step": _step_name(case)})
                return redirect(f"{reverse('web:inbox')}#case-{case.pk}")
    return render(request, "workflows/case_start.html", {"form": form})


# Procedures ----------------------------------------------------------------------------------------------------
@login_required
def procedure_step_edit(request, code: str, pk: int | None = None):
    """Change a step of a procedure, or add one (no pk)."""
    if not may_edit_procedures(request.user):
        raise Forbidden
    procedure = get_object_or_404(workflow_selectors.procedure_list(), code=code)
    if pk is None:
        step = ProcedureStep(procedure=procedure)
    else:
        step = get_object_or_404(workflow_selectors.procedure_step_list(procedure), pk=pk)
    form = ProcedureStepForm(request.POST if request.method == "POST" else None, instance=step)
    if request.method == "POST" and form.is_valid():
        try:
            workflow_services.procedure_save(actor=request.user, procedure=procedure,
                                             steps=[form.save(commit=False)])
        except ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The procedure step was saved."))
            return redirect(f"{reverse('web:policy')}#procedure-{procedure.code}")
    return render(request, "workflows/policy_step.html", {
        "form": form, "procedure": procedure, "procedure_name": localized(procedure.name_zh, procedure.name_en),
        "step": step if pk is not None else None})
