"""The permission matrix for teams, memberships, cadres and check-ins, and masking of cadres' ID numbers."""

import datetime

import pytest
from rest_framework.test import APIClient

from fupin.areas.models import Area
from fupin.cooperation.services import party_save
from fupin.personnel import services
from fupin.personnel.models import Cadre, CheckIn, TeamMembership, WorkTeam
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
