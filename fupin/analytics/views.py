"""Pages of the statistics: the report card of today (2021–) of an area for a year, with its xlsx download. Reads are
scoped to the user's areas (an area outside them answers 404)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import require
from fupin.areas import selectors as area_selectors
from fupin.core import temporal
from fupin.core.errors import ValidationFailed
from fupin.core.pages import or_404, xlsx_download, year_param

from . import report_today as today_card


@login_required
def report_today(request, code: str):
    """The report card of today: monitoring objects, industry measures, incomes, linked funds and project assets,
    each figure with where it comes from."""
    area = or_404(area_selectors.area_get, actor=request.user, code=code)
    year = year_param(request)
    card, error = None, None
    try:
        card = today_card.report_today(actor=request.user, area_code=area.code, year=year)
    except ValidationFailed as refused:
        error = str(refused)
    return render(request, "analytics/report_today.html", {
        "area": area, "year": year, "card": card, "error": error, "first_year": today_card.FIRST_YEAR,
        "last_year": temporal.today().year,
        "rows": [{**figure, "provenance": today_card.provenance(figure["how"])} for figure in card["figures"]]
        if card else []})


@login_required
def report_today_export(request, code: str):
    area = or_404(area_selectors.area_get, actor=request.user, code=code)
    require(request.user, Action.EXPORT, area.code)
    year = year_param(request)
    card = or_404(today_card.report_today, actor=request.user, area_code=area.code, year=year)
    header, rows = today_card.table(card)
    return xlsx_download(f"report-today-{area.code}-{year}", header, rows, _("report card of today"))
