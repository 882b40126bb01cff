"""Test data builders: every test makes its users, grants and areas through these."""

import itertools
from pathlib import Path

from fupin.accounts.choices import BUILTIN_ROLES
from fupin.accounts.models import AreaGrant, Role, User
from fupin.areas.divisions import load_divisions

FIXTURE_DIVISIONS = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "divisions" / "dist"
PASSWORD = "correct horse battery staple"
_sequence = itertools.count(1)


def load_fixture_divisions():
    """Load the small hand-made division set (Yunnan's 怒江州, 东莞, 金门 placeholders)."""
    return load_divisions(FIXTURE_DIVISIONS)


def make_user(*, role: str | None = None, area: str | None = "", actions: list[str] | None = None,
              username: str | None = None, **fields) -> User:
    """A user; with `role` or `actions`, granted them in `area` (None: nationwide, "": no grant)."""
    user = User.objects.create_user(username=username or f"user{next(_sequence)}", password=PASSWORD, **fields)
    if role is not None:
        user.roles.add(Role.objects.get(code=role))
    if area != "" and (role or actions):
        granted = actions if actions is not None else list(BUILTIN_ROLES[role][1])
        AreaGrant.objects.create(user=user, area_id=area, actions=granted)
    return user


def system_user() -> User:
    return User.objects.get(username="system")


def id_number(region: str = "533301", birth: str = "19800101", sequence: str = "001") -> str:
    """A valid 18-character ID number (odd sequence: male, even: female)."""
    from fupin.registry.idnumbers import check_character

    first17 = f"{region}{birth}{sequence}"
    return first17 + check_character(first17)


def member_data(**overrides) -> dict:
    data = {"name": "张三", "id_number": id_number(), "relation": "户主", "ethnicity": "傈僳族", "education": "小学",
            "school_status": "非在校生", "health": "健康", "labour": "普通劳动力", "in_basic_medical": "是"}
    data.update(overrides)
    return data


def household_data(number: str = "533301102201001", **overrides) -> dict:
    data = {"number": number, "attribute": "一般贫困户", "main_cause": "缺技术", "identified_year": 2014}
    data.update(overrides)
    return data


def register_household(*, area: str = "533301102201", number: str = "533301102201001", members=None, year=None,
                       year_data=None, actor=None, **household_overrides):
    """A household registered through the service (as the system account unless `actor` is given)."""
    from fupin.registry.services import household_register

    members = members if members is not None else [
        member_data(),
        member_data(name="李四", id_number=id_number(birth="19820304", sequence="002"), relation="配偶"),
    ]
    return household_register(actor=actor or system_user(), area_code=area,
                              household=household_data(number, **household_overrides), members=members,
                              year=year, year_data=year_data)
