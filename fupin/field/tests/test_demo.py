"""The demo builder on a small hand-built county: the village operator's synced visits and check-ins, made once."""

import datetime

import pytest

from fupin.areas.models import Area, AreaLocation
from fupin.assistance import services as assistance_services
from fupin.assistance.models import HouseholdVisit
from fupin.cooperation.models import Party
from fupin.demo import field as field_demo
from fupin.demo.users import demo_users
from fupin.field.models import FieldEntry
from fupin.personnel import services as personnel_services
from fupin.personnel.models import CheckIn
from fupin.testing.factories import load_fixture_divisions, make_cadre, make_user, register_poor_household, system_user

pytestmark = pytest.mark.django_db


def test_the_demo_records_synced_visits_and_check_ins_once():
    load_fixture_divisions()
    village = next(spec.area_code for spec in demo_users() if spec.username == "village_operator")
    make_user(username="village_operator", role="village_operator", area=village)
    cadre = make_cadre(name="和志强")
    start = datetime.date(2020, 1, 1)
    for _ in range(6):
        household = register_poor_household(area=village, size=2)
        assistance_services.record_save(actor=system_user(), kind="responsibility", data={
            "household": household, "cadre": cadre, "level": "village", "start_date": start})
    unit = Party.objects.create(kind="local_unit", name="县农业农村局", area=Area.objects.get(code="533301000000"))
    team = personnel_services.team_save(actor=system_user(), data={
        "village": Area.objects.get(code=village), "unit": unit, "dispatch_level": "county", "start_date": start})
    personnel_services.membership_save(actor=system_user(), data={
        "team": team, "cadre": cadre, "role": "member", "start_date": start})
    made = field_demo.build(actor=system_user(), county_code="533301", log=lambda text: None)
    # 6 visits (the fifth, k = 4, from 0.045° north: 5,003.8 m away, far) and 10 daily check-ins.
    assert made == {"entries": 16, "applied": 16, "far": 1}
    assert HouseholdVisit.objects.count() == 6 and CheckIn.objects.count() == 10
    assert AreaLocation.objects.get(area_id=village).source.startswith("demo")
    assert field_demo.build(actor=system_user(), county_code="533301", log=lambda text: None) == {}
    assert FieldEntry.objects.count() == 16 and HouseholdVisit.objects.count() == 6
