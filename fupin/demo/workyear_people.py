"""The county's people at work: the responsible cadres (帮扶责任人) of its poor households, every poor household's
plan for the year (一户一策) with its causes and planned measures, what was delivered, and the cadres' monthly visits
with the gaps the not-visited list finds."""

import datetime
from decimal import Decimal

from fupin.assistance.bulk import delivered_bulk_create
from fupin.assistance.models import DeliveredMeasure, HouseholdVisit, MeasureType, Responsibility
from fupin.assistance.services import RECORD_SAVED, RULES, plan_save
from fupin.personnel.bulk import cadres_bulk_create
from fupin.personnel.models import Cadre
from fupin.records.batches import records_bulk_create

from .workyear_common import cadre_identities, county_area, county_households, names, working_days

HOUSEHOLDS_PER_CADRE = 4  # a cadre answers for at most five households (the common county rule); the demo: four
# The county's units the cadres come from (a demo choice after a county's usual bureaus) and their level.
UNITS = (("county", "县农业农村局"), ("county", "县人力资源和社会保障局"), ("county", "县教育体育局"),
         ("county", "县卫生健康局"), ("county", "县住房和城乡建设局"), ("county", "县林业和草原局"),
         ("township", "乡镇人民政府"), ("village", "村民委员会"))
POSITIONS = ("科员", "副局长", "干部", "驻村工作队员", "站长", "村委会委员")
# A measure per cause (the catalogue's codes, fupin/assistance/data/measures.json), in the order a plan lists them.
MEASURE_FOR_CAUSE = {"01": "health", "02": "safety_net", "03": "education", "04": "housing", "05": "industry",
                     "06": "water", "07": "employment", "08": "public_job", "09": "microcredit",
                     "10": "relocation", "11": "industry", "12": "other"}
SECOND_MEASURE = ("employment", "industry", "ecological", "education", "health")
PLANNED_AMOUNT = {"industry": 3000, "employment": 1500, "public_job": 6000, "relocation": 60000,
                  "ecological": 10000, "education": 3000, "health": 2000, "housing": 20000, "water": 1000,
                  "microcredit": 50000, "asset_income": 800, "safety_net": 3600, "other": 500}
NOT_VISITED_SHARE = 7  # one household in seven has a gap in its visits (its cadre last came months ago)


def _months_back(on: datetime.date, months: int) -> datetime.date:
    month = on.month - 1 - months
    return on.replace(year=on.year + month // 12, month=month % 12 + 1, day=min(on.day, 28))


def cadres(*, actor, county_code: str, rng, count: int) -> list[Cadre]:
    """`count` responsible cadres of the county's units, with distinct names and valid ID numbers."""
    area = county_area(county_code)
    stored = list(Cadre.objects.filter(area=area, unit_name__startswith=area.name).order_by("id"))
    if len(stored) >= count:
        return stored[:count]
    identities = cadre_identities()
    taken_numbers = set(Cadre.objects.values_list("id_number", flat=True))
    made = []
    for name in names(rng, count - len(stored), taken=set(Cadre.objects.values_list("name", flat=True))):
        number = identities.next(county_code[:6], rng.random() < 0.6)
        while number in taken_numbers:
            number = identities.next(county_code[:6], rng.random() < 0.6)
        _level, unit = rng.choice(UNITS)
        made.append(Cadre(area=area, name=name, id_number=number, unit_name=f"{area.name}{unit}",
                          position=rng.choice(POSITIONS), party_member=rng.random() < 0.7,
                          phone=f"139{rng.randint(0, 99_999_999):08d}"))
    return stored + cadres_bulk_create(actor=actor, records=made)


def _bulk(actor, kind: str, records: list) -> list:
    """New assistance records of `kind` in sets, by the same rules and permission as `record_save`."""
    _model, area_of, rules = RULES[kind]
    for record in records:
        record.recorded_by = actor
    return records_bulk_create(actor=actor, records=records, event=RECORD_SAVED,
                               permitted_in=lambda record: [area_of(record)], rules=rules)


def build(*, actor, county_code: str, seed: int = 2026, log=print) -> dict:
    start, now, rng = working_days(seed)
    households = list(county_households(county_code))
    if not households or Responsibility.objects.filter(household__county_code=county_code[:6]).exists():
        return {}
    team = cadres(actor=actor, county_code=county_code, rng=rng,
                  count=max(3, -(-len(households) // HOUSEHOLDS_PER_CADRE)))
    levels = {unit: level for level, unit in UNITS}
    county_name = county_area(county_code).name
    duties, visits, delivered = [], [], []
    types = {t.code: t for t in MeasureType.objects.all()}
    plans = 0
    for k, household in enumerate(households):
        cadre = team[k // HOUSEHOLDS_PER_CADRE]
        # The cadre has answered for the household since the year it was identified or since 2016 (history).
        since = datetime.date(max(household.identified_year or 2016, 2016), 3, 1 + k % 27)
        level = levels.get(cadre.unit_name.removeprefix(county_name), "county")
        duties.append(Responsibility(household=household, cadre=cadre, level=level, start_date=since))
        causes = [household.main_cause, *[c for c in household.other_causes if c != household.main_cause]]
        if len(causes) == 1 and k % 3 == 0:
            causes.append(("07", "09", "08", "01")[k % 4] if household.main_cause != "07" else "09")
        measures = list(dict.fromkeys([MEASURE_FOR_CAUSE.get(c, "other") for c in causes]
                                      + [SECOND_MEASURE[k % len(SECOND_MEASURE)]]))
        planned = [{"measure_type": types[code], "planned_amount": Decimal(PLANNED_AMOUNT[code]),
                    "note": ""} for code in measures if code in types]
        plan = plan_save(actor=actor, household=household, year=now.year, causes=causes, planned=planned,
                         note="一户一策：对症施策，年内落实")
        plans += 1
        # Most measures have reached the household during the year; the last of every third plan is still to come.
        due = planned[:-1] if k % 3 == 0 and len(planned) > 1 else planned
        for j, item in enumerate(due):
            on = start + datetime.timedelta(days=30 + (k * 13 + j * 71) % 300)
            delivered.append(DeliveredMeasure(household=household, plan=plan, measure_type=item["measure_type"],
                                              delivered_on=min(on, now), amount=item["planned_amount"]))
        # Monthly visits (the province's interval); one household in seven was last visited two to four months ago.
        gap = 2 + k % 3 if k % NOT_VISITED_SHARE == 3 else 0
        for month in range(11, gap - 1, -1):
            visited = _months_back(now, month) - datetime.timedelta(days=(k + month) % 9)
            if visited >= start:
                visits.append(HouseholdVisit(household=household, cadre=cadre, visited_on=visited,
                                             notes=rng.choice(VISIT_NOTES)))
    _bulk(actor, "responsibility", duties)
    delivered_bulk_create(actor=actor, records=delivered)
    _bulk(actor, "visit", visits)
    log(f"Working year in {county_code}: {len(team)} cadres, {plans} plans, {len(delivered)} measures delivered, "
        f"{len(visits)} visits.")
    return {"cadres": len(team), "responsibilities": len(duties), "plans": plans, "delivered": len(delivered),
            "visits": len(visits)}


VISIT_NOTES = ("了解家庭收入和务工情况，宣讲政策", "核实两不愁三保障情况，饮水、住房安全", "落实产业帮扶，查看养殖情况",
               "子女就学情况了解，雨露计划申请指导", "家庭成员就医报销情况核实", "帮助联系务工岗位",
               "入户填写收入台账", "查看危房改造进度")
