"""Reads of the funds ledger, scoped to the actor's areas: balances, the trace of a document down to households,
what reached one household, and shares of a year's money that went to areas of a designation.

Every amount is a sum over entries; an adjustment counts as the kind of the entry it corrects (`effective`).
"Year" is the fund document's budget year, which is how the seed's "2017 fiscal poverty funds" are counted.
"""

from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import require
from fupin.areas.models import Area
from fupin.areas.selectors import area_by_code, designations_in_force, within_area
from fupin.core.areacodes import code_range
from fupin.core.errors import NotFound, ValidationFailed
from fupin.core.records import money_sum
from fupin.registry.models import Household

from . import codelists as cl
from .models import FundDocument, FundEntry

ZERO = Decimal("0.00")


def effective(kind: str, prefix: str = "") -> Q:
    """Entries of `kind` and the adjustments correcting them."""
    return Q(**{f"{prefix}kind": kind}) | Q(**{f"{prefix}kind": "adjust", f"{prefix}corrects__kind": kind})


def total(entries) -> Decimal:
    return money_sum(entries, "amount")



def source_codes(sources) -> tuple[str, ...]:
    """Sources named as a group code (data: fund_sources.json) or as a list of source codes."""
    if isinstance(sources, str):
        if sources in cl.GROUP_SOURCES:
            return cl.GROUP_SOURCES[sources]
        sources = [sources]
    unknown = [code for code in sources if code not in cl.FUND_SOURCE.values]
    if unknown:
        raise ValidationFailed(_("Unknown fund source “%(source)s”."), field="sources", source=unknown[0])
    return tuple(sources)


def designated_prefixes(designation_type: str, year: int, within: Area) -> list[str]:
    """Code prefixes of the areas designated `designation_type` in `year` (designated by then, not exited
    before it) that lie in `within`, or contain it."""
    designations = designations_in_force([designation_type], year).select_related("area")
    low, high = within.subtree_bounds
    prefixes = []
    for designation in designations:
        area = designation.area
        if low <= area.code <= high or within.code.startswith(area.prefix):
            prefixes.append(area.prefix)
    return sorted(set(prefixes))


def in_prefixes(field: str, prefixes: list[str]) -> Q:
    """Rows whose area code (in `field`) lies under any of the prefixes (none: no rows)."""
    condition = Q(pk__in=[])
    for prefix in prefixes:
        low, high = code_range(prefix)
        condition |= Q(**{f"{field}__gte": low, f"{field}__lte": high})
    return condition


def share(part: Decimal, whole: Decimal) -> Decimal | None:
    """A fraction rounded to 4 places (30.5 % is Decimal("0.3050")); None when there is nothing to divide."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"))


# Lists -----------------------------------------------------------------------------------------------------------

def entry_list(*, actor) -> QuerySet[FundEntry]:
    return FundEntry.objects.select_related("document", "area", "project", "household", "corrects").scoped(
        actor, Action.VIEW)


def document_list(*, actor) -> QuerySet[FundDocument]:
    """Documents issued in the actor's areas, and those that put money into them."""
    return FundDocument.objects.select_related("issuing_area").scoped(actor, Action.VIEW)


def document_visible(*, actor, document: FundDocument) -> FundDocument:
    if not document_list(actor=actor).filter(pk=document.pk).exists():
        raise NotFound()
    return document


# Balances and traces ---------------------------------------------------------------------------------------------

def area_balance(document: FundDocument, area_code: str) -> dict:
    """Allocated, arrived and spent of a document at one area, and what is left (unscoped: services use it)."""
    entries = FundEntry.objects.filter(document=document, area_id=area_code)
    allocated = total(entries.filter(effective("allocate")))
    arrived = total(entries.filter(effective("arrive")))
    spent = total(entries.filter(effective("spend")))
    return {"area": area_code, "allocated": allocated, "arrived": arrived, "spent": spent,
            "balance": allocated - spent, "unspent_arrived": arrived - spent, "not_arrived": allocated - arrived}


def balances(*, actor, document: FundDocument) -> list[dict]:
    """Per area the document reached (among the actor's areas): allocated − spent, and arrived against
    allocated."""
    document_visible(actor=actor, document=document)
    areas = entry_list(actor=actor).filter(document=document).values_list("area_id", "area__name").distinct()
    return [{**area_balance(document, code), "name": name} for code, name in sorted(set(areas))]


def trace(*, actor, document: FundDocument) -> dict:
    """Where a document's money went: per area its allocation, arrival and spending, per project what was spent
    on it and per household what reached it. Household amounts of a project sum to what the project spent on
    households (`to_households`); the rest of its spending went on the project as a whole."""
    document_visible(actor=actor, document=document)
    entries = entry_list(actor=actor).filter(document=document)
    areas = []
    for row in balances(actor=actor, document=document):
        spending = entries.filter(effective("spend"), area_id=row["area"])
        projects = []
        by_project = spending.values("project", "project__name", "project__type").annotate(spent=Sum("amount"))
        for item in by_project.order_by("project"):
            households = spending.filter(project=item["project"], household__isnull=False).values(
                "household", "household__number").annotate(amount=Sum("amount")).order_by("household")
            household_rows = [{"household": h["household"], "number": h["household__number"], "amount": h["amount"]}
                              for h in households if h["amount"]]
            projects.append({"project": item["project"], "name": item["project__name"], "type": item["project__type"],
                             "spent": item["spent"],
                             "to_households": sum((h["amount"] for h in household_rows), ZERO),
                             "households": household_rows})
        areas.append({**row, "projects": projects})
    allocated = sum((row["allocated"] for row in areas), ZERO)
    return {"document": {"id": document.pk, "number": document.number, "title": document.title,
                         "source": document.source, "year": document.year, "total": document.total},
            "allocated": allocated, "arrived": sum((row["arrived"] for row in areas), ZERO),
            "spent": sum((row["spent"] for row in areas), ZERO),
            "to_households": sum((p["to_households"] for row in areas for p in row["projects"]), ZERO),
            "unallocated": document.total - allocated, "areas": areas}


def household_funds(*, actor, household: Household) -> dict:
    """How much money reached a household, from which documents and sources, through which projects."""
    require(actor, Action.VIEW, household.area_id)
    spending = FundEntry.objects.filter(effective("spend"), household=household)
    documents = spending.values("document", "document__number", "document__title", "document__source",
                                "document__year").annotate(amount=Sum("amount")).order_by("document__year",
                                                                                         "document")
    by_source: dict[str, Decimal] = {}
    rows = []
    for item in documents:
        if not item["amount"]:
            continue
        projects = spending.filter(document=item["document"]).values("project", "project__name").annotate(
            amount=Sum("amount")).order_by("project")
        rows.append({"document": item["document"], "number": item["document__number"],
                     "title": item["document__title"], "source": item["document__source"],
                     "year": item["document__year"], "amount": item["amount"],
                     "projects": [{"project": p["project"], "name": p["project__name"], "amount": p["amount"]}
                                  for p in projects if p["amount"]]})
        by_source[item["document__source"]] = by_source.get(item["document__source"], ZERO) + item["amount"]
    return {"household": household.pk, "number": household.number,
            "total": sum((row["amount"] for row in rows), ZERO), "by_source": dict(sorted(by_source.items())),
            "documents": rows}


# Shares ----------------------------------------------------------------------------------------------------------

def allocations(*, area: Area, year: int, sources) -> QuerySet[FundEntry]:
    """Allocations (net of corrections) of documents of `year` from `sources` to areas in `area`."""
    return FundEntry.objects.filter(effective("allocate"), within_area("area", area), document__year=year,
                                    document__source__in=source_codes(sources))


def share_to_designated(*, actor, area_code: str, year: int, sources, designation_type: str) -> dict:
    """The part of a year's allocations from `sources` (a group code or source codes) within an area (a province)
    that went to areas designated `designation_type` that year, or to areas inside them."""
    area = area_by_code(area_code)
    require(actor, Action.VIEW, area.code)
    entries = allocations(area=area, year=year, sources=sources)
    prefixes = designated_prefixes(designation_type, year, area)
    designated = total(entries.filter(in_prefixes("area", prefixes)))
    whole = total(entries)
    return {"designated": designated, "total": whole, "share": share(designated, whole),
            "designated_areas": len(prefixes)}
