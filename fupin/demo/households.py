"""Synthetic households for the demo and the benchmarks: plausible, deterministic, and valid by every hard rule
(the households are invented; the villages they live in are real). The calibrated registry that reproduces the
seeds' figures comes with the web/demo issue; this one gives the system something realistic to show and search.
"""

import random
from collections.abc import Iterator

from fupin.core.idnumbers import check_character
from fupin.registry.bulk import Submission

SURNAMES = "张王李赵刘陈杨黄周吴罗和普字鲁施段余木蔡"
GIVEN = "德明华国建文秀英兰芳玉红金春海云龙凤珍福"
ETHNIC = ["汉族", "彝族", "傈僳族", "白族", "哈尼族", "傣族", "怒族", "独龙族", "普米族"]
CAUSES = ["因病", "因残", "缺技术", "缺资金", "缺劳力", "交通条件落后", "自身发展动力不足", "因学"]


def _id_number(rng: random.Random, region: str, birth_year: int, male: bool, index: int) -> str:
    birth = f"{birth_year}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    sequence = f"{(index % 499) * 2 + (1 if male else 2):03d}"
    return region + birth + sequence + check_character(region + birth + sequence)


def synthetic_households(villages: list[str], members: int, *, seed: int = 2014, year: int = 2019,
                         ) -> Iterator[Submission]:
    """About `members` people in households of 1–6 spread over `villages`, with a year record each."""
    rng = random.Random(seed)
    made = number = 0
    while made < members:
        number += 1
        village = villages[number % len(villages)]
        size = min(rng.choice([1, 2, 3, 3, 4, 4, 5, 6]), members - made)
        head_year = rng.randint(1940, 1985)
        ethnicity = rng.choice(ETHNIC)
        people = [{"name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN), "relation": "户主",
                   "id_number": _id_number(rng, village[:6], head_year, True, number), "ethnicity": ethnicity,
                   "education": "小学", "school_status": "非在校生", "health": "健康", "labour": "普通劳动力",
                   "in_basic_medical": "是"}]
        for k in range(1, size):
            if k == 1:
                relation, male, born = "配偶", False, head_year + rng.randint(-3, 3)
            else:
                relation, male = rng.choice([("之子", True), ("之女", False)])
                born = head_year + rng.randint(20, 35)
            child = born >= year - 16
            people.append({"name": rng.choice(SURNAMES) + rng.choice(GIVEN), "relation": relation,
                           "id_number": _id_number(rng, village[:6], born, male, number * 7 + k),
                           "ethnicity": ethnicity, "health": "健康", "in_basic_medical": "是",
                           "labour": "无劳动力" if child else "普通劳动力",
                           "school_status": ("小学" if born >= year - 12 else "八年级") if child else "非在校生"})
        made += size
        yield Submission(village, {"number": f"{village[6:]}{number:07d}", "attribute": "一般贫困户",
                                   "main_cause": rng.choice(CAUSES[:3] + CAUSES[4:7]), "identified_year": 2014},
                         people, year, {"wage_income": str(rng.randint(0, 20000)),
                                        "business_income": str(rng.randint(0, 8000)),
                                        "transfer_income": str(rng.randint(0, 3000)), "size_end": size},
                         tag=number)
