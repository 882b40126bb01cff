"""The demo's low-income register, 2021–2025 (issue 26 item 7): in the demo county, the 民政 lists of each year
(低保, 低保边缘, 特困, 防止返贫致贫对象) generated as the department would send them — CSV files keyed by ID number,
with the year's economic check — and imported through the register's own import, then the 2025 re-evaluation.

People are members of the registry's households (the same household as 建档立卡) and people outside it in the
county's villages. Each person's income per head follows a seeded path; a membership runs while the income keeps
them in a category and ends (收入超过标准) the year it no longer does. A second call imports the same lists:
everything is unchanged, nothing new is made."""

import datetime
import random
import tempfile
from decimal import Decimal
from pathlib import Path

from fupin.areas.models import Area
from fupin.core import areacodes as codes
from fupin.core.files.tabular import csv_text, text_formula
from fupin.core.idnumbers import check_character
from fupin.lowincome import parameters, reevaluation
from fupin.lowincome.importing import list_import
from fupin.registry.models import Member

YEARS = range(2021, 2026)
DEPARTMENT = "民政局"
HEADER = ["证件号码", "姓名", "行政区划代码", "认定日期", "终止日期", "终止原因", "监测类型", "家庭人口",
          "家庭人均收入", "财产核对通过"]
END_REASONS = {"dibao": "收入超过标准", "edge": "收入超过标准", "monitoring": "风险消除"}
SURNAMES, GIVEN = "和李王余杨胡丰普密熊", "明华芳丽强春秀国英福"


def _outsider_number(county: str, index: int) -> str:
    first17 = f"{county}{1950 + index % 50:04d}{1 + index % 12:02d}{1 + index % 28:02d}{700 + index % 300:03d}"
    return first17 + check_character(first17)


def _category(income: Decimal, lines: dict) -> str:
    if income < lines["dibao_line"]:
        return "dibao"
    if income < lines["edge_line"]:
        return "edge"
    return ""


def build(*, actor, county_code: str, seed: int = 2026, log=print, people: int = 80) -> dict:
    county = Area.objects.filter(code=county_code.ljust(12, "0")[:12]).first()
    if county is None:
        log(f"Low-income register: county {county_code} is not loaded; nothing made.")
        return {"memberships": 0}
    low, high = codes.code_range(county.prefix)
    villages = list(Area.objects.filter(level=codes.Level.VILLAGE, code__gte=low, code__lte=high)
                    .order_by("code").values_list("code", flat=True)[:40])
    if not villages:
        log(f"Low-income register: county {county_code} has no villages; nothing made.")
        return {"memberships": 0}
    rng = random.Random(seed)
    registered = list(Member.objects.filter(household__area_id__gte=low, household__area_id__lte=high,
                                            is_active=True, id_number__isnull=False)
                      .order_by("id").values_list("id_number", "name", "household__area_id")[: people // 2])
    persons = [*registered, *[(_outsider_number(county.prefix, index),
                               f"{SURNAMES[index % 10]}{GIVEN[(index // 10) % 10]}{GIVEN[index % 7]}",
                               villages[index % len(villages)]) for index in range(people - len(registered))]]
    lines = {year: {code: value.amount for code, value in parameters.thresholds(year, county.prefix[:6]).items()}
             for year in YEARS}
    # Each person's income per head, year by year: around the 低保 and edge lines, drifting upwards.
    paths = {}
    for number, _name, _village in persons:
        start = Decimal(rng.randrange(3000, 11000))
        paths[number] = {year: (start * Decimal(1 + (year - 2021) * rng.uniform(0.02, 0.12))).quantize(Decimal(1))
                         for year in YEARS}
    folder = Path(tempfile.mkdtemp(prefix="demo-lowincome-"))
    created = 0
    for category in ("dibao", "edge", "monitoring"):
        runs: dict[str, tuple[datetime.date, int]] = {}  # person → (identified on, first year)
        for year in YEARS:
            rows = []
            for number, name, village in persons:
                income = paths[number][year]
                meets = (income <= lines[year]["monitoring_line"] and rng.random() < 0.3) if category == "monitoring" \
                    else _category(income, lines[year]) == category
                identified = runs.get(number)
                if meets and identified is None:
                    identified = runs[number] = (datetime.date(year, 3, 1 + int(number[14:17]) % 27), year)
                if identified is None:
                    continue
                ended = "" if meets else datetime.date(year, 3, 1).isoformat()
                rows.append([text_formula(number), name, village, identified[0].isoformat(), ended,
                             (END_REASONS[category] if ended else ""), "2" if category == "monitoring" else "",
                             str(1 + int(number[14:17]) % 5), str(income), "是"])
                if ended:
                    del runs[number]
            path = folder / f"{category}-{year}.csv"
            path.write_text(csv_text([HEADER, *rows]), encoding="utf-8")
            report = list_import(actor=actor, path=path, category=category, department=f"{county.name}{DEPARTMENT}",
                                 identified_on=datetime.date(year, 3, 1), procedure="乡镇审核、县级审批、村级公示",
                                 check_year=year, skip_invalid=True)
            if report.errors:
                log(f"Low-income register: {category} {year}: {report.rejected} rows refused, "
                    f"first: {report.errors[0].text('en')}")
            created += report.created
    # The 2025 re-evaluation over the lists just imported; a second call imports nothing and leaves it as it is.
    findings = reevaluation.reevaluate(actor=actor, year=2025, area_code=county.code).findings.count() if created \
        else 0
    counts = {"memberships": created, "findings_2025": findings}
    log(f"Low-income register: {len(persons)} people, {counts}")
    return counts
