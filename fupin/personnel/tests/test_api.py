"""The permission matrix for teams, memberships, cadres, check-ins, leaders' contacts, training programmes and
appraisal scores, masking of cadres' ID numbers, and appraisal totals and grades computed by the service."""

import datetime

import pytest
from rest_framework.test import APIClient

from fupin.areas.models import Area
from fupin.cooperation.services import party_save
from fupin.personnel import services
from fupin.personnel.models import (
    AppraisalScore,
    Cadre,
    CheckIn,
    ContactLeader,
    TeamMembership,
    TrainingProgramme,
    WorkTeam,
)
from fupin.testing.factories import id_number, load_fixture_divisions, make_user, system_user
from fupin.testing.permission_matrix import PermissionMatrix

OTHER_VILLAGE = "533301001201"  # the village the matrix's editor creates in
D = datetime.date
FIRST_DAY = D(2018, 1, 1)


def _unit():
    return party_save(actor=system_user(), data={"kind": "local_unit", "name": "泸水市农业农村局",
                                                 "area": Area.objects.get(code="533301000000")})


def _cadre(sequence: str, area: str = "533301000000", **extra):
    return services.cadre_save(actor=system_user(), data={
        "area": Area.objects.get(code=area), "name": f"干部{sequence}", "unit_name": "泸水市农业农村局",
        "id_number": id_number("533301", "19800101", sequence), **extra})


def _team(village: str, unit, start=FIRST_DAY):
    return services.team_save(actor=system_user(), data={
        "village": Area.objects.get(code=village), "unit": unit, "dispatch_level": "county", "start_date": start})


def _scheme(area: str, subject_kind: str = "team"):
    return services.scheme_save(actor=system_user(), data={
        "name": "驻村工作队考核", "year": 2018, "subject_kind": subject_kind, "area": Area.objects.get(code=area),
        "indicators": [{"code": "results", "zh": "工作实绩", "en": "results", "weight": 60},
                       {"code": "discipline", "zh": "纪律作风", "en": "discipline", "weight": 40}]})


def _member(team, cadre, role="member", start=FIRST_DAY):
    return services.membership_save(actor=system_user(), data={"team": team, "cadre": cadre, "role": role,
                                                                "start_date": start})


class TestCadreEndpointPermissions(PermissionMatrix):
    basename = "personnel-cadre"
    model = Cadre
    supports_delete = False

    def make_object(self, area_code):
        return _cadre("011", area=area_code, phone="13812345678")

    def create_payload(self, area_code):
        return {"area": area_code, "name": "王五", "id_number": id_number("533301", "19750505", "031"),
                "unit_name": "鲁掌镇人民政府", "party_member": True}

    def update_payload(self):
        return {"position": "驻村工作队员"}


class TestTeamEndpointPermissions(PermissionMatrix):
    basename = "personnel-team"
    model = WorkTeam
    supports_delete = False

    def make_object(self, area_code):
        self.unit = _unit()
        return _team(area_code, self.unit)

    def create_payload(self, area_code):
        return {"village": area_code, "unit": self.unit.pk, "dispatch_level": "county", "start_date": "2018-01-01"}

    def update_payload(self):
        return {"note": "第二批"}


class TestMembershipEndpointPermissions(PermissionMatrix):
    basename = "personnel-membership"
    model = TeamMembership
    supports_delete = False

    def make_object(self, area_code):
        unit = _unit()
        self.teams = {code: _team(code, unit) for code in (area_code, OTHER_VILLAGE)}
        self.newcomer = _cadre("013")
        return _member(self.teams[area_code], _cadre("011"))

    def create_payload(self, area_code):
        return {"team": self.teams[area_code].pk, "cadre": self.newcomer.pk, "role": "member",
                "start_date": "2018-02-01"}

    def update_payload(self):
        return {"role": "captain"}


class TestCheckInEndpointPermissions(PermissionMatrix):
    basename = "personnel-check-in"
    model = CheckIn
    supports_delete = False

    def make_object(self, area_code):
        unit = _unit()
        self.memberships = {code: _member(_team(code, unit), _cadre(sequence))
                            for code, sequence in ((area_code, "011"), (OTHER_VILLAGE, "013"))}
        return services.check_in_save(actor=system_user(), data={"membership": self.memberships[area_code],
                                                                  "day": D(2018, 3, 1)})

    def create_payload(self, area_code):
        return {"membership": self.memberships[area_code].pk, "day": "2018-03-02", "latitude": "25.970000",
                "longitude": "98.820000"}

    def update_payload(self):
        return {"latitude": "25.980000", "longitude": "98.830000"}


class TestContactLeaderEndpointPermissions(PermissionMatrix):
    basename = "personnel-contact"
    model = ContactLeader
    supports_delete = False

    def make_object(self, area_code):
        self.leader = _cadre("011")
        return services.contact_save(actor=system_user(), data={
            "cadre": self.leader, "level": "county", "area": Area.objects.get(code=area_code),
            "start_date": FIRST_DAY})

    def create_payload(self, area_code):
        return {"cadre": self.leader.pk, "level": "county", "area": area_code, "start_date": "2018-01-01"}

    def update_payload(self):
        return {"end_date": "2019-12-31"}


class TestTrainingProgrammeEndpointPermissions(PermissionMatrix):
    basename = "personnel-programme"
    model = TrainingProgramme
    supports_delete = False

    def make_object(self, area_code):
        self.organiser = _unit()
        return services.programme_save(actor=system_user(), data={
            "name": "种植技术培训", "year": 2018, "area": Area.objects.get(code=area_code), "kind": "practical",
            "budget": "20000.00"})

    def create_payload(self, area_code):
        return {"name": "电商带头人培训", "year": 2018, "area": area_code, "kind": "leaders", "budget": "50000.00",
                "organiser": self.organiser.pk}

    def update_payload(self):
        return {"budget": "25000.00"}


class TestAppraisalScoreEndpointPermissions(PermissionMatrix):
    basename = "personnel-score"
    model = AppraisalScore
    supports_delete = False

    def make_object(self, area_code):
        unit = _unit()
        self.schemes = {code: _scheme(code) for code in (area_code, OTHER_VILLAGE)}
        self.teams = {code: _team(code, unit) for code in (area_code, OTHER_VILLAGE)}
        return services.score_save(actor=system_user(), data={
            "scheme": self.schemes[area_code], "team": self.teams[area_code],
            "scores": {"results": 80, "discipline": 90}})

    def create_payload(self, area_code):
        return {"scheme": self.schemes[area_code].pk, "team": self.teams[area_code].pk,
                "scores": {"results": 70, "discipline": 70}}

    def update_payload(self):
        return {"scores": {"results": 85, "discipline": 90}}


@pytest.mark.django_db
def test_appraisal_total_and_grade_come_back_computed():
    load_fixture_divisions()
    scheme = _scheme("533301000000")  # the county's scheme scores the teams of all its villages
    unit = _unit()
    team = _team("533301102201", unit)
    client = APIClient()
    client.force_authenticate(make_user(actions=["view", "change"], area="533301000000"))
    # A total and grade sent along are not the caller's to set: the service computes both from the scheme.
    created = client.post("/api/personnel/appraisal-scores/", {
        "scheme": scheme.pk, "team": team.pk, "scores": {"results": 90, "discipline": 80}, "total": "100.00",
        "grade": "excellent"}, format="json")
    assert created.status_code == 201, created.content
    assert (created.json()["total"], created.json()["grade"]) == ("86.00", "good")  # 90 × 60 % + 80 × 40 %
    changed = client.patch(f"/api/personnel/appraisal-scores/{created.json()['id']}/",
                           {"scores": {"results": 95, "discipline": 95}}, format="json")
    assert (changed.json()["total"], changed.json()["grade"]) == ("95.00", "excellent")
    assert client.get(f"/api/personnel/appraisal-scores/{created.json()['id']}/").json()["total"] == "95.00"
    incomplete = client.post("/api/personnel/appraisal-scores/", {
        "scheme": scheme.pk, "team": _team("533301001201", unit).pk, "scores": {"results": 90}}, format="json")
    assert (incomplete.status_code, incomplete.json()["field"]) == (400, "scores")


@pytest.mark.django_db
def test_cadre_id_numbers_are_masked_without_view_sensitive():
    load_fixture_divisions()
    cadre = _cadre("011", phone="13812345678")
    number = id_number("533301", "19800101", "011")
    viewer = APIClient()
    viewer.force_authenticate(make_user(actions=["view"], area="533301000000"))
    shown = viewer.get(f"/api/personnel/cadres/{cadre.pk}/").json()
    assert (shown["id_number"], shown["phone"]) == (number[:6] + "********" + number[-4:], "138****5678")
    approver = APIClient()
    approver.force_authenticate(make_user(role="county_approver", area="533301000000"))
    assert approver.get(f"/api/personnel/cadres/{cadre.pk}/").json()["id_number"] == number


@pytest.mark.django_db
def test_rotation_gaps_and_attendance_endpoints():
    load_fixture_divisions()
    unit = _unit()
    first = services.team_save(actor=system_user(), data={
        "village": Area.objects.get(code="533301102201"), "unit": unit, "dispatch_level": "county",
        "start_date": D(2018, 1, 1), "end_date": D(2018, 3, 31)})
    _team("533301102201", unit, start=D(2018, 4, 3))
    services.check_in_save(actor=system_user(), data={"membership": _member(first, _cadre("011")),
                                                      "day": D(2018, 3, 1)})
    client = APIClient()
    client.force_authenticate(make_user(actions=["view"], area="533301000000"))
    gaps = client.get("/api/personnel/teams/rotation-gaps/", {"area": "533301", "start": "2018-01-01",
                                                                "end": "2018-06-30"}).json()
    assert gaps[0]["team_gaps"] == [{"from": "2018-04-01", "to": "2018-04-02", "days": 2}]
    rows = client.get(f"/api/personnel/teams/{first.pk}/attendance/", {"year": 2018, "month": 3}).json()
    assert [(row["name"], row["days"], row["required"], row["below"]) for row in rows] == [
        ("干部011", 1, 20, True)]  # one day against the national 20 a month
    outsider = APIClient()
    outsider.force_authenticate(make_user(actions=["view"], area="441900000000"))
    assert outsider.get("/api/personnel/teams/rotation-gaps/", {"area": "533301", "start": "2018-01-01",
                                                                  "end": "2018-06-30"}).status_code == 403


@pytest.mark.django_db
def test_lists_filter_by_area_codes_as_typed_and_refuse_unknown_filters():
    load_fixture_divisions()
    unit = _unit()
    team = _team(OTHER_VILLAGE, unit)
    scheme = _scheme("533301000000")
    client = APIClient()
    client.force_authenticate(make_user(actions=["view"], area="533301000000"))

    def ids(url, **query):
        response = client.get(url, query)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids("/api/personnel/teams/", village="533301") == [team.pk]  # the county's subtree
    assert ids("/api/personnel/teams/", village=OTHER_VILLAGE, unit=unit.pk) == [team.pk]
    assert ids("/api/personnel/teams/", village="533323") == []
    assert ids("/api/personnel/appraisal-schemes/", area="5333") == [scheme.pk]
    assert ids("/api/personnel/appraisal-schemes/", area="533301000000", year=2019) == []
    assert client.get("/api/personnel/teams/", {"villages": "533301"}).status_code == 400
    assert client.get("/api/personnel/teams/", {"village": "12345"}).status_code == 400
    # A team outside the user's areas cannot be named in a filter.
    assert client.get("/api/personnel/memberships/", {"team": team.pk}).status_code == 200
    client.force_authenticate(make_user(actions=["view"], area="533323000000"))
    assert client.get("/api/personnel/memberships/", {"team": team.pk}).status_code == 400
