"""Minimal data in two counties for the API-wide tests (the generated permission test and schemathesis).

Every record is made through the API itself by a nationwide administrator, once in 泸水市 (HOME) and once in
福贡县 (OTHER), so each resource has a row on each side. A record the API refuses to make (a rule tightened later)
is left out and named in `World.missing`; the tests say which they need.
"""

import itertools
from dataclasses import dataclass, field

from rest_framework.test import APIClient

from fupin.core import temporal
from fupin.testing.factories import (
    id_number,
    load_fixture_divisions,
    make_user,
    member_data,
    register_household,
    register_poor_household,
)

HOME_COUNTY, HOME_VILLAGE = "533301000000", "533301102201"  # 泸水市, 鲁掌村
OTHER_COUNTY, OTHER_VILLAGE = "533323000000", "533323101201"  # 福贡县, 腊竹底村
COUNTIES = {"home": (HOME_COUNTY, HOME_VILLAGE), "other": (OTHER_COUNTY, OTHER_VILLAGE)}
_numbers = itertools.count(21)


@dataclass
class World:
    admin: object
    # side ("home"/"other") → resource name → ids of its rows
    rows: dict = field(default_factory=lambda: {"home": {}, "other": {}})
    missing: list = field(default_factory=list)

    def ids(self, side: str, resource: str) -> list:
        return self.rows[side].get(resource, [])


def _post(client, world, side, resource, url, payload, key="id"):
    response = client.post(url, payload, format="json")
    if response.status_code not in (200, 201):
        world.missing.append((side, resource, response.status_code, response.content[:300]))
        return None
    value = response.json()[key]
    world.rows[side].setdefault(resource, []).append(value)
    return value


def _act(client, world, side, resource, url, payload):
    """A POST that makes no row of its own (a decision, an interview): refused, it is named in `world.missing`."""
    response = client.post(url, payload, format="json")
    if response.status_code not in (200, 201):
        world.missing.append((side, resource, response.status_code, response.content[:300]))
        return None
    return response.json()


def _add_duplicates(world, side, village, n) -> None:
    """Two households of one member each, without ID numbers and of the same name, birth date and village: the
    registration queues them as a possible duplicate for review."""
    from fupin.registry.selectors import duplicate_list

    households = [register_household(area=village, number=f"{village}{n % 100:02d}{k}", members=[member_data(
        name="罗梅", id_number="", sex="女", birth_date="1950-02-03", relation="户主")]).household for k in (1, 2)]
    for household in households:
        world.rows[side]["households"].append(household.pk)
        world.rows[side]["members"].extend(household.members.values_list("pk", flat=True))
    found = list(duplicate_list(actor=world.admin).filter(other__household=households[1]).values_list("pk", flat=True))
    if not found:
        world.missing.append((side, "duplicates", None, b"the registration queued no possible duplicate"))
    world.rows[side].setdefault("duplicates", []).extend(found)


def _add_notice(client, world, side, case) -> None:
    """The household exit case decided up to its village notice (村内公示), the notice published today and an
    objection received while it runs."""
    for step, extra in (("review", {}), ("verify", {}), ("acknowledgement", {"evidence": ["签字.jpg"]})):
        if _act(client, world, side, "cases", f"/api/cases/{case}/decide/",
                {"step": step, "outcome": "approve", **extra}) is None:
            return
    notice = _post(client, world, side, "notices", "/api/notices/", {
        "cases": [case], "step": "village_notice", "publisher": "村民委员会"})
    if notice:
        _post(client, world, side, "objections", "/api/objections/", {
            "notice": notice, "case": case, "content": "收入核算有误", "raised_by": "村民",
            "received_on": str(temporal.today())})


# A sheet of questionnaire household v1 from a household planned to exit that does not recognise the work done.
UNRECOGNISED = {"household_size": 2, "income_per_capita": "9000", "recognise_policy": False,
                "recognise_measures": True, "recognise_cadres": True, "recognise_exit": True,
                **{name: True for name in ("food_secure", "clothing_secure", "education_secure", "medical_secure",
                                           "housing_secure", "water_secure")}}


def _add_evaluation(client, world, side, county, village, n) -> None:
    """A third-party evaluation of the county for 2019 (its sample: the households planned to exit), the sampled
    household of this village interviewed, and the county's appeal of the finding that it does not recognise the
    work."""
    evaluation = _post(client, world, side, "evaluations/third-party", "/api/evaluations/third-party/", {
        "area": county, "year": 2019, "seed": n, "ordinary_per_village": 0})
    if not evaluation:
        return
    entries = client.get("/api/evaluations/third-party-samples/", {"evaluation": evaluation, "limit": 100}).json()
    entries = sorted(entries["results"], key=lambda entry: entry["id"])
    world.rows[side].setdefault("evaluations/third-party-samples", []).extend(entry["id"] for entry in entries)
    for entry in entries:
        if entry["area_code"] != village:
            continue
        if _act(client, world, side, "evaluations/third-party-samples",
                f"/api/evaluations/third-party-samples/{entry['id']}/interview/",
                {"answers": UNRECOGNISED, "interviewed_on": "2019-11-20", "interviewer": "评估员"}) is None:
            continue
        _post(client, world, side, "evaluations/third-party-appeals", "/api/evaluations/third-party-appeals/", {
            "entry": entry["id"], "finding": "not_recognised", "evidence": "入户回访：户主认可帮扶工作，调查时误答"})


def _add_roster_survey(client, world, side, county, village, n) -> None:
    """Three households of the village's 2025 roster, a roster survey of the county drawn from them and a finding
    on each drawn household (漏评 / 漏监测 estimates)."""
    from fupin.evaluation.models import RosterHousehold

    for k in range(1, 4):
        RosterHousehold.objects.get_or_create(village_id=village, year=2025, number=f"{n}-{k}",
                                              defaults={"head_name": f"户主{n}{k}", "persons": 3})
    survey = _post(client, world, side, "evaluations/roster-surveys", "/api/evaluations/roster-surveys/", {
        "area": county, "year": 2025, "seed": n, "households_per_village": 2})
    if not survey:
        return
    entries = client.get("/api/evaluations/roster-entries/", {"survey": survey, "limit": 100}).json()["results"]
    for entry in sorted(entries, key=lambda entry: entry["id"]):
        world.rows[side].setdefault("evaluations/roster-entries", []).append(entry["id"])
        _act(client, world, side, "evaluations/roster-entries",
             f"/api/evaluations/roster-entries/{entry['id']}/finding/",
             {"should_register": True, "should_monitor": False, "surveyed_on": "2025-10-20"})


def _add_low_income(world, side, county, village, n) -> None:
    """A person on a 民政 list (outside the registry) with a membership and a 2023 economic check, and the
    re-evaluation of the village (its findings). The API is read-only: made through the services."""
    import datetime
    from decimal import Decimal

    from fupin.lowincome import reevaluation
    from fupin.lowincome import services as lowincome

    person = lowincome.person_find_or_create(actor=world.admin, id_number=id_number(county[:6], "19600101",
                                                                                    f"{500 + n:03d}"),
                                             name=f"低收入{n}", area_code=village)
    membership = lowincome.membership_save(actor=world.admin, person=person, data={
        "category": "edge", "department": "民政局", "identified_on": datetime.date(2022, 1, 1)})
    world.rows[side].setdefault("lowincome/memberships", []).append(membership.pk)
    lowincome.check_save(actor=world.admin, person=person, year=2023, data={
        "household_size": 2, "income_per_capita": Decimal("5000"), "property_passed": True})
    run = reevaluation.reevaluate(actor=world.admin, year=2023, area_code=village)
    world.rows[side].setdefault("lowincome/findings", []).extend(
        run.findings.filter(person=person).order_by("id").values_list("pk", flat=True))


def build_world() -> World:
    load_fixture_divisions()
    admin = make_user(role="administrator", area=None)
    world = World(admin=admin)
    client = APIClient()
    client.force_authenticate(admin)
    for side, (county, village) in COUNTIES.items():
        n = next(_numbers)
        # Above the poverty line: the household exit procedure can start on it (and it is planned to exit in
        # 2019, so a third-party evaluation samples it).
        household = register_poor_household(area=village, size=2, income_per_capita="9000", planned_exit_year=2019)
        world.rows[side]["households"] = [household.pk]
        members = list(household.members.values_list("pk", flat=True))
        world.rows[side]["members"] = members
        cadre = _post(client, world, side, "personnel/cadres", "/api/personnel/cadres/", {
            "area": county, "name": f"王干部{n}", "id_number": id_number("110101", "19750101", f"{n * 2 + 1:03d}"),
            "unit_name": "县扶贫办"})
        unit = _post(client, world, side, "parties", "/api/parties/", {
            "kind": "local_unit", "name": f"县直单位{n}", "area": county})
        helped = _post(client, world, side, "parties", "/api/parties/", {
            "kind": "area", "name": f"村{n}", "area": village})
        team = _post(client, world, side, "personnel/teams", "/api/personnel/teams/", {
            "village": village, "unit": unit, "dispatch_level": "county", "start_date": "2018-01-01"})
        membership = _post(client, world, side, "personnel/memberships", "/api/personnel/memberships/", {
            "team": team, "cadre": cadre, "role": "member", "start_date": "2018-02-01"})
        _post(client, world, side, "personnel/check-ins", "/api/personnel/check-ins/", {
            "membership": membership, "day": "2018-03-02"})
        _post(client, world, side, "personnel/contacts", "/api/personnel/contacts/", {
            "cadre": cadre, "level": "county", "area": county, "start_date": "2018-01-01"})
        training = _post(client, world, side, "personnel/programmes", "/api/personnel/programmes/", {
            "name": "种植技术培训", "year": 2018, "area": county, "kind": "practical", "budget": "20000.00"})
        _post(client, world, side, "personnel/trainees", "/api/personnel/trainees/", {
            "programme": training, "member": members[0]})
        scheme = _post(client, world, side, "personnel/appraisal-schemes", "/api/personnel/appraisal-schemes/", {
            "name": "驻村工作队考核", "year": 2018, "subject_kind": "team", "area": county,
            "indicators": [{"code": "results", "zh": "工作实绩", "en": "results", "weight": 60},
                           {"code": "discipline", "zh": "纪律作风", "en": "discipline", "weight": 40}]})
        _post(client, world, side, "personnel/appraisal-scores", "/api/personnel/appraisal-scores/", {
            "scheme": scheme, "team": team, "scores": {"results": 80, "discipline": 90}})
        project = _post(client, world, side, "projects", "/api/projects/", {
            "name": "通村公路", "type": "infrastructure", "area": village, "year": 2019, "planned_scale": "12.5"})
        _post(client, world, side, "project-fundings", "/api/project-fundings/", {
            "project": project, "source": "central_fiscal", "planned": "100000.00"})
        _post(client, world, side, "project-beneficiaries", "/api/project-beneficiaries/", {
            "project": project, "household": household.pk, "mechanism": "wages", "amount": "1000.00",
            "persons": 2})
        asset = _post(client, world, side, "project-assets", "/api/project-assets/", {
            "project": project, "kind": "public", "name": "村组道路", "value": "120000.00",
            "owner_kind": "collective", "owner_name": "村民委员会", "owner_area": village})
        income = _post(client, world, side, "asset-incomes", "/api/asset-incomes/", {
            "asset": asset, "year": 2019, "amount": "1000.00", "distributed_to_households": "500.00"})
        _post(client, world, side, "asset-maintenances", "/api/asset-maintenances/", {
            "asset": asset, "date": "2020-03-01", "cost": "300.00", "note": "路面修补"})
        _post(client, world, side, "asset-income-shares", "/api/asset-income-shares/", {
            "income": income, "recipient": "village", "area": village, "amount": "200.00", "paid_on": "2020-01-10"})
        _post(client, world, side, "asset-disposals", "/api/asset-disposals/", {
            "asset": asset, "reason": "道路改线", "value": "0.00", "applied_on": "2024-03-01"})
        document = _post(client, world, side, "fund-documents", "/api/fund-documents/", {
            "number": f"县财农〔2017〕{n}号", "title": "村级扶贫资金", "source": "revolving", "year": 2017,
            "issuing_area": county, "total": "20000.00", "issued_on": "2017-05-01"})
        _post(client, world, side, "fund-entries", "/api/fund-entries/", {
            "document": document, "kind": "allocate", "area": village, "amount": "10000.00",
            "date": "2017-06-01"})
        _post(client, world, side, "assistance/plans", "/api/assistance/plans/", {
            "household": household.pk, "year": 2019, "causes": ["05"]})
        _post(client, world, side, "assistance/measures", "/api/assistance/measures/", {
            "household": household.pk, "measure_type": "industry", "delivered_on": "2019-05-01",
            "amount": "2000.00"})
        _post(client, world, side, "assistance/visits", "/api/assistance/visits/", {
            "household": household.pk, "cadre": cadre, "visited_on": "2019-05-02", "notes": "入户走访"})
        _post(client, world, side, "area-years", "/api/area-years/", {
            "area": village, "year": 2015, "rural_population": 1180, "households": 298})
        _post(client, world, side, "designations", "/api/designations/", {
            "area": village, "designation_type": "deep_poverty_village", "year": 2017})
        _post(client, world, side, "monitoring/disasters", "/api/monitoring/disasters/", {
            "area": county, "kind": "flood", "occurred_on": "2020-07-01", "title": "洪涝"})
        if unit and helped:
            _post(client, world, side, "pairings", "/api/pairings/", {
                "programme": "designated", "helper": unit, "helped": helped, "start_date": "2018-01-01"})
        workshop = _post(client, world, side, "workshops", "/api/workshops/", {
            "name": "扶贫车间", "area": village, "opened_on": "2018-05-01", "jobs": 20})
        if workshop:
            _act(client, world, side, "workshops/employees", f"/api/workshops/{workshop}/employees/", {
                "members": [household.members.first().pk]})
        case = _post(client, world, side, "cases", "/api/cases/", {
            "procedure": "household_exit", "year": 2019, "household": household.pk})
        if case:
            _add_notice(client, world, side, case)
        _add_duplicates(world, side, village, n)
        _add_evaluation(client, world, side, county, village, n)
        _add_roster_survey(client, world, side, county, village, n)
        _post(client, world, side, "grievances", "/api/grievances/", {
            "channel": "hotline", "category": "favouritism", "household": household.pk, "cadre": cadre,
            "summary": "反映优亲厚友", "content": "村干部亲属被纳入建档立卡", "reporter_name": "匿名群众"})
        _add_low_income(world, side, county, village, n)
    return world


HOME_SECOND_VILLAGE = "533301102202"  # 三河村, beside 鲁掌村 in 泸水市


def grow(world: World, side: str = "home", village: str = HOME_SECOND_VILLAGE) -> None:
    """A second batch of the same kinds of rows on one side (the query-count test: a list costs what it cost).

    `build_world`'s row makers run again for that side's county, in another of its villages (a village has one
    party, one set of figures a year). Every new id joins `world.rows` after the first batch's, so a route's first
    row is still the one it was; a row refused is named in `world.missing` as `build_world` does.
    """
    global COUNTIES
    everywhere = COUNTIES
    COUNTIES = {side: (everywhere[side][0], village)}
    try:
        batch = build_world()
    finally:
        COUNTIES = everywhere
    # A county has one flood a day: the second is another day's.
    world.missing.extend(entry for entry in batch.missing if entry[1] != "monitoring/disasters")
    for resource, ids in batch.rows[side].items():
        world.rows[side].setdefault(resource, []).extend(ids)
    client = APIClient()
    client.force_authenticate(world.admin)
    _post(client, world, side, "monitoring/disasters", "/api/monitoring/disasters/", {
        "area": everywhere[side][0], "kind": "flood", "occurred_on": "2020-07-02", "title": "洪涝"})


def add_derived_rows(world: World, side: str = "home", village: str | None = None) -> None:
    """Rows made from the others, for the lists `build_world` leaves empty: an exited household in the village (a
    flash flood there warns it), a loan to each of the side's households (from a bank), and what the monitoring
    and quality scans of the county find (warnings, visit tasks, findings). Run again after `grow` (with its
    village), it adds the same for the new rows."""
    import datetime

    from fupin.monitoring.services import disaster_record, warnings_run
    from fupin.quality.services import scan_run

    county, village = COUNTIES[side][0], village or COUNTIES[side][1]
    client = APIClient()
    client.force_authenticate(world.admin)
    n = next(_numbers)
    exited = register_poor_household(area=village, size=2, year=2023, status="1", income_per_capita="9000")
    world.rows[side]["households"].append(exited.pk)
    world.rows[side]["members"].extend(exited.members.values_list("pk", flat=True))
    bank = _post(client, world, side, "parties", "/api/parties/", {
        "kind": "financial", "name": f"农村信用社{n}", "area": county})
    world.loaned = getattr(world, "loaned", set())  # households that have their loan
    for household in world.ids(side, "households"):
        if household not in world.loaned and bank:
            _post(client, world, side, "assistance/loans", "/api/assistance/loans/", {
                "household": household, "bank": bank, "amount": "50000.00", "annual_rate": "4.35",
                "issued_on": "2019-03-01", "due_on": "2022-03-01"})
            world.loaned.add(household)
    disaster_record(actor=world.admin, area_code=village, kind="flood", occurred_on=datetime.date(2023, 6, 1),
                    title="山洪")
    # The scans' jobs would start once the request's transaction commits, which a test's never does: their
    # services run here.
    warnings_run(actor=world.admin, year=2023, area_code=county, on=datetime.date(2023, 6, 10), rules=["disaster"])
    scan_run(actor=world.admin, year=2019, area_code=county)
