"""Personnel workbooks through the personnel services: a registered poor person refused as a cadre, a member's team
found by village and date, a second captain refused — each with its row — and nothing written unless asked."""

import datetime

import pytest

from fupin.areas.models import Area
from fupin.cooperation.models import Party
from fupin.personnel.importing import personnel_import
from fupin.personnel.models import Cadre, CheckIn, TeamMembership, TrainingProgramme, WorkTeam
from fupin.testing.factories import id_number, load_fixture_divisions, register_poor_household, system_user, write_csv

pytestmark = pytest.mark.django_db



def test_cadres_teams_and_members(tmp_path):
    load_fixture_divisions()
    poor = register_poor_household(area="533301102201", size=1).members.get()
    Party.objects.create(kind="provincial_unit", name="省农业农村厅", area=Area.objects.get(code="533300000000"))
    first, second = id_number("530102", "19800101", "011"), id_number("530102", "19810101", "013")
    cadres = write_csv(tmp_path, "cadres.csv", [
        ["姓名", "证件号码", "性别", "管理区划代码", "所在单位", "单位名称", "中共党员"],
        ["王队长", first, "男", "533301000000", "省农业农村厅", "", "是"],
        ["李队员", second, "男", "533301000000", "", "泸水市农业农村局", "否"],
        [poor.name, poor.id_number, "男" if int(poor.id_number[16]) % 2 else "女", "533301000000", "", "村委会",
         "否"],
    ])
    report = personnel_import(actor=system_user(), kind="cadres", path=cadres)
    assert [(e.row, e.column) for e in report.errors] == [(4, "证件号码")] and Cadre.objects.count() == 0
    assert personnel_import(actor=system_user(), kind="cadres", path=cadres, skip_invalid=True).created == 2
    assert Cadre.objects.get(id_number=first).party_member is True

    teams = write_csv(tmp_path, "teams.csv", [["驻村代码", "派出单位", "选派层级", "开始日期"],
                                         ["533301102201", "省农业农村厅", "省", "2018-01-01"]])
    assert personnel_import(actor=system_user(), kind="teams", path=teams).created == 1
    members = write_csv(tmp_path, "members.csv", [
        ["驻村代码", "证件号码", "驻村职务", "开始日期"],
        ["533301102201", first, "队长", "2018-01-01"],
        ["533301102201", second, "队长", "2018-02-01"],  # a second captain at the same time
        ["533301102202", second, "队员", "2018-02-01"],  # no team serves that village
    ])
    report = personnel_import(actor=system_user(), kind="members", path=members, skip_invalid=True)
    assert sorted((e.row, e.column) for e in report.errors) == [(3, "驻村职务"), (4, "驻村代码")]
    membership = TeamMembership.objects.get()
    assert (membership.team, membership.dispatch_level) == (WorkTeam.objects.get(), "province")
    assert personnel_import(actor=system_user(), kind="members", path=members, skip_invalid=True).unchanged == 1


def test_programmes_and_check_ins(tmp_path):
    load_fixture_divisions()
    unit = Party.objects.create(kind="provincial_unit", name="省农业农村厅", area=Area.objects.get(code="533300000000"))
    programmes = write_csv(tmp_path, "programmes.csv", [
        ["培训名称", "年度", "行政区划代码", "培训类别", "培训经费", "组织单位"],
        ["2017年贫困劳动力免费职业培训", "2017", "533301000000", "职业技能", "500000", ""],
        ["2017年草果种植培训", "2017", "533301000000", "实用技术", "80000", "省农业农村厅"]])
    assert personnel_import(actor=system_user(), kind="programmes", path=programmes).created == 2
    assert TrainingProgramme.objects.get(kind="practical").organiser == unit
    cadre_id = id_number("530102", "19800101", "011")
    personnel_import(actor=system_user(), kind="cadres", path=write_csv(tmp_path, "cadres.csv", [
        ["姓名", "证件号码", "性别", "管理区划代码", "所在单位"],
        ["王队长", cadre_id, "男", "533301000000", "省农业农村厅"]]))
    personnel_import(actor=system_user(), kind="teams", path=write_csv(tmp_path, "teams.csv", [
        ["驻村代码", "派出单位", "选派层级", "开始日期"], ["533301102201", "省农业农村厅", "省", "2018-01-01"]]))
    personnel_import(actor=system_user(), kind="members", path=write_csv(tmp_path, "members.csv", [
        ["驻村代码", "证件号码", "驻村职务", "开始日期"], ["533301102201", cadre_id, "队长", "2018-01-01"]]))
    check_ins = write_csv(tmp_path, "check_ins.csv", [
        ["驻村代码", "证件号码", "日期"],
        ["533301102201", cadre_id, "2018-03-01"],
        ["533301102201", cadre_id, "2017-12-31"],  # before the team came
        ["533301102201", cadre_id, "2018-03-01"],  # the same day again
    ])
    report = personnel_import(actor=system_user(), kind="check_ins", path=check_ins, skip_invalid=True)
    assert sorted((e.row, e.column) for e in report.errors) == [(3, "证件号码"), (4, "驻村代码")]
    assert list(CheckIn.objects.values_list("day", flat=True)) == [datetime.date(2018, 3, 1)]
