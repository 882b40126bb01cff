"""The demo's linked funds and project assets (2021–2025) in the demo county: each year a provincial document of
衔接推进乡村振兴补助资金 allocated to the county, issued in two tranches and spent on an industry project and an
infrastructure project (the industry share above or below the minimum in different years), and the assets those
projects formed — productive, public and household ones, plus an older county photovoltaic plant — with their
确权, custody records, income distributed to the village and its households, and one disposal taken through
township and county approval.

Everything goes through the funds and projects services. Names are fixed (`演示` documents and projects), so a
second call finds what the first made and makes nothing new."""

import datetime
from decimal import Decimal

from fupin.accounts.models import User
from fupin.areas.models import Area
from fupin.core import areacodes as codes
from fupin.core.errors import ServiceError
from fupin.funds import services as fund_services
from fupin.funds.models import FundDocument
from fupin.projects import services as project_services
from fupin.projects.models import AssetDisposal, AssetIncome, AssetMaintenance, Project, ProjectAsset
from fupin.registry.models import Household

D = datetime.date
PROVINCE = "530000000000"
# Per year: (document total, industry spending, other spending), in yuan. The shares: 2021 56.0 % (no rule yet),
# 2022 58.0 % (≥ 55 %: met), 2023 57.5 % (≥ 60 %: not met), 2024 62.0 % and 2025 64.0 % (met).
PLAN = {2021: (20_000_000, 11_200_000, 8_800_000), 2022: (22_000_000, 12_760_000, 9_240_000),
        2023: (24_000_000, 13_800_000, 10_200_000), 2024: (25_000_000, 15_500_000, 9_500_000),
        2025: (26_000_000, 16_640_000, 9_360_000)}


def _money(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


def _project(actor, *, name, project_type, area, year, start, end) -> Project:
    found = Project.objects.filter(name=name, area=area, year=year).first()
    if found is not None:
        return found
    return project_services.project_save(actor=actor, data={
        "name": name, "type": project_type, "area": area, "year": year, "status": "planned",
        "planned_start": start, "planned_end": end, "actual_start": start, "actual_end": end})


def _linked_year(actor, counts, *, county, village, year) -> tuple[Project, Project]:
    total, industry, other = PLAN[year]
    number = f"云财衔接〔{year}〕演示1号"
    province = Area.objects.get(code=PROVINCE)
    village_name = village.name.removesuffix("委会")
    cattle = _project(actor, name=f"{village_name}{year}年肉牛养殖（演示）", project_type="industry", area=village,
                      year=year, start=D(year, 3, 1), end=D(year, 10, 31))
    road = _project(actor, name=f"{village_name}{year}年产业路（演示）", project_type="infrastructure", area=village,
                    year=year, start=D(year, 3, 1), end=D(year, 11, 30))
    if FundDocument.objects.filter(issuing_area=province, year=year, number=number).exists():
        return cattle, road
    document = fund_services.fund_document_save(actor=actor, data={
        "number": number, "title": f"{year}年衔接推进乡村振兴补助资金（演示）", "source": "linked", "year": year,
        "issuing_area": province, "total": _money(total), "issued_on": D(year, 1, 15)})
    counts["documents"] += 1
    issued_first = _money(total * 8 // 10)
    for kind, amount, day, extra in (
            ("allocate", _money(total), D(year, 2, 1), {}),
            ("arrive", issued_first, D(year, 3, 1), {}),
            ("arrive", _money(total) - issued_first, D(year, 6, 1), {}),
            ("spend", _money(industry), D(year, 9, 1), {"project": cattle}),
            ("spend", _money(other), D(year, 9, 1), {"project": road})):
        fund_services.entry_save(actor=actor, data={"document": document, "kind": kind, "area": county,
                                                    "amount": amount, "date": day, **extra})
        counts["entries"] += 1
    return cattle, road


def _asset(actor, counts, project, **fields) -> ProjectAsset:
    found = ProjectAsset.objects.filter(project=project, name=fields["name"]).first()
    if found is not None:
        return found
    counts["assets"] += 1
    return project_services.asset_save(actor=actor, data={"project": project, **fields})


def _village(county: Area) -> Area | None:
    """The village the demo works in: the first of the county with registered households (the first township's
    first, as the demo logins are, when it has some), else the county's first village."""
    low, high = codes.code_range(county.prefix)
    villages = list(Area.objects.filter(level=codes.Level.VILLAGE, code__gte=low, code__lte=high).order_by("code")
                    .values_list("code", flat=True))
    if not villages:
        return None
    peopled = set(Household.objects.filter(area_id__gte=low, area_id__lte=high).values_list("area_id", flat=True)
                  .distinct())
    first_township = villages[0][:codes.PREFIX_LENGTH[codes.Level.TOWNSHIP]]
    ranked = sorted(villages, key=lambda code: (code not in peopled, not code.startswith(first_township), code))
    return Area.objects.get(code=ranked[0])


def build(*, actor, county_code: str, seed: int = 2026, log=print) -> dict:
    counts = {"documents": 0, "entries": 0, "assets": 0, "maintenances": 0, "incomes": 0, "shares": 0,
              "disposals": 0}
    county = Area.objects.filter(code=codes.normalise_code(county_code)).first()
    province = Area.objects.filter(code=PROVINCE).first()
    if county is None or province is None or not county.code.startswith(PROVINCE[:2]):
        log(f"Linked funds and assets: county {county_code} (in Yunnan) is not loaded; none made.")
        return counts
    village = _village(county)
    if village is None:
        log(f"Linked funds and assets: county {county.code} has no village loaded; none made.")
        return counts
    households = list(Household.objects.filter(area=village).order_by("id")[:2])
    projects = {year: _linked_year(actor, counts, county=county, village=village, year=year) for year in PLAN}
    village_name = village.name.removesuffix("委会")
    # The assets the projects formed.
    cattle, road = projects[2022]
    shed = _asset(actor, counts, cattle, kind="productive", name=f"{village_name}肉牛养殖场（演示）",
                  value=_money(3_200_000), owner_kind="collective", owner_name=f"{village_name}股份经济合作社",
                  owner_area=village, fund_source="fiscal", formed_on=D(2022, 10, 31), handed_over_on=D(2022, 12, 1),
                  certificate_number=f"泸资确〔2023〕{village.code[-3:]}1号", certified_on=D(2023, 3, 1),
                  custodian=f"{village_name}肉牛养殖专业合作社")
    lane = _asset(actor, counts, road, kind="public", name=f"{village_name}产业路（演示）", value=_money(2_400_000),
                  owner_kind="collective", owner_name=f"{village_name}村民委员会", owner_area=village,
                  fund_source="fiscal", formed_on=D(2022, 11, 30), handed_over_on=D(2022, 12, 15),
                  certificate_number=f"泸资确〔2023〕{village.code[-3:]}2号", certified_on=D(2023, 3, 1),
                  custodian=f"{village_name}村民委员会")
    old_road = _asset(actor, counts, projects[2021][1], kind="public", name=f"{village_name}旧便桥（演示）",
                      value=_money(180_000), owner_kind="collective", owner_name=f"{village_name}村民委员会",
                      owner_area=village, fund_source="east_west", formed_on=D(2021, 11, 30),
                      custodian=f"{village_name}村民委员会")
    if households:
        head = households[0]
        _asset(actor, counts, projects[2023][0], kind="household", name="入户牛圈（演示）", value=_money(12_000),
               owner_kind="household", owner_name=f"户{head.number[-4:]}", owner_household=head,
               owner_area=village, fund_source="fiscal", formed_on=D(2023, 8, 1))
    solar_project = _project(actor, name=f"{county.name}村级光伏电站（演示）", project_type="photovoltaic", area=county,
                             year=2016, start=D(2016, 4, 1), end=D(2016, 12, 31))
    _asset(actor, counts, solar_project, kind="productive", name=f"{county.name}村级光伏电站（演示）",
           value=_money(6_000_000), owner_kind="government", owner_name=f"{county.name}乡村振兴局",
           owner_area=county, fund_source="bonds", formed_on=D(2016, 12, 31), custodian=f"{county.name}供电公司")
    # Custody: the road is kept up every spring.
    for year, cost in ((2023, 18_000), (2024, 21_500), (2025, 19_800)):
        if not AssetMaintenance.objects.filter(asset=lane, date=D(year, 4, 10)).exists():
            project_services.maintenance_save(actor=actor, data={"asset": lane, "date": D(year, 4, 10),
                                                                 "cost": _money(cost), "note": "路面修补、边沟清理"})
            counts["maintenances"] += 1
    # Income of the cattle farm, distributed: 40 % to the village collective, the rest to two households.
    for year, earned in ((2023, 160_000), (2024, 192_000), (2025, 224_000)):
        income = AssetIncome.objects.filter(asset=shed, year=year).first()
        if income is None:
            income = project_services.asset_income_save(actor=actor, data={
                "asset": shed, "year": year, "amount": _money(earned)})
            counts["incomes"] += 1
        if income.shares.exists():
            continue
        paid, posted = D(year + 1, 1, 20), D(year + 1, 1, 10)
        project_services.income_share_save(actor=actor, data={
            "income": income, "recipient": "village", "area": village, "amount": _money(earned * 4 // 10),
            "paid_on": paid, "posted_on": posted})
        counts["shares"] += 1
        for household in households:
            project_services.income_share_save(actor=actor, data={
                "income": income, "recipient": "household", "household": household,
                "amount": _money(earned * 3 // 10 // len(households)), "paid_on": paid, "posted_on": posted})
            counts["shares"] += 1
    # One disposal: the old footbridge, replaced by the new road, through the township's and county's approval
    # (by the demo's township reviewer and county approver when they exist).
    if not AssetDisposal.objects.filter(asset=old_road).exists():
        disposal = project_services.disposal_apply(actor=actor, asset=old_road, reason="新建产业路替代，便桥拆除",
                                                   value=_money(6_000), applied_on=D(2025, 3, 1))
        counts["disposals"] += 1
        approvers = {user.username: user for user in User.objects.filter(
            username__in=["township_reviewer", "county_approver"])}
        steps = (("township", approvers.get("township_reviewer"), D(2025, 3, 10)),
                 ("county", approvers.get("county_approver"), D(2025, 3, 25)), ("disposed", actor, D(2025, 4, 20)))
        for step, who, day in steps:
            if who is None or project_services.next_disposal_step(disposal) != step:
                break
            try:
                disposal = project_services.disposal_step(actor=who, disposal=disposal, step=step, on=day)
            except ServiceError as refused:  # a demo login granted elsewhere: the disposal waits at this step
                log(f"Asset disposal stays at “{disposal.status}”: {refused}")
                break
    made = {key: value for key, value in counts.items() if value}
    log("Linked funds and assets: " + (", ".join(f"{value} {key}" for key, value in made.items()) or "nothing new"))
    return counts

