"""The pairing graph of an area from either side (who helps it, whom it helps), as a table with what came through
each pairing and as a map of flows; pairings are added and ended here through the cooperation services (permission,
audit). Reads go through the cooperation selectors: a pairing is visible when either end is in the user's areas,
so an eastern partner sees and edits only its own pairings."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fupin.areas import boundaries
from fupin.areas.models import Area
from fupin.cooperation import selectors as cooperation_selectors
from fupin.cooperation import services as cooperation_services
from fupin.cooperation.models import Pairing, Programme
from fupin.core.errors import NotFound, ServiceError

from .helping import _area, _day

PAGE_SIZE = 100  # a province has thousands of pairings: the map shows them all, the table a page at a time
SIDES = {"helped": _("Who helps this area"), "helper": _("Whom this area helps")}


class PairingForm(forms.Form):
    """A pairing between two areas (an eastern district and a poor county, a town and a township …)."""

    programme = forms.ModelChoiceField(queryset=Programme.objects.all(), label=_("Programme"))
    helper = forms.CharField(label=_("Helper (area code)"), max_length=12)
    helped = forms.CharField(label=_("Helped (area code)"), max_length=12)
    start_date = forms.DateField(label=_("Start date"), widget=forms.DateInput(attrs={"type": "date"}))


def _flows(rows: list[dict]) -> list[dict]:
    """Map lines: one per pair of places (helper's area, helped area), with how many pairings join them."""
    flows: dict[tuple, dict] = {}
    for row in rows:
        start, end = boundaries.point_of(row["helper_area"]), boundaries.point_of(row["helped_area"])
        if start is None or end is None or start == end:
            continue
        flow = flows.setdefault((start, end), {"coords": [start, end], "count": 0, "helper": row["helper"],
                                               "helped": row["helped"]})
        flow["count"] += 1
    return list(flows.values())


@login_required
def pairings(request, code: str):
    area = _area(request, code)
    side = request.GET.get("side") if request.GET.get("side") in SIDES else "helped"
    on = _day(request, "on", None)
    programme = request.GET.get("programme") or None
    rows = cooperation_selectors.pairings_of(actor=request.user, area_code=area.code, side=side, on=on,
                                             programme=programme)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "web/pairings.html", {
        "area": area, "side": side, "sides": SIDES, "on": on, "programme": programme, "rows": page.object_list,
        "page": page, "count": len(rows), "query": query.urlencode(), "programmes": Programme.objects.all(),
        "form": PairingForm(), "flows": _flows(rows), "today": datetime.date.today()})


def _party(request, code: str):
    area = Area.objects.filter(code=code.ljust(12, "0")).first()
    if area is None:
        raise NotFound(_("No area has the code %(code)s."), code=code)
    return cooperation_services.party_for_area(actor=request.user, area=area)


@login_required
def pairing_add(request, code: str):
    area = _area(request, code)
    form = PairingForm(request.POST)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cooperation_services.pairing_save(actor=request.user, data={
                "programme": data["programme"], "helper": _party(request, data["helper"]),
                "helped": _party(request, data["helped"]), "start_date": data["start_date"]})
        except ServiceError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The pairing was added."))
    elif request.method == "POST":
        messages.error(request, _("Check the pairing: %(errors)s") % {"errors": form.errors.as_text()})
    return _back(request, area)


@login_required
def pairing_end(request, code: str, pk: int):
    area = _area(request, code)
    if request.method == "POST":
        try:
            pairing = cooperation_selectors.pairing_list(actor=request.user).get(pk=pk)
            on = datetime.date.fromisoformat(request.POST.get("on", ""))
            cooperation_services.pairing_end(actor=request.user, pairing=pairing, on=on)
        except (ValueError, Pairing.DoesNotExist):  # not visible to this user, or no date
            messages.error(request, _("No such pairing, or no valid end date."))
        except ServiceError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The pairing was ended."))
    return _back(request, area)


def _back(request, area):
    side = request.POST.get("side") if request.POST.get("side") in SIDES else "helped"
    return redirect(f"{reverse('web:pairings', args=[area.code])}?side={side}")
