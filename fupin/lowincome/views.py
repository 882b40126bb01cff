"""Pages of the low-income register: an area's memberships in force (by category), the yearly re-evaluation
(run it, read the diff, export it, mark what was acted on), and the upload of a department's list. Reads go
through the selectors, scoped to the user's areas; writes through the services."""

import shutil
import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import can
from fupin.areas import selectors as area_selectors
from fupin.core import areacodes, temporal
from fupin.core.errors import ServiceError
from fupin.core.pages import date_param, or_404
from fupin.jobs.uploads import discard_upload, store_upload

from . import codelists as cl
from . import exports, importing, reevaluation, selectors, services
from .filtersets import FindingFilterSet, MembershipFilterSet
from .forms import FindingCloseForm, ListImportForm, ReevaluationForm

PAGE_SIZE = 100


def _query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@login_required
def register(request, code: str):
    """The area's memberships in force on a day (today by default), counted by category, a page at a time."""
    area = or_404(area_selectors.area_get, actor=request.user, code=code)
    day = date_param(request, "on", temporal.today())
    data = request.GET.copy()
    data.setdefault("on", day.isoformat())
    filters = MembershipFilterSet(data, queryset=selectors.membership_list(actor=request.user), request=request)
    valid = filters.is_valid()
    if not valid:
        messages.error(request, filters.error_text())
    listed = filters.qs if valid else filters.queryset.none()
    low, high = areacodes.code_range(area.prefix)
    listed = listed.filter(person__area_id__gte=low, person__area_id__lte=high)
    counts = dict(listed.order_by().values_list("category").annotate(n=Count("id")))
    page = Paginator(listed.order_by("person__area_id", "person_id", "category", "id"),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "lowincome/register.html", {
        "area": area, "day": day, "page": page, "query": _query(request),
        "categories": [{"code": code, "label": label, "count": counts.get(code, 0)}
                       for code, label in cl.CATEGORY.choices],
        "may_import": can(request.user, Action.IMPORT, area.code)}, status=200 if valid else 400)


@login_required
def reevaluation_page(request, code: str):
    """The re-evaluation of the area for a year: run it (with the right to change there), read who should enter
    and who should leave and why, export the list, and mark each finding acted on or dismissed."""
    actor = request.user
    area = or_404(area_selectors.area_get, actor=actor, code=code)
    year_text = request.GET.get("year", "")
    year = int(year_text) if year_text.isdigit() else temporal.today().year - 1
    if request.method == "POST":
        return _reevaluation_post(request, area, year)
    run = selectors.reevaluation_list(actor=actor).filter(area=area, year=year).first()
    data = request.GET.copy()
    data.pop("export", None)
    filters = FindingFilterSet(data, queryset=selectors.finding_list(actor=actor).filter(reevaluation=run),
                               request=request, known=("export",))
    valid = filters.is_valid()
    if not valid:
        messages.error(request, filters.error_text())
    listed = (filters.qs if valid else filters.queryset.none()).order_by("category", "change", "person__area_id",
                                                                          "person_id")
    export = request.GET.get("export")
    if export in ("csv", "xlsx") and run is not None:
        if not can(actor, Action.EXPORT, area.code):
            raise Http404
        folder = Path(tempfile.mkdtemp(prefix="lowincome-"))
        target = folder / f"reevaluation-{area.code}-{year}.{export}"
        exports.write_findings(listed, target, actor=actor)
        handle = open(target, "rb")  # noqa: SIM115  (FileResponse closes it)
        shutil.rmtree(folder)  # the open handle keeps the data until the response is sent
        return FileResponse(handle, as_attachment=True, filename=target.name)
    page = Paginator(listed.select_related("case", "person__household"), PAGE_SIZE).get_page(request.GET.get("page"))
    findings = list(page.object_list)
    for finding in findings:  # the procedure a finding may open here (the button), when none is open yet
        finding.procedure_code = services.finding_procedure(finding) if finding.person.household_id else None
    rows = exports.finding_rows(findings, actor=actor)
    counts = run.counts if run else {}
    summary = [{"label": cl.CATEGORY.label(category), "enters": counts.get(f"{category}_enters", 0),
                "leaves": counts.get(f"{category}_leaves", 0)} for category in reevaluation.RULES]
    return render(request, "lowincome/reevaluation.html", {
        "area": area, "year": year, "run": run, "summary": summary, "page": page, "query": _query(request),
        "rows": list(zip(findings, rows, strict=True)), "form": ReevaluationForm(initial={"year": year}),
        "may_run": can(actor, Action.CHANGE, area.code), "may_export": can(actor, Action.EXPORT, area.code),
        "thresholds": counts.get("thresholds", {})}, status=200 if valid else 400)


def _reevaluation_post(request, area, year: int):
    actor = request.user
    if request.POST.get("form") == "open_case":
        finding = selectors.finding_list(actor=actor).filter(
            pk=request.POST.get("finding") if str(request.POST.get("finding", "")).isdigit() else None).first()
        if finding is None:
            raise Http404
        try:
            case = services.finding_open_case(actor=actor, finding=finding)
        except ServiceError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Opened the procedure: case #%(case)s.") % {"case": case.pk})
        return redirect(f"{request.path}?year={finding.reevaluation.year}")
    if request.POST.get("form") == "close":
        form = FindingCloseForm(request.POST)
        finding = selectors.finding_list(actor=actor).filter(
            pk=form.cleaned_data["finding"] if form.is_valid() else None).first()
        if finding is None:
            raise Http404
        try:
            services.finding_close(actor=actor, finding=finding, status=form.cleaned_data["status"])
        except ServiceError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Saved."))
        return redirect(f"{request.path}?year={finding.reevaluation.year}")
    form = ReevaluationForm(request.POST)
    if form.is_valid():
        year = form.cleaned_data["year"]
        try:
            reevaluation.reevaluate(actor=actor, year=year, area_code=area.code)
        except ServiceError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Re-evaluated."))
    return redirect(f"{request.path}?year={year}")


@login_required
def list_import(request, code: str):
    """Upload a department's list of one category; the report names each refused row, column and reason."""
    area = or_404(area_selectors.area_get, actor=request.user, code=code, action=Action.IMPORT)
    form = ListImportForm(request.POST or None, request.FILES or None)
    report, error = None, None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        path = None
        try:
            path = store_upload(actor=request.user, upload=data["file"])
            report = importing.list_import(
                actor=request.user, path=path, category=data["category"], department=data["department"],
                identified_on=data["identified_on"], procedure=data["procedure"], dry_run=data["dry_run"],
                skip_invalid=data["skip_invalid"]).as_dict()
        except ServiceError as exc:
            error = str(exc)
        finally:
            if path is not None:
                discard_upload(path)
    return render(request, "lowincome/import.html", {"area": area, "form": form, "report": report,
                                                     "error": error})
