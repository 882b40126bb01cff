"""The asset register's reports (国办函〔2021〕51号): a county's 总账 — its poverty-alleviation assets counted and
valued by class, by the level ownership was confirmed to and by source of funds — and a village's 明细台账: every
asset owned in the village with its 确权, custody (管护), income and how it was distributed (收益分配), and its
status, in a version for posting publicly (公示) that names no household and no person.

An asset belongs to the area of its owner (a village collective's, a household's village, a township or county
department's seat). Reads are scoped like the asset list (through the project's area) and cost a fixed number of
queries whatever the number of assets.
"""

from decimal import Decimal

from django.db.models import Count, Max, Sum
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import require
from fupin.areas.models import Area
from fupin.areas.selectors import area_by_code, within_area
from fupin.core.areacodes import Level, level_of
from fupin.core.records import CENT

from . import codelists as cl
from .models import AssetDisposal, AssetIncome, AssetIncomeShare, AssetMaintenance
from .selectors import asset_list

ZERO = Decimal("0.00")
HELD = ("in_use", "disposing")  # still the owner's: counted in the ledger's holdings
# The ledger's breakdowns: (field, title, code list)
DIMENSIONS = (("kind", _("By class"), cl.ASSET_KIND), ("owner_level", _("By owner level"), cl.OWNER_LEVEL),
              ("fund_source", _("By source of funds"), cl.ASSET_SOURCE))


def _money(value) -> Decimal:
    # SQLite sums decimals as floating point: back to the cent.
    return Decimal(value or 0).quantize(CENT)


def county_ledger(*, actor, area_code: str) -> dict:
    """总账 of the assets owned in an area (a county, or any area): for each breakdown, per code the number and
    value of assets held (in use or with a disposal under way) and of those disposed; "not recorded" for assets
    registered before the field was kept. Three queries for the breakdowns, one for the totals."""
    area = area_by_code(area_code)
    require(actor, Action.VIEW, area.code)
    assets = asset_list(actor=actor).filter(within_area("owner_area", area)).order_by()
    dimensions = []
    for field, title, codes in DIMENSIONS:
        found: dict[str, dict] = {}
        for row in assets.values(field, "status").annotate(count=Count("id"), value=Sum("value")):
            entry = found.setdefault(row[field] or "", {"held_count": 0, "held_value": ZERO, "disposed_count": 0,
                                                        "disposed_value": ZERO})
            side = "held" if row["status"] in HELD else "disposed"
            entry[f"{side}_count"] += row["count"]
            entry[f"{side}_value"] += _money(row["value"])
        order = [*(item.code for item in codes.codes), ""]
        rows = [{"code": code, "label": codes.label(code) if code else gettext("not recorded"), **found[code]}
                for code in sorted(found, key=lambda code: order.index(code) if code in order else len(order))]
        dimensions.append({"field": field, "title": str(title), "rows": rows})
    totals = {"held_count": 0, "held_value": ZERO, "disposed_count": 0, "disposed_value": ZERO}
    for row in assets.values("status").annotate(count=Count("id"), value=Sum("value")):
        side = "held" if row["status"] in HELD else "disposed"
        totals[f"{side}_count"] += row["count"]
        totals[f"{side}_value"] += _money(row["value"])
    return {"area": area.code, "name": area.name, "dimensions": dimensions, "totals": totals}


def village_ledger(*, actor, area_code: str, public: bool = False) -> dict:
    """明细台账 of a village: every asset owned in it with its register, custody, income and status. `public`: the
    version posted in the village (公示) — a household's asset names no owner, its certificate number is left out
    and payments to households are given as a count and a total, never by household. Six queries. For an area
    above a village: no rows, and `villages` lists its villages that own assets."""
    area = area_by_code(area_code)
    require(actor, Action.VIEW, area.code)
    empty = {name: ZERO for name in ("value", "maintenance_cost", "income", "to_village", "to_households")}
    if level_of(area.code) != Level.VILLAGE:
        # The detailed ledger is a village's: above a village, the villages that have one.
        return {"area": area.code, "name": area.name, "public": public, "rows": [],
                "villages": villages_with_assets(actor=actor, area_code=area.code),
                "totals": {**empty, "assets": 0}}
    assets = list(asset_list(actor=actor).filter(within_area("owner_area", area)).order_by("kind", "project__year",
                                                                                           "id"))
    ids = [asset.pk for asset in assets]
    upkeep = {row["asset"]: row for row in AssetMaintenance.objects.filter(asset__in=ids).values("asset").annotate(
        count=Count("id"), cost=Sum("cost"), last=Max("date")).order_by()}
    incomes = {row["asset"]: row for row in AssetIncome.objects.filter(asset__in=ids).values("asset").annotate(
        earned=Sum("amount"), to_households=Sum("distributed_to_households"), last_year=Max("year")).order_by()}
    shares: dict[int, dict] = {}
    for row in AssetIncomeShare.objects.filter(income__asset__in=ids).values("income__asset", "recipient").annotate(
            amount=Sum("amount"), households=Count("household", distinct=True)).order_by():
        shares.setdefault(row["income__asset"], {})[row["recipient"]] = row
    disposals = {row.asset_id: row for row in AssetDisposal.objects.filter(asset__in=ids).exclude(status="rejected")}
    rows = []
    for asset in assets:
        maintenance = upkeep.get(asset.pk, {})
        income = incomes.get(asset.pk, {})
        paid = shares.get(asset.pk, {})
        disposal = disposals.get(asset.pk)
        household_owned = asset.owner_kind == "household"
        rows.append({
            "id": asset.pk, "name": asset.name, "project": asset.project.name, "year": asset.project.year,
            "kind": asset.kind, "kind_label": cl.ASSET_KIND.label(asset.kind),
            "fund_source": asset.fund_source,
            "fund_source_label": cl.ASSET_SOURCE.label(asset.fund_source) if asset.fund_source else "",
            "formed_on": asset.formed_on, "value": asset.value,
            "owner_level": asset.owner_level,
            "owner_level_label": cl.OWNER_LEVEL.label(asset.owner_level) if asset.owner_level else "",
            # A household's name is personal data: the public notice says "a household".
            "owner": cl.ASSET_OWNER.label("household") if public and household_owned else asset.owner_name,
            "certificate_number": "" if public and household_owned else asset.certificate_number,
            "certified": bool(asset.certificate_number), "certified_on": asset.certified_on,
            "custodian": asset.custodian,
            "maintenances": maintenance.get("count", 0), "maintenance_cost": _money(maintenance.get("cost")),
            "last_maintained": maintenance.get("last"),
            "income": _money(income.get("earned")), "last_income_year": income.get("last_year"),
            "to_village": _money(paid.get("village", {}).get("amount")),
            "to_households": _money(income.get("to_households")),
            "households_paid": paid.get("household", {}).get("households", 0),
            "status": asset.status, "status_label": cl.ASSET_STATUS.label(asset.status),
            "disposed_on": disposal.disposed_on if disposal else None,
        })
    totals = {name: sum((row[name] for row in rows), ZERO) for name in (
        "value", "maintenance_cost", "income", "to_village", "to_households")}
    return {"area": area.code, "name": area.name, "public": public, "rows": rows, "villages": None,
            "totals": {**totals, "assets": len(rows)}}


def villages_with_assets(*, actor, area_code: str) -> list[dict]:
    """The villages of an area that own assets, with how many: where an area's ledger links to village ledgers."""
    area = area_by_code(area_code)
    require(actor, Action.VIEW, area.code)
    counts = asset_list(actor=actor).filter(within_area("owner_area", area)).values("owner_area").annotate(
        count=Count("id")).order_by("owner_area")
    counted = {row["owner_area"]: row["count"] for row in counts if level_of(row["owner_area"]) == Level.VILLAGE}
    names = dict(Area.objects.filter(code__in=list(counted)).values_list("code", "name"))
    return [{"area": code, "name": names.get(code, code), "assets": count} for code, count in counted.items()]


def county_ledger_table(ledger: dict) -> tuple[list[str], list[list]]:
    header = [gettext("Breakdown"), gettext("Code"), gettext("Label"), gettext("Assets held"),
              gettext("Value held (yuan)"), gettext("Assets disposed"), gettext("Value disposed (yuan)")]
    rows = [[dimension["title"], row["code"], row["label"], row["held_count"], row["held_value"],
             row["disposed_count"], row["disposed_value"]]
            for dimension in ledger["dimensions"] for row in dimension["rows"]]
    totals = ledger["totals"]
    rows.append([gettext("Total"), "", "", totals["held_count"], totals["held_value"], totals["disposed_count"],
                 totals["disposed_value"]])
    return header, rows


def village_ledger_table(ledger: dict) -> tuple[list[str], list[list]]:
    if ledger["villages"] is not None:  # an area above a village: which villages have a ledger
        return ([gettext("Area code"), gettext("Village"), gettext("Assets")],
                [[row["area"], row["name"], row["assets"]] for row in ledger["villages"]])
    header = [gettext("Asset"), gettext("Project"), gettext("Class"), gettext("Source of funds"),
              gettext("Formed on"), gettext("Value (yuan)"), gettext("Owner level"), gettext("Owner"),
              gettext("Certificate number"), gettext("Custodian"), gettext("Maintenances"),
              gettext("Maintenance cost (yuan)"), gettext("Income (yuan)"), gettext("Paid to the village (yuan)"),
              gettext("Paid to households (yuan)"), gettext("Households paid"), gettext("Status")]
    rows = [[row["name"], row["project"], row["kind_label"], row["fund_source_label"], row["formed_on"] or "",
             row["value"], row["owner_level_label"], row["owner"], row["certificate_number"], row["custodian"],
             row["maintenances"], row["maintenance_cost"], row["income"], row["to_village"], row["to_households"],
             row["households_paid"], row["status_label"]] for row in ledger["rows"]]
    return header, rows
