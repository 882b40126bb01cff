"""Demo accounts, one per role, each granted the area its role works in (real Yunnan and Shanxi divisions)."""

from dataclasses import dataclass

from fupin.accounts.models import Role
from fupin.accounts.services import grant_replace, user_save
from fupin.areas.models import Area

DEMO_PASSWORD = "fupin-demo-2026"


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: str
    area_code: str | None  # None: nationwide
    staff: bool = False


def _first_code(level: int, prefix: str) -> str | None:
    area = Area.objects.filter(level=level, code__startswith=prefix).order_by("code").first()
    return area.code if area else None


def demo_users() -> list[DemoUser]:
    # The first county, township and village of Yunnan's 怒江州 (5333), a 三区三州 prefecture.
    county = _first_code(3, "5333")
    township = _first_code(4, county[:6]) if county else None
    village = _first_code(5, township[:9]) if township else None
    return [
        DemoUser("admin", "管理员 (administrator)", "administrator", None, staff=True),
        DemoUser("yunnan_analyst", "云南省分析员", "province_analyst", "530000000000"),
        DemoUser("shanxi_analyst", "山西省分析员", "province_analyst", "140000000000"),
        DemoUser("county_approver", "县级审定员", "county_approver", county),
        DemoUser("township_reviewer", "乡镇审核员", "township_reviewer", township),
        DemoUser("village_operator", "村级操作员", "village_operator", village),
        DemoUser("evaluator", "第三方评估员", "evaluator", "530000000000"),
    ]


def ensure_demo_users(*, actor) -> list[dict]:
    created = []
    for spec in demo_users():
        if spec.area_code is not None and not Area.objects.filter(code=spec.area_code).exists():
            continue  # its province was not loaded
        role = Role.objects.get(code=spec.role)
        user = user_save(actor=actor, username=spec.username, display_name=spec.display_name,
                         password=DEMO_PASSWORD, roles=[spec.role], is_staff=spec.staff)
        grant_replace(actor=actor, user=user, area_code=spec.area_code, actions=role.actions)
        created.append({"username": spec.username, "password": DEMO_PASSWORD, "role": spec.role,
                        "area": spec.area_code or "全国 (nationwide)"})
    return created
