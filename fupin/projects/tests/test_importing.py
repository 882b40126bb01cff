"""Project workbooks through the projects services: a beneficiary outside the project's county is refused with its
row; re-importing changes nothing."""

from decimal import Decimal

import pytest

from fupin.projects.importing import projects_import
from fupin.projects.models import AssetIncome, Project, ProjectAsset, ProjectBeneficiary
from fupin.testing.factories import load_fixture_divisions, register_poor_household, system_user, write_csv

pytestmark = pytest.mark.django_db



def test_projects_and_beneficiaries(tmp_path):
    load_fixture_divisions()
    inside = register_poor_household(area="533301102201", size=3)
    outside = register_poor_household(area="533323101201", size=2)
    projects = write_csv(tmp_path, "projects.csv", [
        ["项目名称", "项目类型", "行政区划代码", "年度", "计划开工日期", "计划完工日期", "建设规模"],
        ["鲁掌光伏电站", "光伏", "533301000000", "2017", "2017-03-01", "2017-10-31", "300"],
        ["坏项目", "造飞机", "533301000000", "2017", "", "", ""],
    ])
    report = projects_import(actor=system_user(), kind="projects", path=projects, skip_invalid=True)
    assert [(e.row, e.column) for e in report.errors] == [(3, "项目类型")]
    project = Project.objects.get()
    assert (project.type, project.stages.count()) == ("photovoltaic", 5)
    assert projects_import(actor=system_user(), kind="projects", path=projects, skip_invalid=True).unchanged == 1

    beneficiaries = write_csv(tmp_path, "beneficiaries.csv", [
        ["项目编号", "户编号", "利益联结机制", "受益金额", "受益人数"],
        [str(project.pk), inside.number, "分红", "800", "3"],
        [str(project.pk), outside.number, "分红", "800", "2"],
    ])
    report = projects_import(actor=system_user(), kind="beneficiaries", path=beneficiaries, skip_invalid=True)
    assert [(e.row, e.column) for e in report.errors] == [(3, "户编号")]
    assert list(ProjectBeneficiary.objects.values_list("household", "persons")) == [(inside.pk, 3)]


def test_fundings_assets_and_their_income(tmp_path):
    load_fixture_divisions()
    project = Project.objects.create(name="光伏电站", type="photovoltaic", area_id="533301000000", year=2017)
    fundings = write_csv(tmp_path, "fundings.csv", [["项目编号", "资金来源", "计划投资", "实际投资"],
                                                    [str(project.pk), "中央财政", "2000000", "1800000"],
                                                    [str(project.pk), "造币厂", "1", "1"]])
    report = projects_import(actor=system_user(), kind="fundings", path=fundings, skip_invalid=True)
    assert [(e.row, e.column) for e in report.errors] == [(3, "资金来源")]
    assert project.fundings.get().actual == Decimal("1800000")
    assets = write_csv(tmp_path, "assets.csv", [
        ["项目编号", "资产类型", "资产名称", "资产价值", "所有者类型", "所有者", "所有者区划代码"],
        [str(project.pk), "经营性", "村级光伏电站", "1800000", "村集体", "鲁掌村集体经济组织", "533301102201"]])
    assert projects_import(actor=system_user(), kind="assets", path=assets).created == 1
    asset = ProjectAsset.objects.get()
    incomes = write_csv(tmp_path, "incomes.csv", [["资产编号", "年度", "收益金额", "分配到户金额"],
                                                  [str(asset.pk), "2018", "160000", "120000"],
                                                  [str(asset.pk), "2019", "150000", "150001"]])
    report = projects_import(actor=system_user(), kind="asset_incomes", path=incomes, skip_invalid=True)
    assert [(e.row, e.column) for e in report.errors] == [(3, "分配到户金额")]
    assert list(AssetIncome.objects.values_list("year", "distributed_to_households")) == [(2018, Decimal("120000"))]
