"""Builders shared by the evaluation tests: a county's households by village and stratum, and answers."""

import datetime

from fupin.areas.models import AreaYear
from fupin.testing.factories import register_poor_household

COUNTY = "533301000000"  # 泸水市
A, B, C = "533301102201", "533301102202", "533301001201"  # 鲁掌村, 三河村, 双奎地村
DAY = datetime.date(2019, 11, 20)


def households(village: str, *, exits=(), ordinary=(), poor=(), year: int = 2019) -> dict:
    """Register households of the given sizes: planned to exit (预脱贫), ordinary (一般农户), poor not exiting."""
    made = {"exit": [], "ordinary": [], "poor": []}
    for kind, sizes, status in (("exit", exits, "6"), ("ordinary", ordinary, "8"), ("poor", poor, "0")):
        for size in sizes:
            made[kind].append(register_poor_household(area=village, size=size, year=year, status=status))
    return made


def population(rural: int, year: int = 2019, area: str = COUNTY) -> None:
    AreaYear.objects.create(area_id=area, year=year, rural_population=rural)


def answers(stratum: str, *, persons: int, income: str = "8000", secure: bool = True,
            recognised: bool = True) -> dict:
    """A complete answer sheet of questionnaire household v1 (the 2019 working line is 3747 yuan)."""
    data = {"household_size": persons, "income_per_capita": income,
            **{name: secure for name in ("food_secure", "clothing_secure", "education_secure", "medical_secure",
                                         "housing_secure", "water_secure")},
            "recognise_policy": recognised, "recognise_measures": True, "recognise_cadres": True}
    if stratum == "exit":
        data["recognise_exit"] = True
    return data
