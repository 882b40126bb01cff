"""The pairing graph of an area from either side (who helps it, whom it helps), as a table with what came through
each pairing and as a map of flows; pairings are added and ended here through the cooperation services (permission,
audit). Reads go through the cooperation selectors: a pairing is visible when either end is in the user's areas,
so an eastern partner sees and edits only its own pairings."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fupin.areas import boundaries
from fupin.areas import selectors as area_selectors
from fupin.core.errors import NotFound, ServiceError
from fupin.core.pages import date_param, or_404
from fupin.registry.masking import Masking

from . import selectors, services
from .filtersets import PairingFilterSet
from .forms import PairingForm, WorkshopEmployeesForm
from .models import Pairing

PAGE_SIZE = 100  # a province has thousands of pairings: the map shows them all, the table a page at a time
SIDES = {"helped": _("Who helps this area"), "helper": _("Whom this area helps")}


def _area(request, code: str):
    return or_404(area_selectors.area_get, actor=request.user, code=code)


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
    on = date_param(request, "on", None)
    programme = request.GET.get("programme") or None
    filters = PairingFilterSet(request.GET, queryset=selectors.pairing_list(actor=request.user), request=request)
    valid = filters.is_valid()
    if not valid:
        messages.error(request, filters.error_text())
    rows = selectors.pairings_of(actor=request.user, area_code=area.code, side=side, on=on,
                                 pairings=filters.qs if valid else filters.queryset.none())
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "cooperation/pairings.html", {
        "area": area, "side": side, "sides": SIDES, "on": on, "programme": programme, "rows": page.object_list,
        "page": page, "count": len(rows), "query": query.urlencode(), "programmes": selectors.programme_list(),
        "form": PairingForm(), "flows": _flows(rows), "today": datetime.date.today()},
        status=200 if valid else 400)


def _party(request, code: str):
    try:
        area = area_selectors.area_by_code(code)
    except NotFound:
        raise NotFound(_("No area has the code %(code)s."), code=code) from None
    return services.party_for_area(actor=request.user, area=area)


@login_required
def pairing_add(request, code: str):
    area = _area(request, code)
    form = PairingForm(request.POST)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.pairing_save(actor=request.user, data={
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
            pairing = selectors.pairing_list(actor=request.user).get(pk=pk)
            on = datetime.date.fromisoformat(request.POST.get("on", ""))
            services.pairing_end(actor=request.user, pairing=pairing, on=on)
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


# Poverty workshops and the registered poor they employ -----------------------------------------------------------
@login_required
def workshops(request, code: str):
    """The workshops in an area (or coming through its pairings), a page at a time, with their poor employees."""
    area = _area(request, code)
    rows = selectors.workshop_list(actor=request.user).filter(area__code__startswith=area.prefix)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cooperation/workshops.html", {"area": area, "page": page, "rows": page.object_list})


@login_required
def workshop(request, pk: int):
    """A workshop with its poor employees (ID numbers masked unless the role may see them); employees are added
    here by ID number through the cooperation service."""
    item = or_404(selectors.workshop_get, actor=request.user, pk=pk)
    form = WorkshopEmployeesForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            numbers = form.numbers()
            found = selectors.members_by_id_number(actor=request.user, numbers=numbers)
            unknown = [number for number in numbers if number not in found]
            if unknown:
                form.add_error("id_numbers", _("No registered member you may see has the ID number %(numbers)s.")
                               % {"numbers": "、".join(unknown[:5])})
            else:
                try:
                    added = services.workshop_employees_add(actor=request.user, workshop=item,
                                                            members=list(found.values()))
                except ServiceError as error:
                    form.add_error("id_numbers", str(error))
                else:
                    messages.success(request, _("%(n)s poor employees recorded.") % {"n": added})
                    return redirect("web:workshop", pk=item.pk)
        status = 400
    masking = Masking(request.user)
    people = [{"member": member, **masking.values(member, member.household.area_id, ("id_number",))}
              for member in selectors.workshop_employees(item)]
    masking.audit()
    return render(request, "cooperation/workshop.html", {"workshop": item, "people": people, "form": form},
                  status=status)
