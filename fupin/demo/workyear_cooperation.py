"""The county's partners in the working year: Yunnan's 定点帮扶 pairs (central units helping 怒江's counties),
a 携手奔小康 partner for each of 怒江's counties, and through the county's East–West pairing this year's agreement,
fiscal aid committed with part of it arrived (到位) and part still to come, consumption purchases, and a poverty
workshop employing poor members of the county.

Everything is dated after the seeds' period (the pairings from the 2021 re-pairing of the transition period, the
money and purchases this year), so the report cards for 2014–2020 keep reproducing the seeds; the workshops the
calibrated demo opened in the county get their poor employees (which the seeds do not count).
"""

import datetime
from decimal import Decimal

from fupin.areas.models import Area
from fupin.cooperation.models import Agreement, Pairing, Party, Programme, Workshop
from fupin.cooperation.services import pairing_save, party_for_area, party_save, record_save
from fupin.core.areacodes import Level
from fupin.core.errors import ValidationFailed
from fupin.registry.codelists import EXITED_STATUSES, POOR_STATUSES
from fupin.registry.models import Member

from .workyear_common import county_area, demo_places, working_days

TRANSITION = datetime.date(2021, 3, 1)  # the pairings of the transition period (过渡期) start with it
PREFECTURE = "5333"  # 怒江
# Central units in 定点帮扶 with 怒江's counties (a demo choice: the seeds name none).
CENTRAL_UNITS = ("中国交通建设集团有限公司", "中国长江三峡集团有限公司", "中国大唐集团有限公司",
                 "中国建设银行股份有限公司")
PRODUCTS = (("草果", Decimal("186000")), ("高黎贡山茶", Decimal("92500")), ("核桃", Decimal("64300")),
            ("中蜂蜂蜜", Decimal("38800")), ("漆油", Decimal("21600")))
WORKSHOP_EMPLOYEES = 12


def _nu_counties() -> list[Area]:
    return list(Area.objects.filter(level=Level.COUNTY, code__startswith=PREFECTURE).order_by("code"))


def _pair(actor, programme: str, helper: Party, helped: Party, **extra) -> int:
    """1 if the pairing was made; 0 if the two are already paired in the period (the service refuses overlaps)."""
    if Pairing.objects.filter(programme_id=programme, helper=helper, helped=helped).exists():
        return 0
    try:
        pairing_save(actor=actor, data={"programme": Programme.objects.get(code=programme), "helper": helper,
                                        "helped": helped,
                                        "start_date": TRANSITION, **extra})
    except ValidationFailed:
        return 0
    return 1


def pairs(actor) -> dict:
    """定点帮扶: a central unit for each of 怒江's counties; 携手奔小康: each county with a district (else the city)
    of 珠海, 怒江's East–West partner."""
    counties = _nu_counties()
    yunnan = Area.objects.get(code="530000000000")
    made = {"designated_pairs": 0, "hand_in_hand_pairs": 0}
    for k, county in enumerate(counties):
        name = CENTRAL_UNITS[k % len(CENTRAL_UNITS)]
        unit = Party.objects.filter(kind="central_unit", name=name).first() or party_save(
            actor=actor, data={"kind": "central_unit", "name": name, "area": yunnan})
        made["designated_pairs"] += _pair(actor, "designated", unit, party_for_area(actor=actor, area=county),
                                          committed_funds=Decimal("5000000"), committed_projects=3,
                                          note="中央单位定点帮扶")
    partners = list(Area.objects.filter(level=Level.COUNTY, code__startswith="4404").order_by("code")) or \
        list(Area.objects.filter(code="440400000000"))
    for k, county in enumerate(counties if partners else []):
        made["hand_in_hand_pairs"] += _pair(
            actor, "hand_in_hand", party_for_area(actor=actor, area=partners[k % len(partners)]),
            party_for_area(actor=actor, area=county), committed_funds=Decimal("20000000"), committed_jobs=300)
    return made


def east_west_work(actor, county_code: str, start: datetime.date, now: datetime.date) -> dict:
    """This year's agreement, aid (committed ≠ arrived), purchases and a workshop through the county's East–West
    pairing (the one helping its prefecture or the county)."""
    county = county_area(county_code)
    pairing = (Pairing.objects.filter(programme_id__in=("east_west", "hand_in_hand"), helped__kind="area",
                                      helped__area_id__in=[county.code, county.code[:4].ljust(12, "0")])
               .select_related("helper", "helped").order_by("programme_id", "id").first())
    if pairing is None:
        return {}
    made = {}
    year = now.year
    signed = datetime.date(year, 3, 10) if datetime.date(year, 3, 10) <= now else start
    record_save(actor=actor, kind="agreement", data={
        "pairing": pairing, "area": county, "title": f"{year}年{pairing.helper.name}—{county.name}东西部协作帮扶协议",
        "number": f"协作〔{year}〕{county.code[4:6]}号", "signed_on": signed,
        "valid_until": datetime.date(year, 12, 31),
        "content": "财政援助资金、产业合作、劳务协作、消费帮扶和人才交流的年度任务"})
    made["agreements"] = 1
    # Aid: the first tranche committed in spring has part arrived; the second, committed in autumn, is to come.
    tranches = ((signed, Decimal("12000000"), Decimal("8400000"), "industry"),
                (max(signed, now - datetime.timedelta(days=60)), Decimal("6000000"), Decimal("0"), "labour"))
    for committed_on, committed, arrived, purpose in tranches:
        record_save(actor=actor, kind="fund", data={
            "pairing": pairing, "area": county, "kind": "fiscal_aid", "donor": pairing.helper, "purpose": purpose,
            "committed_amount": committed, "committed_on": committed_on, "arrived_amount": arrived,
            "arrived_on": min(committed_on + datetime.timedelta(days=75), now) if arrived else None,
            "document": f"协作资金〔{year}〕"})
    made["funds"] = len(tranches)
    for k, (product, amount) in enumerate(PRODUCTS):
        record_save(actor=actor, kind="purchase", data={
            "pairing": pairing, "area": county, "buyer": pairing.helper, "product": product, "amount": amount,
            "bought_on": start + datetime.timedelta(days=40 + 60 * k)})
    made["purchases"] = len(PRODUCTS)
    _township, village = demo_places(county_code)
    workers = list(Member.objects.filter(
        household__county_code=county_code[:6], household__status__in=POOR_STATUSES | EXITED_STATUSES,
        is_active=True, relation__in=("01", "02")).order_by("household__area_id", "id")[:WORKSHOP_EMPLOYEES * 2])
    record_save(actor=actor, kind="workshop", members=workers[:WORKSHOP_EMPLOYEES], data={
        "pairing": pairing, "area": Area.objects.get(code=village), "name": f"{county.name}草果加工扶贫车间",
        "operator": f"{pairing.helper.name}援建", "opened_on": start + datetime.timedelta(days=30),
        "jobs": WORKSHOP_EMPLOYEES + 8})
    made["workshops"] = 1
    # The workshops the calibrated demo opened in the county employ poor members too.
    for workshop in Workshop.objects.filter(area__code__startswith=county_code[:6]).exclude(
            opened_on__gte=start).order_by("id"):
        if not workshop.poor_employees.exists():
            record_save(actor=actor, kind="workshop", instance=workshop, data={},
                        members=workers[WORKSHOP_EMPLOYEES:])
    made["workshop_poor_employees"] = Member.objects.filter(
        pk__in=Workshop.poor_employees.through.objects.filter(
            workshop__area__code__startswith=county_code[:6]).values("member_id")).count()
    return made


def build(*, actor, county_code: str, seed: int = 2026, log=print) -> dict:
    start, now, _rng = working_days(seed + 2)
    made: dict[str, int] = {}
    if not Pairing.objects.filter(programme_id="designated", start_date=TRANSITION,
                                  helped__area__code__startswith=PREFECTURE).exists():
        made.update(pairs(actor))
    if not Agreement.objects.filter(area_id=county_area(county_code).code, signed_on__gte=start).exists():
        made.update(east_west_work(actor, county_code, start, now))
    if made:
        log("Partners of the working year: " + ", ".join(f"{count} {kind}" for kind, count in made.items()))
    return made
