"""The complaint pages: the list (paged, filtered by area, category, channel, status and overdue) with its CSV
export, filing by an office, a complaint's page with its lifecycle steps and linked corrections, statistics by
category, area and timeliness, and the two public pages without an account (filing, with a captcha-free rate
limit, and the status check by tracking number).

Reads go through the selectors (a complaint outside the user's office, or one about the user as a cadre, is a 404
like a missing one); writes through the services. The reporter's identity appears only on a complaint's page, to
those who may see it (confidential.py), and each look is audited."""

import csv
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from fupin.accounts.choices import Action
from fupin.accounts.scoping import can, can_anywhere
from fupin.accounts.throttle import client_address
from fupin.areas import selectors as area_selectors
from fupin.core import temporal
from fupin.core.errors import NotFound, ServiceError

from . import ratelimit, selectors, services
from .confidential import ReporterView, reporter_given
from .filtersets import TicketFilterSet
from .forms import STEP_FORMS, CorrectionForm, PublicTicketForm, TicketFileForm, TrackForm
from .models import Status

PAGE_SIZE = 50
EXPORT_COLUMNS = [  # never the reporter, the content or the reply: an export leaves the office
    ("tracking_number", _("Tracking number")), ("received_on", _("Received on")), ("channel", _("Channel")),
    ("category", _("Category")), ("area", _("Area code")), ("area_name", _("Area")), ("office", _("Handling office")),
    ("status", _("Status")), ("deadline", _("Reply due")), ("answered_on", _("Answered on")),
    ("timeliness", _("Timeliness")), ("closed_on", _("Closed on")),
]


def _timeliness(ticket, today) -> str:
    if ticket.answered_on:
        return str(_("on time") if ticket.answered_on <= ticket.deadline else _("late"))
    return str(_("overdue") if today > ticket.deadline else _("pending"))


def _filtered(request):
    filters = TicketFilterSet(request.GET, queryset=selectors.ticket_list(actor=request.user), request=request)
    valid = filters.is_valid()
    if not valid:
        messages.error(request, filters.error_text())
    return filters, valid, (filters.qs if valid else filters.queryset.none())


@login_required
def ticket_list(request):
    filters, valid, tickets = _filtered(request)
    page = Paginator(tickets.order_by("-received_on", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    today = temporal.today()
    rows = [{"ticket": ticket, "timeliness": _timeliness(ticket, today)} for ticket in page.object_list]
    return render(request, "grievances/list.html", {
        "filters": filters, "rows": rows, "page": page, "count": page.paginator.count, "query": query.urlencode(),
        "may_file": can_anywhere(request.user, Action.CHANGE),
        "may_export": can_anywhere(request.user, Action.EXPORT)}, status=200 if valid else 400)


@login_required
def ticket_export(request):
    """The filtered list as CSV (UTF-8 with BOM, for Excel): counts and dates, never who complained or what."""
    if not can_anywhere(request.user, Action.EXPORT):
        raise Http404
    _filters, valid, tickets = _filtered(request)
    if not valid:
        return HttpResponse(_filters.error_text(), status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="grievances.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([str(label) for _name, label in EXPORT_COLUMNS])
    today = temporal.today()
    for ticket in tickets.order_by("-received_on", "-id").iterator(chunk_size=2000):
        writer.writerow([ticket.tracking_number, ticket.received_on, ticket.get_channel_display(),
                         ticket.category.label, ticket.area_id, ticket.area.name, ticket.office.name,
                         ticket.get_status_display(), ticket.deadline, ticket.answered_on or "",
                         _timeliness(ticket, today), ticket.closed_on or ""])
    return response


@login_required
def ticket_new(request):
    if not can_anywhere(request.user, Action.CHANGE):
        raise Http404
    form = TicketFileForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = services.ticket_file(actor=request.user, data=form.cleaned_data)
        except ServiceError as error:
            form.add_error(getattr(error, "field", None) if getattr(error, "field", None) in form.fields else None,
                           str(error))
        else:
            messages.success(request, _("Complaint %(number)s filed; reply due %(deadline)s.") % {
                "number": ticket.tracking_number, "deadline": ticket.deadline})
            if selectors.ticket_list(actor=request.user).filter(pk=ticket.pk).exists():
                return redirect("web:grievance", pk=ticket.pk)
            return redirect("web:grievances")
    return render(request, "grievances/new.html", {"form": form}, status=400 if form.errors else 200)


def _steps(ticket) -> list[str]:
    return [step for step, (sources, _target) in services.STEPS.items() if ticket.status in sources
            and (step != "reinvestigate" or ticket.satisfaction == "dissatisfied")]


@login_required
@require_http_methods(["GET", "POST"])
def ticket_detail(request, pk: int):
    actor = request.user
    try:
        ticket = selectors.ticket_get(actor=actor, pk=pk)
    except NotFound:
        raise Http404 from None
    handler = can(actor, Action.CHANGE, ticket.office_id)
    steps = _steps(ticket) if handler else []
    posted = request.POST.get("step") if request.method == "POST" else None
    forms = {step: STEP_FORMS[step](request.POST if posted == step else None, prefix=step) for step in steps}
    correction = CorrectionForm(request.POST if posted == "correction" else None, prefix="correction")
    if posted in forms and forms[posted].is_valid():
        data = forms[posted].cleaned_data
        try:
            services.ticket_move(actor=actor, ticket=ticket, step=posted, **{
                key: value for key, value in data.items() if value not in (None, "")})
        except ServiceError as error:
            forms[posted].add_error(None, str(error))
        else:
            messages.success(request, _("Saved."))
            return redirect("web:grievance", pk=ticket.pk)
    elif posted == "correction" and handler and correction.is_valid():
        try:
            services.correction_link(actor=actor, ticket=ticket, event_id=correction.cleaned_data["event"],
                                     note=correction.cleaned_data["note"])
        except ServiceError as error:
            correction.add_error(None, str(error))
        else:
            messages.success(request, _("Saved."))
            return redirect("web:grievance", pk=ticket.pk)
    elif posted and posted not in forms and posted != "correction":
        messages.error(request, _("This step is not open for this complaint."))
    reporters = ReporterView(actor)
    reporter = reporters.values(ticket)
    response = render(request, "grievances/detail.html", {
        "ticket": ticket, "events": selectors.ticket_events(ticket),
        "corrections": selectors.ticket_corrections(ticket), "reporter": reporter,
        "reporter_given": reporter_given(ticket), "handler": handler,
        "handlers": selectors.handlers_for(ticket) if handler else [],
        "step_forms": [{"step": step, "title": services.STEP_LABELS[step], "form": form}
                       for step, form in forms.items()],
        "correction_form": correction if handler and ticket.status not in (Status.CLOSED, Status.NOT_ACCEPTED)
        else None,
        "overdue": ticket.overdue_on(temporal.today())},
        status=400 if request.method == "POST" else 200)
    reporters.audit()  # after the page is built: what it showed
    return response


@login_required
def ticket_receipt_pdf(request, pk: int):
    """The reporter's receipt as a PDF: tracking number, category, channel, area, dates and deadline, status. It
    names nobody (confidential.py: PDFs never carry the reporter's identity, whoever prints them)."""
    from weasyprint import HTML

    try:
        ticket = selectors.ticket_get(actor=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    html = render_to_string("grievances/receipt_pdf.html", {"ticket": ticket}, request=request)
    response = HttpResponse(HTML(string=html).write_pdf(), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="complaint-{ticket.tracking_number}.pdf"'
    return response


@login_required
def statistics(request):
    code = request.GET.get("area", "").strip()
    area = None
    if code:
        try:
            area = area_selectors.area_by_code(code)
        except NotFound:
            raise Http404 from None
    year = request.GET.get("year", "").strip()
    year = int(year) if year.isdigit() and 1990 <= int(year) <= 2100 else None
    stats = selectors.statistics(actor=request.user, area=area, year=year)
    return render(request, "grievances/statistics.html", {"stats": stats, "area": area, "year": year})


# Public pages, without an account ---------------------------------------------------------------------------------
def public_new(request):
    """A villager's complaint without an account. No captcha: a rate limit per address and per phone
    (ratelimit.py) and a field robots fill; the page answers with the tracking number, and nothing else."""
    address = client_address(request)
    initial = {"area": request.GET.get("area", "")[:12]}
    form = PublicTicketForm(request.POST or None, initial=initial)
    if request.method == "POST":
        phone = re.sub(r"\D", "", request.POST.get("reporter_phone", ""))
        if not ratelimit.allowed(address, phone):
            form.is_valid()
            form.add_error(None, _("Too many complaints were sent from here or for this phone in a short time. "
                                   "Please try again later, or call the 12317 hotline."))
            return render(request, "grievances/public_new.html", {"form": form}, status=429)
        if form.is_valid():
            try:
                ticket = services.ticket_file_public(data=form.cleaned_data)
            except ServiceError as error:
                form.add_error(None, str(error))
            else:
                ratelimit.note(address, phone)
                return render(request, "grievances/public_done.html", {"number": ticket.tracking_number,
                                                                       "deadline": ticket.deadline})
        return render(request, "grievances/public_new.html", {"form": form}, status=400)
    return render(request, "grievances/public_new.html", {"form": form})


def public_track(request):
    """The status of a complaint by its tracking number: status and dates only (no names, no content, no
    reply: someone who learnt the number learns nothing about the reporter)."""
    form = TrackForm(request.GET or None)
    found, searched = None, False
    if form.is_valid():
        searched = True
        ticket = selectors.ticket_by_tracking_number(form.cleaned_data["number"])
        if ticket is not None:
            found = {"number": ticket.tracking_number, "category": ticket.category.label,
                     "status": ticket.get_status_display(), "received_on": ticket.received_on,
                     "deadline": ticket.deadline, "answered_on": ticket.answered_on, "closed_on": ticket.closed_on}
    return render(request, "grievances/public_track.html", {"form": form, "found": found, "searched": searched},
                  status=404 if searched and found is None else 200)
