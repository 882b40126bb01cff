"""The report card's figures for a group of ethnic groups (the first seed's 直过民族 and 人口较少民族) and the
East–West projects, on the hand-built registry of scenario.py, each worked out by hand below."""

import datetime
from decimal import Decimal

import pytest

from fupin.analytics.extract import snapshot_fill
from fupin.analytics.report import report_card
from fupin.areas.models import AreaDesignation
from fupin.areas.services import ethnic_population_import
from fupin.projects.services import beneficiary_save, funding_save, project_save
from fupin.registry.models import Member
from fupin.testing.factories import system_user, write_csv
from fupin.workflows.models import Case, Procedure

from . import scenario

pytestmark = pytest.mark.django_db
LISU, DERUNG = "20", "51"


@pytest.fixture
def card(settings, tmp_path):
    settings.ANALYTICS_DIR = tmp_path / "analytics"
    households = scenario.build()
    # H1 (鲁掌: poor 3 in 2018, 4 in 2019) is 傈僳族; H2 (鲁掌: poor 2 in 2018, out of poverty in 2019) 独龙族;
    # everyone else 汉族.
    Member.objects.update(ethnicity="01")
    Member.objects.filter(household=households["h1"]).update(ethnicity=LISU)
    Member.objects.filter(household=households["h2"]).update(ethnicity=DERUNG)
    # The groups' own rural population; the province's rows win over 泸水市's (the shallowest level is taken).
    path = write_csv(tmp_path, "groups.csv", [
        ["行政区划代码", "年度", "民族", "乡村人口"],
        ["530000000000", "2018", "傈僳族", "80"], ["530000000000", "2019", "20", "80"],
        ["530000000000", "2018", "独龙族", "50"], ["530000000000", "2019", "獨龍族", "50"],
        ["533301000000", "2019", "傈僳族", "999"]])
    report = ethnic_population_import(actor=system_user(), path=path)
    assert (report.created, report.errors) == (5, [])
    designate = AreaDesignation.objects.create
    # The groups live in 鲁掌镇 (its villages 鲁掌 and 三河) and in 双奎地村.
    designate(area_id="533301102000", designation_type_id="direct_transition_area", year=2014)
    designate(area_id=scenario.SHUANGKUIDI, designation_type_id="direct_transition_area", year=2014)
    designate(area_id=scenario.LUZHANG, designation_type_id="poor_village", year=2014, exit_year=2019)  # counted:
    Case.objects.create(procedure=Procedure.objects.get(effect="village_exit"), area_id=scenario.LUZHANG, year=2019,
                        status=Case.Status.COMPLETED, started_on=datetime.date(2019, 11, 1),
                        finished_on=datetime.date(2019, 12, 20), created_by=system_user())  # its exit decided
    designate(area_id=scenario.SANHE, designation_type_id="poor_village", year=2014)  # not exited
    designate(area_id=scenario.SHUANGKUIDI, designation_type_id="poor_village", year=2014, exit_year=2017)  # before
    designate(area_id=scenario.LAZHUDI, designation_type_id="poor_village", year=2014, exit_year=2019)  # elsewhere

    # East–West aid paid for one project reaching H1 (poor) and H2 (out of poverty, 2 members); a project of
    # another source reaching H3 is not counted.
    actor = system_user()
    for name, source, household in (("沪滇协作产业项目", "east_west_aid", None), ("县级道路", "local_fiscal", "h3")):
        project = project_save(actor=actor, data={"name": name, "type": "industry", "year": 2019,
                                                  "area": households["h1"].area})
        funding_save(actor=actor, data={"project": project, "source": source, "planned": Decimal("100000"),
                                        "actual": Decimal("100000")})
        for key in [household] if household else ["h1", "h2"]:
            beneficiary_save(actor=actor, data={"project": project, "household": households[key],
                                                "mechanism": "dividends", "amount": Decimal("500"), "persons": 1})
    snapshot_fill()
    result = report_card(actor=system_user(), year=2019, area_code="53", baseline=2018,
                         until=datetime.date(2020, 3, 31))
    return {figure["key"]: figure for figure in result["figures"]}


def test_group_incidence_exits_villages_and_groups_out_as_a_whole(card):
    value = {key: figure["value"] for key, figure in card.items()}
    # Poor at the end of 2018: H1's 3 + H2's 2 = 5 of 80 + 50 = 130; at the end of 2019: H1's 4 (a baby was born).
    assert (value["group_direct_transition_poor_2018"], value["group_direct_transition_incidence_2018"]) == (
        5, 5 / 130)
    assert (value["group_direct_transition_poor_2019"], value["group_direct_transition_incidence_2019"]) == (
        4, 4 / 130)
    assert value["group_direct_transition_exited_persons"] == 2  # H2 in 2019
    # Poor villages of the groups' areas exited in 2018–2019: 鲁掌 only (三河 has not exited, 双奎地 exited in 2017,
    # 腊竹底 is not in their areas).
    assert value["group_direct_transition_villages_exited"] == 1
    # 独龙族: 0 of 50 poor, below the western counties' 3 %; 傈僳族: 4 of 80 = 5 %, not.
    whole = card["group_direct_transition_exited_as_whole"]
    assert (whole["value"], whole["how"]["groups"], whole["how"]["filters"]["incidence_below"]) == (
        1, ["独龙族"], 0.03)


def test_east_west_projects_and_the_poor_they_helped_out(card):
    assert card["east_west_projects"]["value"] == 1
    assert card["east_west_poor_helped_out"]["value"] == 2  # H2's two members; H1 is still poor
    assert card["east_west_projects"]["how"]["filters"]["funding_source"] == "east_west_aid"


def test_a_bad_group_row_is_reported_and_nothing_is_written(tmp_path, db):
    scenario.load_fixture_divisions()
    path = write_csv(tmp_path, "bad.csv", [["行政区划代码", "年度", "民族", "乡村人口"],
                                           ["530000000000", "2019", "火星族", "80"],
                                           ["530000000000", "2019", "佤族", "-1"]])
    report = ethnic_population_import(actor=system_user(), path=path)
    assert [(e.row, e.column) for e in report.errors] == [(2, "民族"), (3, "乡村人口")]
    from fupin.areas.models import AreaEthnicPopulation

    assert not report.written and AreaEthnicPopulation.objects.count() == 0
