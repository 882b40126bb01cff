"""The linked funds report (衔接推进乡村振兴补助资金, 2021–): per county, a budget year's money through the 直达资金
stages — 分配 (allocated to the county), 下达 (issued to it: the ledger's arrivals) and 支出 (spent) — and the share
spent on industry against the minimum the province sets.

The stages are the ledger's own kinds (allocate / arrive / spend) on documents of the source `linked`, so the
ledger's checks hold for them: never more issued than allocated nor more spent than issued as of any day, no date
ahead or before the document. The industry share is what was spent on projects of an industry type
(`projects.codelists.INDUSTRY_TYPES`, a flag of the type data) over all that was spent: the ledger knows where the
money went, not what was planned for it. The minimum is policy data (rules.PolicyParameter
`linked_funds_industry_min_share`, from a year on, a province's own row before the national one, with its source
and certainty flag); a year without a row is reported, not judged. A county meets the rule when industry spending
is at least the minimum times all spending (exactly: 55.00 of 100.00 meets 55 %, 54.99 does not).

Money is counted where the ledger holds it: allocate each level's money to the county that issues and spends it
(a county that re-allocated a document to its townships would count it twice).
"""

from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext

from fupin.accounts.choices import Action
from fupin.accounts.scoping import require
from fupin.areas.models import Area
from fupin.areas.selectors import area_by_code, within_area
from fupin.core.areacodes import CODE_LENGTH, PREFIX_LENGTH, Level
from fupin.core.records import CENT
from fupin.projects import codelists as project_codes
from fupin.rules.models import NATIONAL, PolicyParameter

from .models import FundEntry

LINKED_SOURCE = "linked"
INDUSTRY_SHARE = "linked_funds_industry_min_share"
STAGES = ("allocated", "issued", "spent")
_STAGE_OF_KIND = {"allocate": "allocated", "arrive": "issued", "spend": "spent"}
ZERO = Decimal("0.00")


def industry_minimum(year: int, province: str) -> dict | None:
    """The minimum industry share in force in `year` for a province: its own row (the latest effective by then)
    before the national one; None when neither exists. One query."""
    rows = PolicyParameter.objects.filter(code=INDUSTRY_SHARE, effective_year__lte=year,
                                          province_code__in=[province, NATIONAL]).order_by("effective_year")
    chosen: dict[str, PolicyParameter] = {}
    for row in rows:
        chosen[row.province_code] = row
    row = chosen.get(province) or chosen.get(NATIONAL)
    if row is None:
        return None
    return {"value": row.value, "effective_year": row.effective_year, "province": row.province_code or None,
            "certainty": row.certainty, "source": row.source}


def judge(industry: Decimal, spent: Decimal, minimum: dict | None) -> dict:
    """The share and whether it meets the minimum (None: nothing spent yet, or no rule for the year)."""
    share = (industry / spent).quantize(Decimal("0.0001")) if spent else None
    met = None
    if spent and minimum is not None:
        met = industry >= minimum["value"] * spent
    return {"industry": industry, "share": share, "minimum": minimum["value"] if minimum else None, "met": met}


def linked_funds_report(*, actor, area_code: str, year: int) -> dict:
    """Per county in the area (a county, or a prefecture or province and its counties): the year's linked funds
    allocated, issued and spent, what was spent on industry, its share, the province's minimum and met / not met.
    Four queries whatever the number of entries or counties."""
    area = area_by_code(area_code)
    require(actor, Action.VIEW, area.code)
    entries = FundEntry.objects.filter(within_area("area", area), document__source=LINKED_SOURCE,
                                       document__year=year)
    sums = entries.values("area_id", "kind", "corrects__kind", "project__type").annotate(amount=Sum("amount"))
    counties: dict[str, dict] = {}
    for row in sums.order_by():
        kind = row["corrects__kind"] if row["kind"] == "adjust" else row["kind"]
        code = row["area_id"][:PREFIX_LENGTH[Level.COUNTY]].ljust(CODE_LENGTH, "0")
        county = counties.setdefault(code, {stage: ZERO for stage in (*STAGES, "industry")})
        # SQLite sums decimals as floating point: back to the cent before adding.
        amount = Decimal(row["amount"] or 0).quantize(CENT)
        county[_STAGE_OF_KIND[kind]] += amount
        if kind == "spend" and row["project__type"] in project_codes.INDUSTRY_TYPES:
            county["industry"] += amount
    names = dict(Area.objects.filter(code__in=list(counties)).values_list("code", "name"))
    minimum = industry_minimum(year, area.code[:2])
    rows = []
    for code in sorted(counties):
        county = counties[code]
        rows.append({"area": code, "name": names.get(code, code), **{stage: county[stage] for stage in STAGES},
                     "not_issued": county["allocated"] - county["issued"],
                     "unspent": county["issued"] - county["spent"],
                     **judge(county["industry"], county["spent"], minimum)})
    totals = {stage: sum((row[stage] for row in rows), ZERO) for stage in STAGES}
    industry = sum((row["industry"] for row in rows), ZERO)
    return {"area": area.code, "name": area.name, "year": year, "source": LINKED_SOURCE, "rule": minimum,
            "rows": rows, "totals": {**totals, "not_issued": totals["allocated"] - totals["issued"],
                                     "unspent": totals["issued"] - totals["spent"],
                                     **judge(industry, totals["spent"], minimum)},
            "met": sum(1 for row in rows if row["met"]), "not_met": sum(1 for row in rows if row["met"] is False)}


def report_rows(report: dict) -> tuple[list[str], list[list]]:
    """The report as a table (header, rows) for the export; labels in the language in force."""
    header = [gettext("Area code"), gettext("Area"), gettext("Allocated (stage)"), gettext("Issued (stage)"),
              gettext("Spent (stage)"), gettext("Spent on industry"), gettext("Industry share"),
              gettext("Minimum share"), gettext("Met")]

    def verdict(met):
        return "" if met is None else (gettext("met") if met else gettext("not met"))

    rows = [[row["area"], row["name"], row["allocated"], row["issued"], row["spent"], row["industry"],
             row["share"], row["minimum"], verdict(row["met"])] for row in report["rows"]]
    totals = report["totals"]
    rows.append([report["area"], gettext("Total"), totals["allocated"], totals["issued"], totals["spent"],
                 totals["industry"], totals["share"], totals["minimum"], verdict(totals["met"])])
    return header, rows
