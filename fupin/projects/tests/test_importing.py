"""Project workbooks through the projects services: a beneficiary outside the project's county is refused with its
row; re-importing changes nothing."""

import pytest

from fupin.projects.importing import projects_import
from fupin.projects.models import Project, ProjectBeneficiary
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
