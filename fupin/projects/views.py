"""Pages of the project bank: a project's stages, documents and beneficiaries (where the county office files a
document or completes a stage), and the delay colours of an area's open projects. Reads go through the selectors,
scoped to the user's areas; writes through the projects service."""


from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import require
from fupin.areas import selectors as area_selectors
from fupin.core import temporal
from fupin.core.errors import ServiceError
from fupin.core.pages import RecordForm, date_param, handle_record_forms, or_404, xlsx_download

from . import codelists as project_codes
from . import ledger, selectors, services
from .forms import DisposalApplyForm, DisposalStepForm, DocumentForm, MaintenanceForm, StageForm


@login_required
def project_delays(request, code: str):
    """Open projects of an area with their delay colour on a day (computed from each project's planned dates),
    narrowed to a township or village below (`?within=`) and to a colour (`?colour=`), paged by 100."""
    area = or_404(area_selectors.area_get, actor=request.user, code=code)
    on = date_param(request, "on", temporal.today())
    below = area_selectors.area_list(actor=request.user).filter(parent=area).order_by("code")
    within = area
    if request.GET.get("within", "").startswith(area.prefix) and request.GET["within"] != area.code:
        within = or_404(area_selectors.area_get, actor=request.user, code=request.GET["within"])
    colour = request.GET.get("colour", "")
    rows = selectors.project_delays(actor=request.user, area_code=within.code, on=on)
    counts = {name: sum(1 for row in rows if row["colour"] == name) for name in DELAY_COLOURS}
    if colour in DELAY_COLOURS:
        rows = [row for row in rows if row["colour"] == colour]
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    names = dict(area_selectors.area_list(actor=request.user).filter(
        code__in={row["area"] for row in page.object_list}).values_list("code", "name"))
    for row in page.object_list:
        row["area_name"] = names.get(row["area"], row["area"])
        row["stage_label"] = project_codes.STAGE.label(row["stage"]) if row["stage"] else ""
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "projects/project_delays.html", {
        "area": area, "on": on, "rows": page.object_list, "page": page, "query": query.urlencode(),
        "count": page.paginator.count, "below": below, "within": within, "colour": colour,
        "colours": [(name, label, counts[name]) for name, label in DELAY_COLOURS.items()]})


DELAY_COLOURS = {"red": _("red"), "yellow": _("yellow"), "green": _("green")}


@login_required
def project_detail(request, pk: int):
    """A project's stages with the documents each still needs, its documents, funds and beneficiaries; the
    county office files a document or completes a stage here (through the projects service, which refuses a stage
    whose required documents are missing)."""
    visible = selectors.project_list(actor=request.user)
    project = get_object_or_404(visible.prefetch_related("stages", "fundings"), pk=pk)
    shown = {"document": DocumentForm(), "stage": StageForm()}
    if request.method == "POST" and request.POST.get("form") in shown:
        name = request.POST["form"]
        form = DocumentForm(request.POST, request.FILES) if name == "document" else StageForm(request.POST)
        if form.is_valid():
            try:
                if name == "document":
                    services.document_save(actor=request.user, data={**form.cleaned_data, "project": project})
                else:
                    services.stage_complete(actor=request.user, project=project, **form.cleaned_data)
            except ServiceError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Saved."))
                return redirect("web:project", pk=project.pk)
        shown[name] = form
    stages = [{"stage": row, "missing": [project_codes.DOCUMENT_KIND.label(kind) for kind in
                                         services.missing_documents(project, row.stage)]}
              for row in sorted(project.stages.all(), key=lambda row: project_codes.STAGE_ORDER.index(row.stage))]
    context = {"project": project, "stages": stages,
               "forms": [{"name": "document", "title": _("File a document"), "form": shown["document"]},
                         {"name": "stage", "title": _("Complete a stage"), "form": shown["stage"]}],
               "delay": selectors.delay_status(project, temporal.today()),
               "documents": project.documents.order_by("stage", "id"),
               "beneficiaries": selectors.beneficiary_counts(visible.filter(pk=project.pk))}
    return render(request, "projects/project.html", context)


@login_required
def asset_ledger(request, code: str):
    """总账 of an area's poverty-alleviation assets by class, owner level and source, and its villages' ledgers."""
    area = or_404(area_selectors.area_get, actor=request.user, code=code)
    return render(request, "projects/asset_ledger.html", {
        "area": area, "ledger": ledger.county_ledger(actor=request.user, area_code=area.code),
        "villages": ledger.villages_with_assets(actor=request.user, area_code=area.code)})


@login_required
def asset_ledger_export(request, code: str):
    area = or_404(area_selectors.area_get, actor=request.user, code=code)
    require(request.user, Action.EXPORT, area.code)
    header, rows = ledger.county_ledger_table(ledger.county_ledger(actor=request.user, area_code=area.code))
    return xlsx_download(f"asset-ledger-{area.code}", header, rows, "资产总账")


@login_required
def village_asset_ledger(request, code: str):
    """明细台账 of a village: every asset with its 确权, custody, income and distribution, and status (above a
    village: its villages that have one)."""
    area = or_404(area_selectors.area_get, actor=request.user, code=code)
    return render(request, "projects/village_ledger.html", {
        "area": area, "ledger": ledger.village_ledger(actor=request.user, area_code=area.code)})


@login_required
def village_asset_ledger_export(request, code: str):
    area = or_404(area_selectors.area_get, actor=request.user, code=code)
    require(request.user, Action.EXPORT, area.code)
    header, rows = ledger.village_ledger_table(ledger.village_ledger(actor=request.user, area_code=area.code))
    return xlsx_download(f"asset-village-ledger-{area.code}", header, rows, "资产明细台账")


@login_required
def village_asset_notice(request, code: str):
    """The village ledger as posted in the village (公示): no household named, no certificate of a household's
    asset, payments to households as a count and a total. Printable."""
    area = or_404(area_selectors.area_get, actor=request.user, code=code)
    return render(request, "projects/asset_notice.html", {
        "area": area, "today": temporal.today(),
        "ledger": ledger.village_ledger(actor=request.user, area_code=area.code, public=True)})


@login_required
def project_assets(request, pk: int):
    """The assets a project formed, with their register, custody and disposal; forms to record a maintenance, apply
    to dispose of an asset and take a disposal's next step (each through the projects service, which checks who may
    take it and in what order)."""
    actor = request.user
    project = get_object_or_404(selectors.project_list(actor=actor), pk=pk)
    assets = selectors.asset_list(actor=actor).filter(project=project).order_by("id")
    disposals = selectors.disposal_list(actor=actor).filter(asset__project=project).order_by("id")
    open_disposals = disposals.filter(status__in=project_codes.DISPOSAL_OPEN)

    def make(form_class):
        return lambda data=None: form_class(data, assets=assets.exclude(status="disposed"),
                                            disposals=open_disposals)

    record_forms = [
        RecordForm("maintenance", _("Record a maintenance"), make(MaintenanceForm),
                   lambda data: services.maintenance_save(actor=actor, data=data)),
        RecordForm("dispose", _("Apply to dispose of an asset"), make(DisposalApplyForm),
                   lambda data: services.disposal_apply(actor=actor, **data)),
        RecordForm("step", _("Take a disposal's next step"), make(DisposalStepForm),
                   lambda data: services.disposal_step(actor=actor, **data)),
    ]
    shown, done = handle_record_forms(request, record_forms, reverse("web:project-assets", args=[project.pk]))
    if done:
        return done
    return render(request, "projects/project_assets.html", {
        "project": project, "assets": assets, "forms": shown,
        "disposals": [{"disposal": row, "next": project_codes.DISPOSAL_STATUS.label(services.next_disposal_step(row))
                       if services.next_disposal_step(row) else ""} for row in disposals]})
