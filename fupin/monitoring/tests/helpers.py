"""Builders for the monitoring tests: households with two years of records, responsibilities, department lists
and disasters, all through the owning services."""

import datetime
import itertools
from decimal import Decimal

from fupin.assistance import services as assistance_services
from fupin.quality.importing import department_list_import
from fupin.registry.models import Member
from fupin.registry.services import household_year_save
from fupin.rules.models import MonitoringThreshold, PolicyParameter
from fupin.testing.factories import id_number, make_cadre, member_data, register_household, system_user

D = datetime.date
LUZHANG, SANHE, SHUANGKUI = "533301102201", "533301102202", "533301001201"  # two in 鲁掌镇, one in 六库街道
DONGGUAN = "441900003001"
INDICATORS = ("food_secure", "clothing_secure", "education_secure", "medical_secure", "housing_secure",
              "water_secure")
SINCE_2021 = D(2021, 1, 1)
_numbers = itertools.count(1)


def household(area: str = LUZHANG, *, size: int = 2, status: str = "1", year: int = 2023,
              wages: dict[int, str] | None = None, transfer: str = "0", earners: int | None = None):
    """A household of `size` members with a record for each year of `wages` (yuan for the whole household;
    default 2022: 20,000 and 2023: 20,000), the last year given at registration. `earners`: how many members
    can work (the others have no labour capacity); default all."""
    n = next(_numbers)
    members = [member_data(name=f"成员{n}-{k}", relation="户主" if k == 0 else "之子", sex="",
                           id_number=id_number(area[:6], f"{1960 + k:04d}0101", f"{(n * 8 + k) % 999:03d}"))
               for k in range(size)]
    wages = wages or {year - 1: "20000", year: "20000"}
    years = sorted(wages)

    def data(y):
        return {"wage_income": wages[y], "transfer_income": transfer, "size_end": size, "status": status,
                **{name: True for name in INDICATORS}}

    registered = register_household(area=area, number=f"{area}{n:05d}", members=members, year=years[-1],
                                    year_data=data(years[-1]), status=status, identified_year=2014).household
    for y in years[:-1]:
        household_year_save(actor=system_user(), household=registered, year=y, data=data(y))
    if earners is not None:
        for member in registered.members.order_by("id")[earners:]:
            Member.objects.filter(pk=member.pk).update(labour="5")
    return registered


def responsible(household, *, start=SINCE_2021, end=None, name="王干部"):
    cadre = make_cadre(name=name)
    assistance_services.record_save(actor=system_user(), kind="responsibility", data={
        "household": household, "cadre": cadre, "level": "county", "start_date": start, "end_date": end})
    return cadre


def department_list(tmp_path, source: str, rows: list[tuple], name: str | None = None):
    """A department list through quality's import: rows of (member, amount, date)."""
    path = tmp_path / f"{source}-{next(_numbers)}.csv"
    lines = ["证件号码,姓名,金额,日期,说明"] + [f"{m.id_number},{m.name},{amount},{day or ''},"
                                              for m, amount, day in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return department_list_import(actor=system_user(), source=source, name=name or path.stem, path=path,
                                  received_on=D(2023, 6, 30))


def threshold(amount: str, *, year: int = 2023, province: str = "53"):
    return MonitoringThreshold.objects.create(year=year, province_code=province, amount=Decimal(amount))


def parameter(code: str, value: str, *, year: int = 2023, province: str = "53"):
    return PolicyParameter.objects.create(code=code, effective_year=year, province_code=province,
                                          value=Decimal(value))
