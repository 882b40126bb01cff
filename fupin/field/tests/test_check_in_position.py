"""A check-in's position is checked against its village in one place, the check-in service, whichever way the
check-in arrives: the API's form, the workbook import (personnel's RecordSpec saves each row through the service)
and the phone's sync. The same far position gives the same flag and distance on all three (5,560 m north of
鲁掌村's centroid: far at the 3 km default; 111 m: near — world.py computes both by hand)."""

import datetime

import pytest
from rest_framework.test import APIClient

from fupin.accounts.models import AreaGrant
from fupin.personnel.importing import personnel_import
from fupin.personnel.models import CheckIn
from fupin.testing.factories import write_csv

from .test_sync import client_for, sync
from .world import FAR, FAR_METRES, LUZHANG, NEAR, NEAR_METRES, TODAY, build_world

pytestmark = pytest.mark.django_db


def _flag(day):
    check_in = CheckIn.objects.get(day=day)
    return check_in.distance_m, check_in.far_from_village


def test_an_imported_check_in_far_from_its_village_is_flagged_like_a_form_one(tmp_path):
    world = build_world()
    form_day, import_day, phone_day, near_day = (TODAY - datetime.timedelta(days=k) for k in (1, 2, 3, 4))
    client = APIClient()
    client.force_login(world.user)
    response = client.post("/api/personnel/check-ins/", {"membership": world.membership.pk,
                                                          "day": form_day.isoformat(), "latitude": FAR[0],
                                                          "longitude": FAR[1]}, format="json")
    assert response.status_code == 201, response.content
    AreaGrant.objects.filter(user=world.user).update(actions=["view", "change", "import"])
    rows = [["驻村代码", "证件号码", "日期", "纬度", "经度"],
            [LUZHANG, world.cadre.id_number, import_day.isoformat(), *FAR],
            [LUZHANG, world.cadre.id_number, near_day.isoformat(), *NEAR]]
    report = personnel_import(actor=world.user, kind="check_ins", path=write_csv(tmp_path, "check_ins.csv", rows))
    assert report.errors == [] and report.created == 2
    answer = sync(client_for(world.user), {"id": "6f1c2a48-51a5-4d1e-9d55-0f3a3c1b7e21", "kind": "check_in",
                                           "data": {"membership": world.membership.pk, "day": phone_day.isoformat(),
                                                    "latitude": FAR[0], "longitude": FAR[1]}})[0]
    assert (answer["outcome"], answer["distance_m"], answer["far_from_village"]) == ("applied", FAR_METRES, True)
    assert _flag(form_day) == _flag(import_day) == _flag(phone_day) == (FAR_METRES, True)
    assert _flag(near_day) == (NEAR_METRES, False)


def test_a_re_imported_position_is_checked_again(tmp_path):
    world = build_world()
    AreaGrant.objects.filter(user=world.user).update(actions=["view", "change", "import"])
    day = TODAY - datetime.timedelta(days=1)
    header = ["驻村代码", "证件号码", "日期", "纬度", "经度"]
    near = write_csv(tmp_path, "near.csv", [header, [LUZHANG, world.cadre.id_number, day.isoformat(), *NEAR]])
    assert personnel_import(actor=world.user, kind="check_ins", path=near).created == 1
    assert _flag(day) == (NEAR_METRES, False)
    far = write_csv(tmp_path, "far.csv", [header, [LUZHANG, world.cadre.id_number, day.isoformat(), *FAR]])
    assert personnel_import(actor=world.user, kind="check_ins", path=far).updated == 1
    assert _flag(day) == (FAR_METRES, True)
