"""What the working-year builders share: the county's poor households, the dates of the working year, and people's
names and ID numbers that look like a county office's (varied, never one name repeated)."""

import datetime
import random

from fupin.areas.models import Area
from fupin.core.areacodes import Level
from fupin.core.temporal import today
from fupin.registry.codelists import EXITED_STATUSES, POOR_STATUSES
from fupin.registry.models import Household

from .calibration import Identities

# Common surnames (with those frequent among 怒江's 傈僳族, 白族 and 怒族 families) and characters of given names: a
# demo choice, enough for thousands of distinct two- and three-character names.
SURNAMES = ("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
            "余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
            "和普鲁字木施密丰褚欧")
GIVEN = ("建国志强秀英玉兰桂芳海燕丽华永红春梅晓东文斌俊杰雪梅国华明辉德林庆云凤英金花光荣学军红霞思源佳怡子涵"
         "宇航子轩欣怡浩然梓萱家豪晓琳慧敏天佑振华春燕美玲绍平正清艳萍新民卫东跃进秋菊丽娟立新有福志明继承开元")


def names(rng: random.Random, count: int, taken: set[str] | None = None) -> list[str]:
    """`count` distinct names: a surname and one or two given-name characters, drawn from `rng`."""
    taken = set(taken or ())
    made = []
    while len(made) < count:
        given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.8 else "")
        name = rng.choice(SURNAMES) + given
        if name not in taken:
            taken.add(name)
            made.append(name)
    return made


def cadre_identities() -> Identities:
    """ID numbers for cadres (born 1966–1998) whose sequences no registered member uses: the registry's demo
    identities count their sequences from 0 and 200, these from 900."""
    return Identities(datetime.date(1966, 1, 1), 11_600, 450)


def working_days(seed: int) -> tuple[datetime.date, datetime.date, random.Random]:
    """(first day of the working year, today, the seeded random of a builder)."""
    now = today()
    start = now - datetime.timedelta(days=364)
    return start, now, random.Random(seed)


def county_area(county_code: str) -> Area:
    return Area.objects.get(code=county_code.ljust(12, "0")[:12])


def county_households(county_code: str, statuses=POOR_STATUSES):
    """The county's households of `statuses` (default: poor), in a stable order."""
    return (Household.objects.filter(county_code=county_code[:6], status__in=statuses)
            .select_related("area").order_by("area_id", "number"))


def exited_households(county_code: str):
    return county_households(county_code, EXITED_STATUSES)


def villages_of(county_code: str) -> list[Area]:
    return list(Area.objects.filter(level=Level.VILLAGE, code__startswith=county_code[:6]).order_by("code"))


def demo_places(county_code: str) -> tuple[str, str]:
    """The demo logins' township and village in the county: its first township and that township's first village
    (fupin/demo/users.py chooses them the same way)."""
    township = Area.objects.filter(level=Level.TOWNSHIP, code__startswith=county_code[:6]).order_by("code").first()
    village = Area.objects.filter(level=Level.VILLAGE, code__startswith=township.code[:9]).order_by("code").first()
    return township.code, village.code
