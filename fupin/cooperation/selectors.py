"""Reads of the helping side, scoped to the actor's areas: a pairing is visible from either end."""

import datetime

from django.db.models import Count, Q, QuerySet, Sum

from fupin.accounts.choices import Action
from fupin.accounts.scoping import area_q
from fupin.areas.selectors import area_by_code, within_area

from .models import Agreement, Fund, LabourTransfer, Pairing, Party, Purchase, TalentExchange, Workshop


def _either_end(actor) -> Q | None:
    helper, helped = area_q(actor, Action.VIEW, "helper__area"), area_q(actor, Action.VIEW, "helped__area")
    if helper is None or helped is None:
        return None
    return helper | helped


def party_list(*, actor) -> QuerySet[Party]:
    condition = area_q(actor, Action.VIEW, "area")
    parties = Party.objects.select_related("area")
    return parties if condition is None else parties.filter(condition)


def pairing_list(*, actor) -> QuerySet[Pairing]:
    pairings = Pairing.objects.select_related("programme", "helper__area", "helped__area")
    condition = _either_end(actor)
    return pairings if condition is None else pairings.filter(condition)


def record_list(*, actor, model) -> QuerySet:
    """Records of one kind the actor may see: in their areas, or coming through their pairings."""
    records = model.objects.select_related("area", "pairing__helper")
    condition = area_q(actor, Action.VIEW, "area")
    if condition is None:
        return records
    through = area_q(actor, Action.VIEW, "pairing__helper__area")
    return records.filter(condition | through)



def pairings_of(*, actor, area_code: str, side: str, on: datetime.date | None = None,
                programme: str | None = None) -> list[dict]:
    """Pairings whose helper (`side="helper"`: whom does 东莞 help) or helped party (`side="helped"`: who helps
    怒江州) lies in the area, each with what came through it. Only pairings visible to the actor (either end
    in their areas) are listed."""
    area = area_by_code(area_code)
    pairings = pairing_list(actor=actor).filter(within_area(f"{side}__area", area))
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
              "end_date": "end_date", "status": "status", "committed_funds": "committed_funds"}
    for row in pairings.order_by("programme_id", "helper__name", "helped__name").values(*fields.values()):
        item = {key: row[column] for key, column in fields.items()}
        money = funds.get(item["id"], {})
        result.append({
            **item, "funds_committed": money.get("committed") or 0, "funds_arrived": money.get("arrived") or 0,
            **{name: counts.get(item["id"], {}).get(name, 0)
               for name in ("agreements", "workshops", "talents", "labour_transfers", "purchases")},
        })
    return result
