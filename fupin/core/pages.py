"""What every app's pages share: reading a page's query parameters and saving the one form a page posts.

A page may show several forms (a village's teams and the membership of each); each is a RecordForm whose `save`
calls the app's service, which checks permission, writes in a transaction and audits."""

import datetime
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from fupin.core import temporal
from fupin.core.errors import NotFound, PermissionDenied, ServiceError
from fupin.core.files.workbooks import SheetWriter

DATE_INPUT = {"widget": forms.DateInput(attrs={"type": "date"})}


def date_param(request, name: str, default: datetime.date) -> datetime.date:
    """A date the page's query names (`?on=2020-06-30`), else `default`."""
    try:
        return datetime.date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return default


def year_param(request) -> int:
    """The year the page's query names, else the last full year (statistics are reported for a closed year)."""
    text = request.GET.get("year", "")
    return int(text) if text.isdigit() else temporal.today().year - 1


@dataclass(frozen=True)
class RecordForm:
    """One form of a page: `make(data)` builds it (blank without data) and `save(cleaned_data)` writes through the
    service."""

    name: str
    title: object
    make: Callable[..., forms.Form]
    save: Callable[[dict], object]


def handle_record_forms(request, record_forms: list[RecordForm], done: str):
    """(the forms to show, a redirect once the posted form is saved). The posted form (named by the field `form`)
    is validated and saved through its service; when refused it is shown again with the service's message."""
    def build(item: RecordForm, data=None) -> forms.Form:
        form = item.make(data)
        form.auto_id = f"id_{item.name}_%s"  # several forms share a page: their fields' ids must not collide
        return form

    shown = {item.name: build(item) for item in record_forms}
    posted = next((item for item in record_forms if request.method == "POST"
                   and request.POST.get("form") == item.name), None)
    if posted is not None:
        form = build(posted, request.POST)
        if form.is_valid():
            try:
                posted.save(form.cleaned_data)
            except ServiceError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Saved."))
                return [], redirect(done)
        shown[posted.name] = form
    return [{"name": item.name, "title": item.title, "form": shown[item.name]} for item in record_forms], None


def or_404(select: Callable, **kwargs):
    """What a selector answers, or a 404 page where it answers NotFound or PermissionDenied (a page never confirms
    that a record it will not show exists)."""
    try:
        return select(**kwargs)
    except (NotFound, PermissionDenied):
        raise Http404 from None


def xlsx_download(name: str, header: list, rows: list[list], title: str) -> HttpResponse:
    """A one-sheet workbook download of a report page (cells written as text or numbers, never formulas)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.xlsx"
        writer = SheetWriter(path, [str(cell) for cell in header], title=title)
        for row in rows:
            writer.write([float(cell) if isinstance(cell, Decimal) else cell for cell in row])
        writer.close()
        content = path.read_bytes()
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response
