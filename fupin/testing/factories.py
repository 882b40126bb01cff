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
    from fupin.core.idnumbers import check_character

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


def add_area(code: str, name: str, *, region_class: str = ""):
    """One area (and its missing ancestors, named after their codes) for tests that need a province the
    fixture divisions lack."""
    from fupin.areas.models import Area
    from fupin.core import areacodes as codes

    level = codes.level_of(code)
    parent = None
    for ancestor in codes.ancestor_codes(code, level):
        parent, _created = Area.objects.get_or_create(
            code=ancestor, defaults={"name": ancestor, "level": codes.level_of(ancestor), "parent": parent})
    area, _created = Area.objects.update_or_create(code=code, defaults={
        "name": name, "level": level, "parent": parent, "region_class": region_class})
    return area


_household_sequence = itertools.count(100)


def register_poor_household(*, area: str, size: int, year: int = 2019, income_per_capita: str = "3000",
                            status: str = "0", indicators: bool | None = True, **household_overrides):
    """A household of `size` members whose year record has the given per-capita income, indicators and
    year-end status (registered through the service)."""
    n = next(_household_sequence)
    while n % 100 == 0:  # a 17-digit number ending in "00" reads as one Excel cut (imports/tabular.py)
        n = next(_household_sequence)
    members = [member_data(name=f"成员{n}{k}", sex="", relation="户主" if k == 0 else "之子",
                           id_number=id_number(area[:6], f"{1960 + k:04d}0101", f"{(n * 8 + k) % 999:03d}"))
               for k in range(size)]
    year_data = {"wage_income": str(int(income_per_capita) * size) if income_per_capita else None, "size_end": size,
                 "status": status}
    if indicators is not None:
        year_data.update({name: indicators for name in ("food_secure", "clothing_secure", "education_secure",
                                                        "medical_secure", "housing_secure", "water_secure")})
    return register_household(area=area, number=f"{area}{n:05d}", members=members, year=year, year_data=year_data,
                              status=status, **household_overrides).household


_cadre_sequence = itertools.count(1)


def make_cadre(*, area: str = "533301000000", name: str = "王干部", id_number_value: str | None = None, **fields):
    """A cadre record (帮扶干部) kept by `area`, with a fresh valid ID number unless one is given."""
    from fupin.personnel.models import Cadre

    sequence = f"{(2 * next(_cadre_sequence) + 1) % 999:03d}"
    return Cadre.objects.create(area_id=area, name=name, sex=fields.pop("sex", "1"),
                                id_number=id_number_value or id_number("110101", "19750101", sequence), **fields)


def write_csv(tmp_path, name: str, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    """A small CSV file for an import test (cells must not need quoting)."""
    path = tmp_path / name
    path.write_text("\n".join(",".join(row) for row in rows) + "\n", encoding=encoding)
    return path
