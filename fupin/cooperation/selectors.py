"""Reads of the helping side, scoped to the actor's areas: a pairing is visible from either end."""

import datetime

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.areas.selectors import area_by_code, within_area
from fupin.core.codelists import localized
from fupin.core.errors import NotFound
from fupin.registry.models import Member

from .models import Agreement, Fund, LabourTransfer, Pairing, Party, Programme, Purchase, TalentExchange, Workshop


def party_list(*, actor) -> QuerySet[Party]:
    return Party.objects.select_related("area").scoped(actor, Action.VIEW)


def nameable_party_list(*, actor) -> QuerySet[Party]:
    """Parties a user may name (in a filter or a form): organisations, which are public bodies, from anywhere; a
    household's party only where the user may see it."""
    return Party.objects.select_related("area").filter(
        Q(pk__in=party_list(actor=actor).values("pk")) | ~Q(kind="household"))


def programme_list() -> QuerySet[Programme]:
    """The cooperation programmes (东西部协作, 定点帮扶 …): public, the same for everyone."""
    return Programme.objects.all()


def pairing_list(*, actor) -> QuerySet[Pairing]:
    return Pairing.objects.select_related("programme", "helper__area", "helped__area").scoped(actor, Action.VIEW)


def workshop_list(*, actor) -> QuerySet[Workshop]:
    """Workshops the actor may see, each with how many poor members it employs (`poor_employee_count`)."""
    return record_list(actor=actor, model=Workshop).annotate(poor_employee_count=Count("poor_employees")).order_by(
        "area_id", "name", "id")


def workshop_get(*, actor, pk: int) -> Workshop:
    """A workshop the actor may see (404 otherwise)."""
    workshop = workshop_list(actor=actor).select_related("pairing__helped").filter(pk=pk).first()
    if workshop is None:
        raise NotFound(_("No poverty workshop has the number %(pk)s."), pk=pk)
    return workshop


def workshop_employees(workshop: Workshop) -> QuerySet[Member]:
    """The registered poor a workshop employs, with their household and village, in village and household order."""
    return workshop.poor_employees.select_related("household__area").order_by("household__area_id",
                                                                              "household__number", "id")


def members_by_id_number(*, actor, numbers: list[str]) -> dict[str, Member]:
    """Active members the actor may see, by ID number."""
    found = Member.objects.filter(id_number__in=numbers, is_active=True).select_related("household").scoped(
        actor, Action.VIEW)
    return {member.id_number: member for member in found}


def record_list(*, actor, model) -> QuerySet:
    """Records of one kind the actor may see: in their areas, or coming through their pairings."""
    return model.objects.select_related("area", "pairing__helper").scoped(actor, Action.VIEW)



def pairings_of(*, actor, area_code: str, side: str, on: datetime.date | None = None,
                programme: str | None = None, pairings: QuerySet[Pairing] | None = None) -> list[dict]:
    """Pairings whose helper (`side="helper"`: whom does 东莞 help) or helped party (`side="helped"`: who helps
    怒江州) lies in the area, each with what came through it. Only pairings visible to the actor (either end
    in their areas) are listed; `pairings`: those of the actor's pairings a list's filters chose."""
    area = area_by_code(area_code)
    pairings = (pairing_list(actor=actor) if pairings is None else pairings).filter(
        within_area(f"{side}__area", area))
    if on:
        pairings = pairings.active_on(on)
    if programme:
        pairings = pairings.filter(programme_id=programme)
    # Rows as values (thousands of pairings in a province: no model instances), what came through them as grouped
    # counts over the same pairings (a subquery, not a list of ids).
    chosen = pairings.values("pk")
    funds = {row["pairing"]: row for row in Fund.objects.filter(pairing__in=chosen).values("pairing").annotate(
        committed=Sum("committed_amount"), arrived=Sum("arrived_amount"))}
    counts = {}
    for name, model in (("agreements", Agreement), ("workshops", Workshop), ("talents", TalentExchange),
                        ("labour_transfers", LabourTransfer), ("purchases", Purchase)):
        for row in model.objects.filter(pairing__in=chosen).values("pairing").annotate(n=Count("id")):
            counts.setdefault(row["pairing"], {})[name] = row["n"]
    result = []
    fields = {"id": "pk", "programme": "programme_id", "programme_name": "programme__name_zh", "helper": "helper__name",
              "helper_kind": "helper__kind", "helper_area": "helper__area_id", "helped": "helped__name",
              "helped_kind": "helped__kind", "helped_area": "helped__area_id", "start_date": "start_date",
              "end_date": "end_date", "status": "status", "committed_funds": "committed_funds",
              "programme_name_en": "programme__name_en"}
    for row in pairings.order_by("programme_id", "helper__name", "helped__name").values(*fields.values()):
        item = {key: row[column] for key, column in fields.items()}
        item["programme_name"] = localized(item["programme_name"], item.pop("programme_name_en"))  # user's language
        money = funds.get(item["id"], {})
        result.append({
            **item, "funds_committed": money.get("committed") or 0, "funds_arrived": money.get("arrived") or 0,
            **{name: counts.get(item["id"], {}).get(name, 0)
               for name in ("agreements", "workshops", "talents", "labour_transfers", "purchases")},
        })
    return result
