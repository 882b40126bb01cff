"""The import and export pages: each submits a background job (fupin.imports.services) and sends the user to the
job's page, which shows progress, the result and, for an export, the download."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from fupin.core.errors import ServiceError

from .forms import HouseholdExportForm, export_areas
from .services import submit_household_export, submit_household_import


@login_required
def household_import(request):
    """Upload a 建档立卡 workbook; the import runs as a job whose page shows progress and the result."""
    error = None
    if request.method == "POST" and request.FILES.get("file"):
        year = request.POST.get("year") or None
        try:
            job = submit_household_import(actor=request.user, file=request.FILES["file"],
                                          year=int(year) if year else None,
                                          dry_run=bool(request.POST.get("dry_run")),
                                          skip_invalid=bool(request.POST.get("skip_invalid")))
        except (ServiceError, ValueError) as exc:
            error = str(exc)
        else:
            return redirect("web:job", pk=job.pk)
    return render(request, "imports/import.html", {"error": error})


@login_required
def household_export(request):
    """Households of one of the user's areas for a year, as .xlsx or .csv."""
    areas = export_areas(request.user)
    form = HouseholdExportForm(request.POST if request.method == "POST" else None, areas=areas)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = submit_household_export(actor=request.user, area_code=data["area"], year=data["year"],
                                          file_format=data["format"])
        except ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("web:job", pk=job.pk)
    return render(request, "imports/export.html", {"form": form, "may_export": bool(areas)})
