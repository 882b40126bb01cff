"""A small pairing graph covering every pairing kind, counted from both sides, and the East–West report card on it
with hand-computed values."""

import datetime
import json
from decimal import Decimal

import pytest
from django.core.management import call_command

from fupin.areas.models import Area
from fupin.cooperation import report, selectors, services
from fupin.cooperation.creditcode import check_character, is_valid
from fupin.cooperation.models import Pairing, Party, Programme
from fupin.core.errors import PermissionDenied, ValidationFailed
from fupin.testing.factories import add_area, load_fixture_divisions, make_user, register_poor_household, system_user

pytestmark = pytest.mark.django_db
D = datetime.date
NUJIANG, LUSHUI, FUGONG = "533300000000", "533301000000", "533323000000"
LIUKU, LUZHANG_TOWN = "533301001000", "533301102000"
LUZHANG, SANHE, SHUANGKUIDI = "533301102201", "533301102202", "533301001201"
DONGGUAN, DONGCHENG, DONGTAI = "441900000000", "441900003000", "441900003001"
HUANGPU = "310101000000"


def credit_code(first17: str) -> str:
    return first17 + check_character(first17)


def test_credit_codes():
    assert is_valid("91440300708461136T") and is_valid("9144030071526726XG")
    assert not is_valid("91440300708461136A")  # wrong final check
    assert not is_valid("9144030071526726X")  # 17 characters
    assert not is_valid("91440300708461146T".replace("4614", "4615"))
    assert is_valid(credit_code("53110000500000266"))


def _party(kind, name, area, code=""):
    return services.party_save(actor=system_user(), data={"kind": kind, "name": name, "area": Area.objects.get(
        code=area), "credit_code": code})


def _area_party(code):
    return services.party_for_area(actor=system_user(), area=Area.objects.get(code=code))


START = D(2016, 1, 1)


def make_pair(programme, helper, helped, start=START, **extra):
    return services.pairing_save(actor=system_user(), data={
        "programme": Programme.objects.get(code=programme), "helper": helper, "helped": helped,
        "start_date": start, **extra})


@pytest.fixture
def graph():
    load_fixture_divisions()
    add_area("310000000000", "上海市")
    add_area(HUANGPU, "黄浦区")
    add_area("440300000000", "深圳市")
    add_area("110000000000", "北京市")
    p = {code: _area_party(code) for code in (HUANGPU, DONGGUAN, DONGCHENG, DONGTAI, NUJIANG, LUSHUI, FUGONG,
                                               LIUKU, LUZHANG_TOWN, LUZHANG, SANHE, SHUANGKUIDI)}
    p["tencent"] = _party("enterprise", "腾讯", "440300000000", "9144030071526726XG")
    p["foundation"] = _party("social_org", "扶贫基金会", "110000000000", credit_code("53110000500000266"))
    p["school_dg"] = _party("school", "东莞中学", DONGGUAN)
    p["school_ls"] = _party("school", "泸水一中", LUSHUI)
    p["hospital_dg"] = _party("hospital", "东莞人民医院", DONGGUAN)
    p["clinic_fg"] = _party("medical", "上帕镇卫生院", FUGONG)
    p["bank"] = _party("central_unit", "中国农业银行", "110000000000")
    household = register_poor_household(area=LUZHANG, size=3)
    p["household"] = services.party_for_household(actor=system_user(), household=household)
    pairs = {
        "sh_nj": make_pair("east_west", p[HUANGPU], p[NUJIANG]),
        "dg_nj": make_pair("east_west", p[DONGGUAN], p[NUJIANG]),
        "sh_ls": make_pair("hand_in_hand", p[HUANGPU], p[LUSHUI]),
        "dg_ls": make_pair("hand_in_hand", p[DONGGUAN], p[LUSHUI], committed_funds=Decimal("3000000")),
        "sh_fg": make_pair("hand_in_hand", p[HUANGPU], p[FUGONG]),
        "town_liuku": make_pair("hand_in_hand", p[DONGCHENG], p[LIUKU]),
        "town_luzhang": make_pair("hand_in_hand", p[DONGCHENG], p[LUZHANG_TOWN]),
        "village_luzhang": make_pair("hand_in_hand", p[DONGTAI], p[LUZHANG], start=D(2017, 3, 1),
                                 end_date=D(2018, 12, 31), status="ended"),
        "village_sanhe": make_pair("hand_in_hand", p[DONGTAI], p[SANHE], start=D(2019, 1, 1)),
        "tencent_luzhang": make_pair("enterprises", p["tencent"], p[LUZHANG]),
        "tencent_shuangkuidi": make_pair("enterprises", p["tencent"], p[SHUANGKUIDI]),
        "foundation_sanhe": make_pair("social_org", p["foundation"], p[SANHE]),
        "schools": make_pair("school_pairs", p["school_dg"], p["school_ls"]),
        "hospitals": make_pair("hospital_pairs", p["hospital_dg"], p["clinic_fg"]),
        "bank_fugong": make_pair("designated", p["bank"], p[FUGONG]),
        "cadre_household": make_pair("cadre_household", p["bank"], p["household"]),
    }
    return p, pairs, household


def test_every_programme_is_used(graph):
    assert set(Pairing.objects.values_list("programme_id", flat=True)) >= {
        "east_west", "hand_in_hand", "enterprises", "social_org", "school_pairs", "hospital_pairs", "designated",
        "cadre_household"}


def test_both_sides(graph):
    actor = system_user()
    helped_by_nujiang = selectors.pairings_of(actor=actor, area_code="5333", side="helped")
    # Everything in 怒江 is helped: 16 pairings minus none outside it (the household is in 鲁掌村).
    assert len(helped_by_nujiang) == 16
    whom_dongguan_helps = selectors.pairings_of(actor=actor, area_code="4419", side="helper")
    assert sorted(r["helped"] for r in whom_dongguan_helps) == sorted(
        ["怒江傈僳族自治州", "泸水市", "六库街道", "鲁掌镇", "鲁掌村委会", "三河村委会", "泸水一中", "上帕镇卫生院"])
    in_force = selectors.pairings_of(actor=actor, area_code="4419", side="helper", on=D(2020, 3, 31))
    assert "鲁掌村委会" not in [r["helped"] for r in in_force]  # the village pairing ended in 2018
    who_helps_lushui = selectors.pairings_of(actor=actor, area_code="533301", side="helped", programme="hand_in_hand")
    assert sorted(r["helper"] for r in who_helps_lushui if r["helped"] == "泸水市") == ["东莞市", "黄浦区"]


def test_programme_decides_who_may_pair(graph):
    p, _pairs, _household = graph
    with pytest.raises(ValidationFailed):
        make_pair("enterprises", p[HUANGPU], p[LUZHANG])  # an area is no enterprise
    with pytest.raises(ValidationFailed):
        make_pair("school_pairs", p["school_dg"], p[LUSHUI])  # a county is no school
    with pytest.raises(ValidationFailed):
        make_pair("east_west", p[HUANGPU], p[HUANGPU])
    with pytest.raises(ValidationFailed):
        _party("enterprise", "无码企业", "440300000000")
    with pytest.raises(ValidationFailed):
        _party("enterprise", "错码企业", "440300000000", "91440300708461136A")


def make_fund(kind, donor, area, committed, committed_on, arrived, arrived_on, purpose="other", pairing=None):
    return services.record_save(actor=system_user(), kind="fund", data={
        "kind": kind, "donor": donor, "area": Area.objects.get(code=area), "committed_amount": Decimal(committed),
        "committed_on": committed_on, "arrived_amount": Decimal(arrived), "arrived_on": arrived_on,
        "purpose": purpose, "pairing": pairing})


@pytest.fixture
def records(graph):
    p, pairs, household = graph
    actor = system_user()
    make_fund("fiscal_aid", p[HUANGPU], NUJIANG, "10000000", D(2019, 3, 1), "6000000", D(2019, 6, 1), "industry",
          pairs["sh_nj"])
    make_fund("fiscal_aid", p[DONGGUAN], LUSHUI, "5000000", D(2019, 5, 1), "5000000", D(2020, 2, 10), "labour",
          pairs["dg_ls"])
    make_fund("fiscal_aid", p[DONGGUAN], FUGONG, "2000000", D(2020, 1, 1), "2000000", D(2020, 3, 1), "infrastructure")
    make_fund("fiscal_aid", p[DONGGUAN], FUGONG, "1000000", D(2020, 3, 1), "0", None)  # committed, not arrived
    make_fund("donation", p[HUANGPU], NUJIANG, "500000", D(2019, 9, 1), "500000", D(2019, 9, 1))
    make_fund("donation", p[DONGGUAN], LUSHUI, "300000", D(2020, 1, 5), "300000", D(2020, 1, 5))
    members = list(household.members.all())
    services.record_save(actor=actor, kind="workshop", members=members[:2], data={
        "name": "鲁掌服装车间", "area": Area.objects.get(code=LUZHANG), "opened_on": D(2019, 4, 1), "jobs": 40,
        "pairing": pairs["dg_ls"]})
    services.record_save(actor=actor, kind="workshop", data={
        "name": "老车间", "area": Area.objects.get(code=SANHE), "opened_on": D(2015, 4, 1), "jobs": 5})
    for kind, direction, start in (("professional", "to_helped", D(2019, 2, 1)), ("cadre", "to_helped",
                                                                                D(2018, 2, 1)),
                                   ("professional", "to_helper", D(2019, 2, 1))):
        services.record_save(actor=actor, kind="talent", data={
            "person": "某某", "kind": kind, "field": "medical", "direction": direction, "start_date": start,
            "area": Area.objects.get(code=LUSHUI), "pairing": pairs["dg_ls"]})
    ordinary = register_poor_household(area=SANHE, size=1, status="8")
    for member, start in ((members[0], D(2019, 3, 1)), (members[0], D(2020, 2, 20)),
                          (members[1], D(2015, 3, 1)), (ordinary.members.get(), D(2019, 3, 1))):
        services.record_save(actor=actor, kind="labour", data={
            "member": member, "area": member.household.area, "employer": "东莞某厂", "work_province": "44",
            "start_date": start, "transport": "bus"})
    services.record_save(actor=actor, kind="visit", data={
        "person": "某书记", "level": "province", "direction": "to_helped", "visited_on": D(2019, 5, 1),
        "area": Area.objects.get(code=NUJIANG), "pairing": pairs["sh_nj"]})
    services.record_save(actor=actor, kind="purchase", data={
        "buyer": p[HUANGPU], "area": Area.objects.get(code=FUGONG), "product": "草果", "amount": Decimal("120000"),
        "bought_on": D(2019, 11, 1)})
    return graph


def test_assessment(records, capsys):
    rows = {row["figure"]: row for row in report.assessment(actor=system_user(), area_code="5333", year=2019)}
    assert (rows["leader_visits_to_helped"]["value"], rows["leader_visits_to_helped"]["met"]) == (1, True)
    assert (rows["leader_visits_to_helper"]["value"], rows["leader_visits_to_helper"]["met"]) == (0, False)
    # 2019: fiscal aid committed 10 M + 5 M, of which 6 M + 5 M arrived (the second arrived in 2020).
    assert rows["fiscal_aid_arrival_rate"]["value"] == 11 / 15
    assert rows["industry_labour_share"]["value"] == 1.0 and rows["industry_labour_share"]["met"] is True
    assert rows["purchases_amount"]["value"] == Decimal("120000") and rows["purchases_amount"]["met"] is None
    assert rows["pairs_township_town.helped"]["value"] == 2
    assert rows["workshops"]["area"] == "产业合作"
    call_command("cooperation", "assessment", "--area", "5333", "--year", "2019", "--format", "json")
    assert len(json.loads(capsys.readouterr().out)) == len(rows)


def test_east_west_report_card(records):
    card = report.east_west_card(actor=system_user(), area_code="5333", start=D(2016, 1, 1), end=D(2020, 3, 31))
    values = report.figure_values(card)
    # Cities and districts only: 东莞's 东城街道 and 东泰社区 are counted with the township and village pairs.
    assert values["eastern_helpers"] == {"31": ["黄浦区"], "44": ["东莞市"]}
    assert values["paired_poor_counties"] == 2
    assert values["fiscal_aid_arrived"] == Decimal("13000000")
    assert values["fiscal_aid_committed"] == Decimal("18000000")
    assert values["fiscal_aid_arrived_by_donor_province"] == {"上海市": Decimal("6000000"),
                                                            "广东省": Decimal("7000000")}
    assert values["donation_arrived"] == Decimal("800000")
    assert values["donation_arrived_by_donor_province"] == {"上海市": Decimal("500000"),
                                                          "广东省": Decimal("300000")}
    assert values["workshops"] == 1 and values["workshop_poor_employees"] == 2
    assert (values["professionals_sent"], values["cadres_sent"]) == (1, 1)
    assert values["poor_moved_into_jobs"] == 1
    assert values["pairs_township_town"] == {"helped": 2, "helpers": 1, "pairings": 2}
    assert values["pairs_village_village"] == {"helped": 1, "helpers": 1, "pairings": 1}
    assert values["pairs_village_enterprise"] == {"helped": 2, "helpers": 1, "pairings": 2}
    assert values["pairs_village_social_org"] == {"helped": 1, "helpers": 1, "pairings": 1}
    assert values["pairs_school_school"] == {"helped": 1, "helpers": 1, "pairings": 1}
    assert values["pairs_medical_hospital"] == {"helped": 1, "helpers": 1, "pairings": 1}
    assert values["industry_labour_share"] == 11 / 13
    fund = next(f for f in card["figures"] if f["key"] == "fiscal_aid_arrived")
    assert fund["how"]["source"] == "cooperation.fund" and fund["how"]["filters"]["date"] == "arrived_on"


def test_period_filters(records):
    card = report.east_west_card(actor=system_user(), area_code="5333", start=D(2020, 1, 1), end=D(2020, 3, 31))
    values = report.figure_values(card)
    assert values["fiscal_aid_arrived"] == Decimal("7000000")
    assert values["industry_labour_share"] == 5 / 7
    assert values["workshops"] == 0 and values["poor_moved_into_jobs"] == 1
    earlier = report.figure_values(report.east_west_card(actor=system_user(), area_code="5333",
                                                         start=D(2018, 1, 1), end=D(2018, 6, 30)))
    # In mid-2018 the village pairing with 鲁掌 was in force and the one with 三河 had not started.
    assert earlier["pairs_village_village"] == {"helped": 1, "helpers": 1, "pairings": 1}
    assert earlier["fiscal_aid_arrived"] == 0 and earlier["industry_labour_share"] is None


def test_partner_sees_and_edits_only_its_own(records):
    p, pairs, _household = records
    partner = make_user(role="partner", area=DONGGUAN, actions=["view", "change"])
    visible = selectors.pairing_list(actor=partner)
    assert {pairing.helper.area_id[:4] for pairing in visible} == {"4419"}
    assert visible.count() == 8
    funds = selectors.record_list(actor=partner, model=services.RECORD_MODELS["fund"])
    assert funds.count() == 1  # the one through its own pairing (dg_ls); others have no pairing or Shanghai's
    services.record_save(actor=partner, kind="purchase", data={
        "buyer": p[DONGGUAN], "area": Area.objects.get(code=LUSHUI), "product": "草果", "amount": Decimal("8800"),
        "bought_on": D(2019, 10, 1), "pairing": pairs["dg_ls"]})
    with pytest.raises(PermissionDenied):
        services.record_save(actor=partner, kind="purchase", data={
            "buyer": p[DONGGUAN], "area": Area.objects.get(code=LUSHUI), "product": "草果",
            "amount": Decimal("1"), "bought_on": D(2019, 10, 1), "pairing": pairs["sh_ls"]})
    with pytest.raises(PermissionDenied):
        services.pairing_end(actor=partner, pairing=pairs["sh_nj"], on=D(2020, 1, 1))
    services.pairing_end(actor=partner, pairing=pairs["dg_nj"], on=D(2020, 1, 1))
    with pytest.raises(PermissionDenied):
        report.east_west_card(actor=partner, area_code="5333", start=D(2016, 1, 1), end=D(2020, 3, 31))


def test_records_are_checked(records):
    p, pairs, household = records
    with pytest.raises(ValidationFailed):  # arrived money needs its date
        make_fund("fiscal_aid", p[HUANGPU], NUJIANG, "1", D(2019, 3, 1), "1", None)
    with pytest.raises(ValidationFailed):  # the record lies outside the pairing's helped area (福贡 vs 泸水)
        make_fund("fiscal_aid", p[DONGGUAN], FUGONG, "1", D(2019, 3, 1), "0", None, pairing=pairs["dg_ls"])
    member = household.members.first()
    with pytest.raises(ValidationFailed):  # a labour transfer belongs to the member's home village
        services.record_save(actor=system_user(), kind="labour", data={
            "member": member, "area": Area.objects.get(code=SANHE), "employer": "某厂", "work_province": "44",
            "start_date": D(2019, 1, 1)})
    assert Party.objects.filter(kind="area").count() == 12


def test_cli_and_api(records, capsys):
    import json

    from django.core.management import call_command
    from rest_framework.test import APIClient

    call_command("cooperation", "helped-by", "533323", "--format", "json")
    rows = json.loads(capsys.readouterr().out)
    assert sorted(r["helper"] for r in rows) == ["东莞人民医院", "中国农业银行", "黄浦区"]
    call_command("cooperation", "card", "--area", "5333", "--from", "2020-01-01", "--to", "2020-03-31",
                 "--format", "json")
    card = json.loads(capsys.readouterr().out)
    assert Decimal(report.figure_values(card)["fiscal_aid_arrived"]) == 7_000_000

    p, _pairs, _household = records
    client = APIClient()
    client.force_authenticate(make_user(role="partner", area=DONGGUAN, actions=["view", "change"]))
    response = client.post("/api/pairings/", {"programme": "hand_in_hand", "helper": p[DONGCHENG].pk,
                                              "helped": p[SHUANGKUIDI].pk, "start_date": "2020-01-01"})
    assert response.status_code == 201, response.json()
    response = client.post("/api/pairings/", {"programme": "hand_in_hand", "helper": p[HUANGPU].pk,
                                              "helped": p[SHUANGKUIDI].pk, "start_date": "2020-01-01"})
    assert response.status_code == 403
    listed = client.get("/api/pairings/", {"helped_area": "5333"}).json()
    items = listed["results"] if isinstance(listed, dict) else listed
    assert len(items) == 9 and all(item["helper"]["area"].startswith("4419") for item in items)
    assert client.get("/api/cooperation/east-west-card/", {"area": "5333", "start": "2016-01-01",
                                                           "end": "2020-03-31"}).status_code == 403


def test_a_second_party_of_a_village_is_refused_with_its_reason(graph):
    """POST /api/parties/ for a village that has its party answers 400 naming the field (it raised an
    IntegrityError, a 500), in the user's language, and stores nothing."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(make_user(area=LUSHUI, actions=["view", "change"]))
    parties = Party.objects.count()
    for language, message in (("en", "This area already has its party."), ("zh-hans", "该区划已有帮扶主体。")):
        response = client.post("/api/parties/", {"kind": "area", "name": "鲁掌村", "area": LUZHANG},
                               HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 400, response.content
        assert response.json() == {"detail": message, "field": "area"}
    assert Party.objects.count() == parties
    response = client.post("/api/parties/", {"kind": "school", "name": "鲁掌小学", "area": LUZHANG})
    assert response.status_code == 201, response.content  # another kind of party of the village is welcome
