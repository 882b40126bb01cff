"""The East–West cooperation report card of a helped province or prefecture for a period (the first seed's
paragraphs 3–6): helpers, paired poor counties, funds by donor province (arrived against committed), donations,
workshops, professionals, labour transfers, pairing counts by kind on both sides and the share of arrived funds for
industry and labour. Every figure says which records and filters produced it."""

import datetime
import json
from decimal import Decimal
from pathlib import Path

from django.db.models import Count, Q, Sum

from fupin.accounts.choices import Action
from fupin.accounts.scoping import require
from fupin.areas.models import Area
from fupin.areas.selectors import area_by_code
from fupin.core.areacodes import CODE_LENGTH, Level
from fupin.core.codelists import localized
from fupin.registry import codelists as registry_codes

from . import codelists as cl
from .models import Fund, LabourTransfer, Pairing, Purchase, TalentExchange, Visit, Workshop
from .selectors import within_area

EAST_WEST = ("east_west", "hand_in_hand")
# The pairing categories the seed counts, as (helper condition, helped condition).
PAIR_KINDS = {
    "township_town": (Q(helper__kind="area", helper__area__level=Level.TOWNSHIP),
                      Q(helped__kind="area", helped__area__level=Level.TOWNSHIP)),
    "village_village": (Q(helper__kind="area", helper__area__level=Level.VILLAGE),
                        Q(helped__kind="area", helped__area__level=Level.VILLAGE)),
    "village_enterprise": (Q(helper__kind="enterprise"), Q(helped__kind="area", helped__area__level=Level.VILLAGE)),
    "village_social_org": (Q(helper__kind="social_org"), Q(helped__kind="area", helped__area__level=Level.VILLAGE)),
    "school_school": (Q(helper__kind__in=["school", "university"]), Q(helped__kind="school")),
    "medical_hospital": (Q(helper__kind__in=["hospital", "medical"]), Q(helped__kind__in=["hospital", "medical"])),
}
# Functions (area, start, end) → figures that other apps add to the card (projects paid for by the aid …).
CARD_EXTENSIONS: list = []


def _in_force(pairings, start: datetime.date, end: datetime.date):
    """Pairings in force at some time in [start, end]."""
    return pairings.filter(start_date__lte=end).filter(Q(end_date__isnull=True) | Q(end_date__gte=start))


def _by_province(rows) -> dict[str, Decimal]:
    names = dict(Area.objects.filter(level=Level.PROVINCE).values_list("code", "name"))
    result: dict[str, Decimal] = {}
    for code, amount in rows:
        name = names.get(code[:2].ljust(CODE_LENGTH, "0"), code[:2])
        result[name] = result.get(name, Decimal(0)) + (amount or Decimal(0))
    return dict(sorted(result.items()))


def east_west_card(*, actor, area_code: str, start: datetime.date, end: datetime.date) -> dict:
    area = area_by_code(area_code)
    require(actor, Action.VIEW, area.code)
    within = within_area("helped__area", area)
    pairings = _in_force(Pairing.objects.filter(within), start, end)
    east_west = pairings.filter(programme_id__in=EAST_WEST)
    period = {"area": area.code, "from": start, "to": end}
    figures = []

    def add(key, value, source, **filters):
        figures.append({"key": key, "value": value, "how": {"source": source, "filters": {**period, **filters}}})

    # The eastern cities and districts that help (the seed's "上海市15个区和珠海、中山、东莞3市"); their towns and
    # villages are counted with the pairs below.
    helpers = east_west.filter(helper__kind="area", helper__area__level__lte=Level.COUNTY).values_list(
        "helper__area_id", "helper__name").distinct()
    by_province: dict[str, list[str]] = {}
    for code, name in helpers.order_by("helper__area_id"):
        by_province.setdefault(code[:2], []).append(name)
    add("eastern_helpers", {province: sorted(names) for province, names in by_province.items()},
        "cooperation.pairing", programmes=list(EAST_WEST), helper_kind="area", helper_level="county or above")
    add("paired_poor_counties",
        pairings.filter(programme_id="hand_in_hand", helped__kind="area", helped__area__level=Level.COUNTY)
        .values("helped").distinct().count(), "cooperation.pairing", programme="hand_in_hand", helped_level=3)

    funds = Fund.objects.filter(within_area("area", area))
    for kind in ("fiscal_aid", "donation"):
        arrived = funds.filter(kind=kind, arrived_on__range=(start, end))
        committed = funds.filter(kind=kind, committed_on__range=(start, end))
        add(f"{kind}_arrived", arrived.aggregate(total=Sum("arrived_amount"))["total"] or Decimal(0),
            "cooperation.fund", kind=kind, date="arrived_on")
        add(f"{kind}_committed", committed.aggregate(total=Sum("committed_amount"))["total"] or Decimal(0),
            "cooperation.fund", kind=kind, date="committed_on")
        add(f"{kind}_arrived_by_donor_province",
            _by_province(arrived.values_list("donor__area_id").annotate(total=Sum("arrived_amount"))),
            "cooperation.fund", kind=kind, date="arrived_on", group="donor province")
    arrived_aid = funds.filter(kind="fiscal_aid", arrived_on__range=(start, end))
    total = arrived_aid.aggregate(total=Sum("arrived_amount"))["total"] or Decimal(0)
    industry = arrived_aid.filter(purpose__in=cl.INDUSTRY_AND_LABOUR).aggregate(
        total=Sum("arrived_amount"))["total"] or Decimal(0)
    add("industry_labour_share", float(industry / total) if total else None, "cooperation.fund",
        kind="fiscal_aid", purposes=sorted(cl.INDUSTRY_AND_LABOUR))

    committed_aid = funds.filter(kind="fiscal_aid", committed_on__range=(start, end)).aggregate(
        committed=Sum("committed_amount"), arrived=Sum("arrived_amount"))
    add("fiscal_aid_arrival_rate", float(committed_aid["arrived"] / committed_aid["committed"])
        if committed_aid["committed"] else None, "cooperation.fund", kind="fiscal_aid", date="committed_on",
        ratio="arrived / committed")
    purchases = Purchase.objects.filter(within_area("area", area), bought_on__range=(start, end))
    add("purchases_amount", purchases.aggregate(total=Sum("amount"))["total"] or Decimal(0),
        "cooperation.purchase", date="bought_on")
    visits = Visit.objects.filter(within_area("area", area), visited_on__range=(start, end), level="province")
    for direction in ("to_helped", "to_helper"):
        add(f"leader_visits_{direction}", visits.filter(direction=direction).count(), "cooperation.visit",
            level="province", direction=direction)
    workshops = Workshop.objects.filter(within_area("area", area), opened_on__range=(start, end))
    add("workshops", workshops.count(), "cooperation.workshop", date="opened_on")
    add("workshop_poor_employees", workshops.aggregate(n=Count("poor_employees", distinct=True))["n"],
        "cooperation.workshop", distinct="member")
    talents = TalentExchange.objects.filter(within_area("area", area), start_date__range=(start, end),
                                            direction="to_helped")
    add("professionals_sent", talents.filter(kind="professional").count(), "cooperation.talent",
        kind="professional", direction="to_helped")
    add("cadres_sent", talents.filter(kind="cadre").count(), "cooperation.talent", kind="cadre",
        direction="to_helped")
    registered = registry_codes.POOR_STATUSES | registry_codes.EXITED_STATUSES
    transfers = LabourTransfer.objects.filter(within_area("area", area), start_date__range=(start, end),
                                              member__household__status__in=registered)
    add("poor_moved_into_jobs", transfers.values("member").distinct().count(), "cooperation.labour",
        registered_poor=True, distinct="member")

    as_of = pairings.active_on(end)
    for key, (helper, helped) in PAIR_KINDS.items():
        kind = as_of.filter(helper, helped)
        add(f"pairs_{key}", {"helped": kind.values("helped").distinct().count(),
                             "helpers": kind.values("helper").distinct().count(), "pairings": kind.count()},
            "cooperation.pairing", in_force_on=end, kind=key)
    for extension in CARD_EXTENSIONS:
        figures += extension(area=area, start=start, end=end)
    return {"area": {"code": area.code, "name": area.name, "level": area.level}, "from": start, "to": end,
            "figures": figures}


def figure_values(card: dict) -> dict:
    return {figure["key"]: figure["value"] for figure in card["figures"]}


ASSESSMENT_FILE = Path(__file__).resolve().parent / "data" / "assessment.json"


def assessment(*, actor, area_code: str, year: int) -> list[dict]:
    """The annual assessment view: the six areas of the 2017 考核办法, each indicator's value for the year from
    the cooperation card, its target (data) and whether it is met (no target: reported, not judged)."""
    card = figure_values(east_west_card(actor=actor, area_code=area_code, start=datetime.date(year, 1, 1),
                                        end=datetime.date(year, 12, 31)))
    result = []
    for section in json.loads(ASSESSMENT_FILE.read_text(encoding="utf-8"))["areas"]:
        for indicator in section["indicators"]:
            key, _dot, part = indicator["figure"].partition(".")
            value = card[key][part] if part else card[key]
            target = indicator["target"]
            met = None if target is None or value is None else Decimal(str(value)) >= Decimal(str(target))
            result.append({"area": localized(section["zh"], section["en"]),
                           "indicator": localized(indicator["zh"], indicator["en"]), "figure": indicator["figure"],
                           "value": value, "target": target, "met": met})
    return result
