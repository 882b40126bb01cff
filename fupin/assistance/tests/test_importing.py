"""Assistance workbooks: every bad row explained in both languages, all or nothing, idempotent."""

import datetime
from decimal import Decimal

import pytest

from fupin.areas.models import Area
from fupin.assistance.importing import assistance_import
from fupin.assistance.models import DeliveredMeasure, Loan, OriginVillage
from fupin.cooperation.creditcode import check_character
from fupin.cooperation.models import Party
from fupin.testing.factories import load_fixture_divisions, make_user, register_poor_household, system_user, write_csv

pytestmark = pytest.mark.django_db



@pytest.fixture
def households():
    load_fixture_divisions()
    return register_poor_household(area="533301102201", size=2), register_poor_household(area="533301102202", size=1)


def test_measures_all_or_nothing_then_skip_invalid_then_idempotent(tmp_path, households):
    first, second = households
    member = first.members.first()
    path = write_csv(tmp_path, "measures.csv", [
        ["户编号", "帮扶措施", "证件号码", "落实日期", "金额"],
        [first.number, "产业扶贫", member.id_number, "2019-04-01", "3000"],
        [first.number, "生态补偿（生态护林员、退耕还林补助）", "", "2019-05-01", "10000"],
        [second.number, "造飞机", "", "2019-05-01", "1"],
        [second.number, "industry", member.id_number, "2019-05-01", "1"],
        ["999", "industry", "", "2019/05/01", "-1"],
    ], encoding="utf-8-sig")  # as Excel saves a CSV
    report = assistance_import(actor=system_user(), kind="measures", path=path)
    assert not report.written and DeliveredMeasure.objects.count() == 0
    errors = sorted((e.row, e.column) for e in report.errors)
    assert errors == [(4, "帮扶措施"), (5, "证件号码"), (6, "户编号"), (6, "落实日期"), (6, "金额")]
    messages = {e.row: e.as_dict() for e in report.errors}
    assert "造飞机" in messages[4]["message_zh"] and "造飞机" in messages[4]["message_en"]

    kept = assistance_import(actor=system_user(), kind="measures", path=path, skip_invalid=True)
    assert kept.written and kept.created == 2 and DeliveredMeasure.objects.count() == 2
    assert DeliveredMeasure.objects.get(member=member).amount == Decimal("3000")
    again = assistance_import(actor=system_user(), kind="measures", path=path, skip_invalid=True)
    assert again.created == 0 and again.unchanged == 2 and DeliveredMeasure.objects.count() == 2


def test_loans_and_natural_villages(tmp_path, households):
    first, _second = households
    bank = Party.objects.create(kind="financial", name="泸水农商行", area=Area.objects.get(code="533301000000"))
    loans = write_csv(tmp_path, "loans.csv", [
        ["户编号", "贷款银行", "贷款金额", "放贷日期", "到期日期", "年利率"],
        [first.number, bank.name, "50000", "2017-03-01", "2020-03-01", "4.35"],
        [first.number, bank.name, "60000", "2017-04-01", "2020-03-01", "4.35"],
    ])
    report = assistance_import(actor=system_user(), kind="loans", path=loans, skip_invalid=True)
    assert [(e.row, e.column) for e in report.errors] == [(3, "贷款金额")]
    assert Loan.objects.get().issued_on == datetime.date(2017, 3, 1)

    villages = write_csv(tmp_path, "villages.csv", [
        ["行政区划代码", "自然村", "深度贫困", "户数", "人数"],
        ["533301102201", "上寨", "是", "12", "45"],
        ["533301102201", "下寨", "否", "8", "30"],
        ["533301102201", "上寨", "是", "12", "45"],
    ])
    report = assistance_import(actor=system_user(), kind="origin_villages", path=villages, skip_invalid=True)
    assert [(e.row, e.column) for e in report.errors] == [(4, "行政区划代码")]
    assert list(OriginVillage.objects.filter(deep_poverty=True).values_list("name", flat=True)) == ["上寨"]


def test_import_is_scoped_to_the_grant(tmp_path, households):
    first, _second = households
    clerk = make_user(actions=["view", "change", "import"], area="533323000000")
    path = write_csv(tmp_path, "measures.csv", [["户编号", "帮扶措施", "落实日期"],
                                           [first.number, "industry", "2019-01-01"]])
    report = assistance_import(actor=clerk, kind="measures", path=path)
    assert [(e.row, e.column) for e in report.errors] == [(2, "户编号")]
    assert DeliveredMeasure.objects.count() == 0


CREDIT_CODE = "91533301MA6K00000" + check_character("91533301MA6K00000")


def test_sites_natural_village_steps_and_relending(tmp_path, households):
    area = Area.objects.get(code="533301000000")
    Party.objects.create(kind="financial", name="泸水农商行", area=area)
    Party.objects.create(kind="enterprise", name="泸水草果公司", area=area, credit_code=CREDIT_CODE)
    sites = write_csv(tmp_path, "sites.csv", [["安置点名称", "行政区划代码", "安置方式", "计划安置户数"],
                                              ["城北安置区", "533301000000", "集中安置", "800"]])
    assert assistance_import(actor=system_user(), kind="sites", path=sites).created == 1
    assistance_import(actor=system_user(), kind="origin_villages", path=write_csv(tmp_path, "villages.csv", [
        ["行政区划代码", "自然村", "深度贫困"], ["533301102201", "上寨", "是"]]))
    steps = write_csv(tmp_path, "steps.csv", [
        ["行政区划代码", "自然村", "搬迁进度", "日期", "复垦面积（亩）"],
        ["533301102201", "上寨", "启动搬迁", "2017-03-01", ""],
        ["533301102201", "上寨", "复垦复绿", "2017-11-30", "12"],  # demolition not recorded yet
        ["533301102201", "下寨", "启动搬迁", "2017-03-01", ""],  # no such natural village
    ])
    report = assistance_import(actor=system_user(), kind="origin_actions", path=steps)
    assert sorted((e.row, e.column) for e in report.errors) == [(3, "搬迁进度"), (4, "自然村")]
    assert not report.written and OriginVillage.objects.get().actions.count() == 0
    kept = assistance_import(actor=system_user(), kind="origin_actions", path=steps, skip_invalid=True)
    assert kept.created == 1 and OriginVillage.objects.get().actions.get().action == "started"
    assert assistance_import(actor=system_user(), kind="origin_actions", path=steps, skip_invalid=True).unchanged == 1
    relending = write_csv(tmp_path, "relending.csv", [
        ["贷款银行", "借款企业", "行政区划代码", "贷款金额", "放贷日期", "带动贫困户数"],
        ["泸水农商行", "泸水草果公司", "533301000000", "3000000", "2017-05-01", "120"],
        ["泸水草果公司", "泸水农商行", "533301000000", "1", "2017-05-01", "0"],
    ])
    report = assistance_import(actor=system_user(), kind="relending", path=relending, skip_invalid=True)
    assert [(e.row, e.column) for e in report.errors] == [(3, "贷款银行")] and report.created == 1


def test_plans_then_their_planned_measures(tmp_path, households):
    from fupin.assistance.models import Plan

    first, second = households
    plans = write_csv(tmp_path, "plans.csv", [
        ["户编号", "年度", "致贫原因", "帮扶成效"],
        [first.number, "2019", "缺技术、因病", ""],
        [second.number, "2019", "", "帮扶中"],
        [second.number, "2020", "因懒", ""],
    ])
    report = assistance_import(actor=system_user(), kind="plans", path=plans, skip_invalid=True)
    assert [(e.row, e.column) for e in report.errors] == [(4, "致贫原因")]
    assert Plan.objects.get(household=first).causes == ["07", "01"]
    assert Plan.objects.get(household=second).causes == [second.main_cause]  # the household's own
    planned = write_csv(tmp_path, "planned.csv", [
        ["户编号", "年度", "帮扶措施", "计划金额"],
        [first.number, "2019", "产业扶贫", "3000"],
        [first.number, "2019", "health", ""],
        [first.number, "2018", "health", ""],  # no plan that year
    ])
    report = assistance_import(actor=system_user(), kind="planned", path=planned, skip_invalid=True)
    assert [(e.row, e.column) for e in report.errors] == [(4, "年度")]
    plan = Plan.objects.get(household=first)
    assert sorted(plan.planned.values_list("measure_type", flat=True)) == ["health", "industry"]
    assert assistance_import(actor=system_user(), kind="planned", path=planned, skip_invalid=True).unchanged == 2


def test_a_household_number_used_in_two_counties_must_be_named_with_its_place(tmp_path, households):
    """Household numbers are unique within a county only: a bare number held in 泸水 and 福贡 is refused naming
    both, never attached to the first one found; written after its county's or village's code it is found."""
    from fupin.registry.models import Household

    first, _second = households
    other = register_poor_household(area="533323101201", size=1)
    Household.objects.filter(pk=other.pk).update(number=first.number)
    rows = [["户编号", "帮扶措施", "落实日期"], [first.number, "industry", "2019-01-01"]]
    report = assistance_import(actor=system_user(), kind="measures", path=write_csv(tmp_path, "bare.csv", rows))
    (error,) = report.errors
    assert (error.row, error.column) == (2, "户编号")
    message = error.as_dict()
    assert "533301102201" in message["message_zh"] and "533323101201" in message["message_zh"]
    assert f"533301/{first.number}" in message["message_en"] or f"533323/{first.number}" in message["message_en"]
    assert DeliveredMeasure.objects.count() == 0

    rows = [["户编号", "帮扶措施", "落实日期"], [f"533323/{first.number}", "industry", "2019-01-01"],
            [f"533301102201/{first.number}", "industry", "2019-02-01"]]
    report = assistance_import(actor=system_user(), kind="measures", path=write_csv(tmp_path, "placed.csv", rows))
    assert report.written and report.errors == []
    assert sorted(DeliveredMeasure.objects.values_list("household__area_id", flat=True)) == [
        "533301102201", "533323101201"]
    # A county user naming the other county's household is refused by the grant, whatever the spelling.
    clerk = make_user(actions=["view", "change", "import"], area="533301000000")
    rows = [["户编号", "帮扶措施", "落实日期"], [f"533323/{first.number}", "industry", "2019-03-01"]]
    report = assistance_import(actor=clerk, kind="measures", path=write_csv(tmp_path, "foreign.csv", rows))
    assert [(e.row, e.column) for e in report.errors] == [(2, "户编号")]
    assert "533323" not in report.errors[0].as_dict()["message_en"].replace(f"533323/{first.number}", "")
    # Within the county clerk's grant the bare number names one household: it is found there, and the refusal of
    # an ambiguous number never names a place outside the importer's areas.
    rows = [["户编号", "帮扶措施", "落实日期"], [first.number, "industry", "2019-04-01"]]
    report = assistance_import(actor=clerk, kind="measures", path=write_csv(tmp_path, "bare-local.csv", rows))
    assert report.written and report.errors == []
    assert DeliveredMeasure.objects.filter(household=first).count() == 2


def test_forms_name_a_household_by_its_reference_and_refuse_an_ambiguous_number(households):
    """The procedure form finds households through the same reference as imports: a number used in two of the
    user's counties is refused naming both; written after its county's code it is found."""
    from django.test import Client
    from django.urls import reverse

    from fupin.registry.models import Household
    from fupin.testing.factories import PASSWORD
    from fupin.workflows.models import Case, Procedure

    first, _second = households
    other = register_poor_household(area="533323101201", size=1)
    Household.objects.filter(pk=other.pk).update(number=first.number)
    analyst = make_user(role="administrator", area="530000000000")
    client = Client()
    client.login(username=analyst.username, password=PASSWORD)
    procedure = Procedure.objects.get(code="household_exit").pk
    response = client.post(reverse("web:case-start"), {"procedure": procedure, "year": 2019,
                                                       "household": first.number})
    assert response.status_code == 200 and Case.objects.count() == 0
    page = response.content.decode()
    assert "533301102201" in page and "533323101201" in page
