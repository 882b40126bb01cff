"""Findings as villages, townships and counties see them: the open list and the dashboard counts."""

from django.db.models import Count, QuerySet
from django.db.models.functions import Substr

from fupin.accounts.choices import Action
from fupin.areas.selectors import area_by_code
from fupin.core.areacodes import PREFIX_LENGTH, Level
from fupin.core.codelists import localized

from .models import Finding, FindingStatus, QualityRule


def finding_list(*, actor, area_code: str | None = None, year: int | None = None,
                 status: str | None = FindingStatus.OPEN) -> QuerySet[Finding]:
    findings = Finding.objects.select_related("rule", "household", "member").scoped(actor, Action.VIEW)
    if area_code:
        area = area_by_code(area_code)
        low, high = area.subtree_bounds
        findings = findings.filter(area_code__gte=low, area_code__lte=high)
    if year:
        findings = findings.filter(year=year)
    if status:
        findings = findings.filter(status=status)
    return findings


def rule_list() -> QuerySet[QualityRule]:
    """The quality rules (reference data, the same for everyone)."""
    return QualityRule.objects.all()


def finding_summary(*, actor, area_code: str | None = None, year: int | None = None) -> list[dict]:
    """Open findings by the area one level below `area_code` (provinces without one) and by rule."""
    level = area_by_code(area_code).level + 1 if area_code else Level.PROVINCE
    length = PREFIX_LENGTH[min(level, Level.VILLAGE)]
    rows = (finding_list(actor=actor, area_code=area_code, year=year)
            .annotate(unit=Substr("area_code", 1, length)).values("unit", "rule_id").annotate(n=Count("id"))
            .order_by("unit", "rule_id"))
    return [{"area": row["unit"].ljust(12, "0"), "rule": row["rule_id"], "open": row["n"]} for row in rows]


def finding_message(finding: Finding) -> str:
    """The message in the language in force (stored in Chinese and English; zh-Hant by OpenCC)."""
    return localized(finding.message, finding.message_en)


def as_contract(finding: Finding) -> dict:
    """A finding as `fupin quality scan --format json` prints it."""
    return {"rule": finding.rule_id, "household": finding.household.number,
            "member": finding.member.id_number if finding.member_id else None, "area": finding.area_code,
            "message": finding_message(finding)}


def exclusions(household) -> list[Finding]:
    """Open comparison findings that exclude the household (a car, a civil servant …): the identification
    procedure's 比对 step cannot be approved while any remain (fixed, or explained and accepted, lifts them)."""
    return list(Finding.objects.filter(household=household, status=FindingStatus.OPEN,
                                       rule__check_name="comparison", rule__params__effect="exclude")
                .select_related("rule"))
