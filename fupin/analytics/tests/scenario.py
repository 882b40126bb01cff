"""A hand-built registry of five villages over 2018–2019 whose figures are worked out by hand in the tests.

2019 (year end)                          2018 (year end)
- H1 鲁掌村   poor, 3 + a baby born 2019-06   poor, 3
- H2 鲁掌村   exited in 2019, 2                poor, 2
- H3 三河村   returned in 2019, 4              exited (2017), 4
- H4 双奎地村 newly identified in 2019, 1      —
- H5 腊竹底村 poor, 2 (one died 2019-03)       poor, 3
- H6 东泰社区 (东莞, no county level) poor, 2  poor, 2
Rural population 2019: 鲁掌 100, 三河 50, 双奎地 40, 腊竹底 80, 东泰 30 and 泸水市 1000 (its own figure wins over its
villages' sum).
"""

import datetime

from fupin.areas.models import Area, AreaYear
from fupin.registry.models import Household, Member
from fupin.registry.services import household_year_save, member_join, member_leave
from fupin.testing.factories import id_number, load_fixture_divisions, member_data, register_poor_household, system_user

LUZHANG, SANHE, SHUANGKUIDI, LAZHUDI, DONGTAI = (
    "533301102201", "533301102202", "533301001201", "533323101201", "441900003001")
POPULATION_2019 = {LUZHANG: 100, SANHE: 50, SHUANGKUIDI: 40, LAZHUDI: 80, DONGTAI: 30, "533301000000": 1000}


def _year(household, year, status, income="3000", **extra):
    size = extra.pop("size", None) or household.members.filter(is_active=True).count()
    data = {"size_end": size, "status": status, "wage_income": str(int(income) * size)}
    data.update({name: True for name in ("food_secure", "clothing_secure", "education_secure", "medical_secure",
                                         "housing_secure", "water_secure")})
    data.update(extra)
    return household_year_save(actor=system_user(), household=household, year=year, data=data)


def build() -> dict[str, Household]:
    load_fixture_divisions()
    actor = system_user()
    h1 = register_poor_household(area=LUZHANG, size=3, year=2018, income_per_capita="2500", status="0")
    h2 = register_poor_household(area=LUZHANG, size=2, year=2018, income_per_capita="3000", status="0")
    h3 = register_poor_household(area=SANHE, size=4, year=2018, income_per_capita="5000", status="1",
                                 exit_year=2017, identified_year=2014)
    h5 = register_poor_household(area=LAZHUDI, size=3, year=2018, income_per_capita="2000", status="0")
    h6 = register_poor_household(area=DONGTAI, size=2, year=2018, income_per_capita="2600", status="0")
    h1.refresh_from_db()
    member_join(actor=actor, household=h1, household_version=h1.version, kind="birth",
                date=datetime.date(2019, 6, 1),
                data=member_data(name="新生儿", relation="之女", id_number=id_number("533321", "20190601", "002"),
                                 health="健康", labour="无劳动力", school_status="学龄前儿童", education=""))
    h5.refresh_from_db()
    leaving = h5.members.exclude(relation="01").first()
    member_leave(actor=actor, member=leaving, household_version=h5.version, kind="death",
                 date=datetime.date(2019, 3, 1))
    for household in Household.objects.filter(pk__in=[h1.pk, h5.pk, h6.pk]):
        _year(household, 2019, "0", income="3100")
    Household.objects.filter(pk=h2.pk).update(status="1", exit_year=2019)
    _year(h2, 2019, "1", income="4200")
    Household.objects.filter(pk=h3.pk).update(status="3", return_year=2019)
    _year(h3, 2019, "3", income="2900")
    h4 = register_poor_household(area=SHUANGKUIDI, size=1, year=2019, income_per_capita="1800", status="5",
                                 identified_year=2019)
    for code, population in POPULATION_2019.items():
        AreaYear.objects.create(area=Area.objects.get(code=code), year=2019, rural_population=population)
    return {"h1": h1, "h2": h2, "h3": h3, "h4": h4, "h5": h5, "h6": h6}


def members_of(household) -> int:
    return Member.objects.filter(household=household).count()
