"""Imports of pairings and cooperation records: row errors in both languages, all or nothing, --skip-invalid,
--dry-run, and re-importing changing nothing."""

import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from fupin.cooperation.importing import cooperation_import
from fupin.cooperation.models import Fund, LabourTransfer, Pairing, Party
from fupin.testing.factories import add_area, load_fixture_divisions, make_user, register_poor_household, system_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def areas():
    load_fixture_divisions()
    add_area("310000000000", "上海市")
    add_area("310101000000", "黄浦区")


def write(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_pairings_import(areas, tmp_path):
    good = write(tmp_path / "pairings.csv", [
        "帮扶类别,帮扶方,受扶方,开始日期,承诺资金",
        "东西部扶贫协作,310101,5333,2016-01-01,3000000",
        "携手奔小康,441900,533301,2017-03-01,",
        "hand_in_hand,310101,533323,2017-03-01,",
    ])
    report = cooperation_import(actor=system_user(), kind="pairing", path=good)
    assert (report.created, report.written, report.errors) == (3, True, [])
    assert Party.objects.filter(kind="area").count() == 5
    assert Pairing.objects.get(helped__area_id="533300000000").committed_funds == Decimal("3000000")
    again = cooperation_import(actor=system_user(), kind="pairing", path=good)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_row_errors_all_or_nothing_and_skip_invalid(areas, tmp_path, capsys):
    bad = write(tmp_path / "pairings.csv", [
        "帮扶类别,帮扶方,受扶方,开始日期",
        "东西部扶贫协作,310101,5333,2016-01-01",
        "不存在的类别,310101,5333,2016-01-01",
        "东西部扶贫协作,310101,5333,2016-13-01",
        "万企帮万村,310101,533301102201,2018-01-01",
        "东西部扶贫协作,310101,5333,2016-01-01",
    ])
    report = cooperation_import(actor=system_user(), kind="pairing", path=bad)
    assert not report.written and Pairing.objects.count() == 0
    errors = [(e["row"], e["column"]) for e in report.as_dict()["errors"]]
    assert errors == [(3, "帮扶类别"), (4, "开始日期"), (5, "帮扶方"), (6, "帮扶类别")]
    first = report.as_dict()["errors"][0]
    assert first["message_zh"] == "未知的帮扶类别“不存在的类别”。"
    assert first["message_en"] == "Unknown programme “不存在的类别”."
    assert "万企帮万村 的帮扶方不能是行政区域" in report.as_dict()["errors"][2]["message_zh"]
    dry = cooperation_import(actor=system_user(), kind="pairing", path=bad, dry_run=True, skip_invalid=True)
    assert not dry.written and Pairing.objects.count() == 0
    kept = cooperation_import(actor=system_user(), kind="pairing", path=bad, skip_invalid=True)
    assert (kept.created, kept.rejected, Pairing.objects.count()) == (1, 4, 1)
    with pytest.raises(CommandError):
        call_command("import", "pairings", str(bad), "--format", "json")
    assert json.loads(capsys.readouterr().out)["rejected"] == 4


def test_records_import(areas, tmp_path):
    household = register_poor_household(area="533301102201", size=2)
    member = household.members.first()
    funds = write(tmp_path / "funds.csv", [
        "资金类别,资金来源,行政区划代码,用途,承诺金额,承诺日期,到位金额,到位日期",
        "财政援助资金,310101,5333,产业合作,1000000,2019-03-01,600000,2019-06-01",
        "社会捐赠,310101,533301,其他,50000,2019-09-01,50000,",
    ])
    report = cooperation_import(actor=system_user(), kind="fund", path=funds, skip_invalid=True)
    assert (report.created, [(e.row, e.column) for e in report.errors]) == (1, [(3, "到位日期")])
    assert Fund.objects.get().arrived_amount == Decimal("600000")
    labour = write(tmp_path / "labour.csv", [
        "证件号码,用工单位,务工省份代码,就业日期,组织输送",
        f"{member.id_number},东莞某厂,44,2019-03-01,包车",
        "110101199001011234,东莞某厂,44,2019-03-01,",
    ])
    report = cooperation_import(actor=system_user(), kind="labour", path=labour, skip_invalid=True)
    assert report.created == 1 and report.errors[0].column == "证件号码"
    assert LabourTransfer.objects.get().transport == "bus"


def test_import_is_scoped(areas, tmp_path):
    clerk = make_user(role="county_approver", area="533323000000")
    path = write(tmp_path / "pairings.csv", ["帮扶类别,帮扶方,受扶方,开始日期", "携手奔小康,310101,533301,2017-03-01"])
    report = cooperation_import(actor=clerk, kind="pairing", path=path)
    assert report.errors[0].text("en") == "533301000000 is outside the areas granted to you."


def test_agreements_import_and_show_on_their_pairing(areas, tmp_path):
    from fupin.cooperation.models import Agreement
    from fupin.cooperation.selectors import pairings_of

    write(tmp_path / "pairing.csv", ["帮扶类别,帮扶方,受扶方,开始日期", "东西部扶贫协作,310101,5333,2016-01-01"])
    cooperation_import(actor=system_user(), kind="pairing", path=tmp_path / "pairing.csv")
    pairing = Pairing.objects.get()
    path = write(tmp_path / "agreements.csv", [
        "协议名称,协议文号,行政区划代码,签订日期,有效期至,主要内容,结对编号",
        f"沪滇扶贫协作框架协议,沪滇〔2017〕1号,5333,2017-03-01,2020-12-31,产业、劳务、人才,{pairing.pk}",
        f"过期协议,,5333,2019-03-01,2018-12-31,,{pairing.pk}",
    ])
    report = cooperation_import(actor=system_user(), kind="agreement", path=path, skip_invalid=True)
    assert (report.created, [(e.row, e.column) for e in report.errors]) == (1, [(3, "有效期至")])
    assert report.errors[0].text("zh-hans") == "协议的终止日期不能早于签订日期。"
    assert Agreement.objects.get().number == "沪滇〔2017〕1号"
    assert cooperation_import(actor=system_user(), kind="agreement", path=path, skip_invalid=True).created == 0
    row = pairings_of(actor=system_user(), area_code="5333", side="helped")[0]
    assert (row["helper"], row["agreements"]) == ("黄浦区", 1)
