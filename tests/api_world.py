"""Minimal data in two counties for the API-wide tests (the generated permission test and schemathesis).

Every record is made through the API itself by a nationwide administrator, once in 泸水市 (HOME) and once in
福贡县 (OTHER), so each resource has a row on each side. A record the API refuses to make (a rule tightened later)
is left out and named in `World.missing`; the tests say which they need.
"""

import itertools
from dataclasses import dataclass, field

from rest_framework.test import APIClient

from fupin.testing.factories import id_number, load_fixture_divisions, make_user, register_poor_household

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


def build_world() -> World:
    load_fixture_divisions()
    admin = make_user(role="administrator", area=None)
    world = World(admin=admin)
    client = APIClient()
    client.force_authenticate(admin)
    for side, (county, village) in COUNTIES.items():
        n = next(_numbers)
        # Above the poverty line: the household exit procedure can start on it.
        household = register_poor_household(area=village, size=2, income_per_capita="9000")
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
        _post(client, world, side, "asset-incomes", "/api/asset-incomes/", {
            "asset": asset, "year": 2019, "amount": "1000.00", "distributed_to_households": "500.00"})
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
        _post(client, world, side, "cases", "/api/cases/", {
            "procedure": "household_exit", "year": 2019, "household": household.pk})
    return world
