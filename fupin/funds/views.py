"""Pages of the funds ledger: where a fund document's money went (its trace down to households) and its ledger,
where entries are added through the funds service. Reads go through the selectors, scoped to the user's areas."""


from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import require
from fupin.areas import selectors as area_selectors
from fupin.core.pages import RecordForm, handle_record_forms, or_404, xlsx_download, year_param

from . import linked, selectors, services
from .forms import CorrectionForm, EntryForm, SpendForm


@login_required
def fund_trace(request, pk: int):
    document = get_object_or_404(selectors.document_list(actor=request.user), pk=pk)
    return render(request, "funds/fund_trace.html", {"trace": selectors.trace(actor=request.user,
                                                                               document=document)})


@login_required
def fund_ledger(request, pk: int):
    """A fund document's ledger: its entries and balances per area, and forms to allocate it to an area, record
    it arriving, spend it on a project (and household), or correct an entry by a signed amount — each through the
    funds service, which refuses an overrun with what is left."""
    actor = request.user
    document = get_object_or_404(selectors.document_list(actor=actor), pk=pk)

    def entry(kind: str):
        def save(data):
            given = {key: value for key, value in data.items() if value not in (None, "")}
            return services.entry_save(actor=actor, data={**given, "kind": kind, "document": document})
        return save

    def make(form_class):
        return lambda data=None: form_class(data, actor=actor, document=document)

    record_forms = [
        RecordForm("allocate", _("Allocate to an area"), make(EntryForm), entry("allocate")),
        RecordForm("arrive", _("Record money arriving"), make(EntryForm), entry("arrive")),
        RecordForm("spend", _("Record spending on a project"), make(SpendForm), entry("spend")),
        RecordForm("adjust", _("Correct an entry"), make(CorrectionForm), entry("adjust")),
    ]
    shown, done = handle_record_forms(request, record_forms, reverse("web:fund-ledger", args=[document.pk]))
    if done:
        return done
    entries = selectors.entry_list(actor=actor).filter(document=document).order_by("date", "id")
    return render(request, "funds/fund_ledger.html", {
        "document": document, "entries": entries, "forms": shown,
        "balances": selectors.balances(actor=actor, document=document)})


@login_required
def linked_funds(request, code: str):
    """衔接资金 of a budget year per county of an area: allocated, issued, spent, the industry share against the
    province's minimum (met / not met), with the rule's source and certainty."""
    area = or_404(area_selectors.area_get, actor=request.user, code=code)
    year = year_param(request)
    report = linked.linked_funds_report(actor=request.user, area_code=area.code, year=year)
    return render(request, "funds/linked_funds.html", {"area": area, "year": year, "report": report})


@login_required
def linked_funds_export(request, code: str):
    area = or_404(area_selectors.area_get, actor=request.user, code=code)
    require(request.user, Action.EXPORT, area.code)
    year = year_param(request)
    header, rows = linked.report_rows(linked.linked_funds_report(actor=request.user, area_code=area.code, year=year))
    return xlsx_download(f"linked-funds-{area.code}-{year}", header, rows, "衔接资金")
