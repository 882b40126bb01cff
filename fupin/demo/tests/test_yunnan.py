"""The Yunnan demo at 1 % of the first seed's scale: the province's report card, computed from the records alone,
gives the seed's incidences and share exactly (to the seed's precision) and its counts and amounts at 1 %."""

import datetime
from decimal import Decimal

import pytest

from fupin.analytics.extract import snapshot_fill
from fupin.analytics.report import report_card
from fupin.demo.yunnan import YunnanDemo
from fupin.testing.factories import add_area, system_user

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# Real county codes (ID numbers carry them) of the prefectures where the groups live, and 昭通 (Guangdong's).
COUNTIES = ["533301", "533323", "533324", "530702", "530721", "533401", "533421", "530802", "530821", "530902",
            "530926", "533102", "533103", "532801", "532822", "530602"]
SHANGHAI_DISTRICTS = ["310101", "310104", "310105", "310106", "310107", "310109", "310110", "310112", "310113",
                      "310114", "310115", "310116", "310117", "310118", "310120"]


def yunnan_demo(scale=Decimal("0.01")) -> YunnanDemo:
    """The Yunnan demo at `scale` on the divisions it needs (its counties with two townships of four villages)."""
    add_area("530000000000", "云南省", region_class="west")
    for county in COUNTIES:
        add_area(f"{county}000000", county)
        for township in (100, 101):
            add_area(f"{county}{township}000", f"{county}-{township}")
            for village in range(201, 205):
                add_area(f"{county}{township}{village}", f"{county}-{township}-{village}")
    add_area("310000000000", "上海市", region_class="east")
    add_area("440000000000", "广东省", region_class="east")
    for district in SHANGHAI_DISTRICTS:
        add_area(f"{district}000000", district)
        add_area(f"{district}002000", f"{district}街道")
        add_area(f"{district}002001", f"{district}社区")
    for city, name in (("4404", "珠海市"), ("4420", "中山市"), ("4419", "东莞市")):
        add_area(f"{city}00000000", name)
    assert YunnanDemo.missing() == []
    demo = YunnanDemo(actor=system_user(), scale=scale, log=lambda message: None)
    demo.run()
    return demo


@pytest.fixture
def card(settings, tmp_path):
    settings.ANALYTICS_DIR = tmp_path
    demo = yunnan_demo()
    snapshot_fill()
    result = report_card(actor=system_user(), year=2019, area_code="53", baseline=2014,
                         until=datetime.date(2020, 3, 31))
    return {figure["key"]: figure for figure in result["figures"]}, demo


def test_the_report_card_reproduces_the_first_seed_at_one_percent(card):
    """One test (the demo takes a while to build): the groups' figures, then the East–West ones."""
    figures, demo = card
    value = {key: figure["value"] for key, figure in figures.items()}
    group = "group_direct_transition_"
    # 26.69 % → 2.41 %: 7,777 poor of 29,139 in 2014, 702 in 2019 (2,913,900 people, 777,725 and 70,225 at scale 1).
    assert (value[group + "poor_2014"], value[group + "poor_2019"]) == (7_777, 702)
    assert figures[group + "incidence_2014"]["display"] == "26.69%"
    assert figures[group + "incidence_2019"]["display"] == "2.41%"
    assert sum(demo.plan.population.values()) == 29_139
    # The province's rural population is its villages' (the groups' people): its own incidence is the seed's too.
    assert sum(demo.village_populations().values()) == 29_139
    assert (figures["incidence_2014"]["display"], figures["incidence_2019"]["display"]) == ("26.69%", "2.41%")
    # 70.75 万 out of poverty, 1,039 poor villages of their areas exited, 9 groups out as a whole.
    assert value[group + "exited_persons"] == 7_075
    assert value[group + "villages_exited"] == 10
    whole = figures[group + "exited_as_whole"]
    assert whole["value"] == 9
    assert sorted(whole["how"]["groups"]) == sorted(["独龙族", "德昂族", "基诺族", "佤族", "普米族", "阿昌族", "拉祜族",
                                                     "布朗族", "景颇族"])

    # 民族团结进步示范: 36 counties, 229 townships, 3,122 villages; 41.3 亿 provincial and 267 亿 integrated funds.
    assert [value[f"demonstration_{level}"] for level in ("counties", "townships", "villages")] == [1, 2, 31]
    assert Decimal(value["demonstration_provincial_funds"]) == Decimal("41300000.00")
    assert Decimal(value["demonstration_integrated_funds"]) == Decimal("267000000.00")

    # Shanghai's 15 districts and Guangdong's 珠海, 中山, 东莞 (not scaled); 88 counties hand in hand.
    assert (value["eastern_helpers.31"], value["eastern_helpers.44"]) == (15, 3)
    assert value["paired_poor_counties"] == 1
    # 133.08 亿 of fiscal aid, 4,127 projects, 37.22 万 helped out, donations 6.1 亿 and 5.68 亿.
    assert Decimal(value["fiscal_aid_arrived"]) == Decimal("133080000.00")
    assert (value["east_west_projects"], value["east_west_poor_helped_out"]) == (41, 3_722)
    assert Decimal(value["donation_arrived_by_donor_province.上海市"]) == Decimal("6100000.00")
    assert Decimal(value["donation_arrived_by_donor_province.广东省"]) == Decimal("5680000.00")
    # 394 workshops, 2,448 professionals, 17.92 万 moved into jobs.
    assert (value["workshops"], value["professionals_sent"], value["poor_moved_into_jobs"]) == (4, 24, 1_792)
    # Pairs on both sides: 439 ↔ 277, 710 ↔ 490, 2,500 ↔ 1,993, 205 ↔ 208, 315 ↔ 310, 241 ↔ 241.
    assert [(value[f"pairs_{kind}.helped"], value[f"pairs_{kind}.helpers"]) for kind in (
        "township_town", "village_village", "village_enterprise", "village_social_org", "school_school",
        "medical_hospital")] == [(4, 3), (7, 5), (25, 20), (2, 2), (3, 3), (2, 2)]
    # 44.21 亿 arrived by the end of March 2020, over 60 % of it for industry and labour.
    assert Decimal(value["fiscal_aid_arrived_this_year"]) == Decimal("44210000.00")
    assert 0.6 < value["industry_labour_share_this_year"] < 0.62
