"""The jobs pages: one's jobs, newest first, and one job's progress and result (polled while it runs)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from .filtersets import JobFilterSet
from .selectors import job_list

# What the numbers of a job's result mean (the JSON keys are the import contract; people read these).
JOB_RESULT_LABELS = {
    "rows": _("Rows read"), "created": _("Records created"), "updated": _("Records updated"),
    "unchanged": _("Unchanged"),
    "rejected": _("Rows rejected"), "dry_run": _("Check only"), "written": _("Written"),
    "households_created": _("Households created"), "households_updated": _("Households updated"),
    "members_created": _("Members created"), "members_updated": _("Members updated"),
    "households_with_warnings": _("Households with warnings"), "filename": _("File"),
}


@login_required
def jobs(request):
    filters = JobFilterSet(request.GET, queryset=job_list(actor=request.user), request=request)
    if not filters.is_valid():
        messages.error(request, filters.error_text())
        return render(request, "jobs/jobs.html", {"jobs": []}, status=400)
    return render(request, "jobs/jobs.html", {"jobs": filters.qs[:100]})


@login_required
def job_detail(request, pk: int):
    job = job_list(actor=request.user).filter(pk=pk).first()
    if job is None:
        raise Http404
    template = "jobs/_job_status.html" if request.headers.get("HX-Request") else "jobs/job.html"
    hidden = {"errors", "errors_file", "export_file"}  # shown as links, or (errors) in the error workbook
    result_rows = [(JOB_RESULT_LABELS.get(key, key), value) for key, value in (job.result or {}).items()
                   if key not in hidden and not isinstance(value, dict | list)]
    return render(request, template, {"job": job, "result_rows": result_rows})
