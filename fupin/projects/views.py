"""Pages of the project bank: a project's stages, documents and beneficiaries (where the county office files a
document or completes a stage), and the delay colours of an area's open projects. Reads go through the selectors,
scoped to the user's areas; writes through the projects service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _

from fupin.areas import selectors as area_selectors
from fupin.core import temporal
from fupin.core.errors import ServiceError
from fupin.core.pages import date_param, or_404

from . import codelists as project_codes
from . import selectors, services
from .forms import DocumentForm, StageForm


@login_required
def project_delays(request, code: str):
    area = or_404(area_selectors.area_get, actor=request.user, code=code)
    on = date_param(request, "on", temporal.today())
    rows = selectors.project_delays(actor=request.user, area_code=area.code, on=on)
    return render(request, "projects/project_delays.html", {"area": area, "on": on, "rows": rows})


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
