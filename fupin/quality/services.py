"""Scans and the finding loop (筛查 → 整改 → 再筛查): a scan records what its rules find now; findings it no
longer finds are fixed; explanations are given by the village or county and accepted by a reviewer, audited.

Scanning needs `change` in the area (it writes findings); explaining needs `change` on the finding's village,
accepting needs `approve` there.
"""

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import everywhere, reach, require
from fupin.areas.selectors import area_by_code
from fupin.audit import registry as audit_registry
from fupin.audit.services import audit_record
from fupin.core.errors import PermissionDenied, ValidationFailed
from fupin.core.sql import chunked, insert_rows
from fupin.registry.models import Household

from .checks import CHECKS, Scope
from .models import Finding, FindingStatus, QualityRule, Scan

SCAN_RUN = audit_registry.register("quality.scanned", _("ran a data-quality scan"))
FINDING_EXPLAINED = audit_registry.register("quality.explained", _("explained a data-quality finding"))
FINDING_ACCEPTED = audit_registry.register("quality.accepted", _("accepted or rejected an explanation"))

LIVE = (FindingStatus.OPEN, FindingStatus.EXPLAINED, FindingStatus.ACCEPTED)


def _scope(actor, area_code: str | None, year: int) -> tuple[str, Scope]:
    code, bounds = "", None
    if area_code:
        area = area_by_code(area_code)
        require(actor, Action.CHANGE, area.code)
        code, bounds = area.code, area.subtree_bounds
    elif not everywhere(actor, Action.CHANGE):
        raise PermissionDenied()

    def household_filter(prefix: str) -> Q:
        """Not removed, in the area's subtree (one range on the indexed code) and in the actor's grants."""
        condition = ~Q(**{f"{prefix}status": "9"})
        if bounds:
            condition &= Q(**{f"{prefix}area__gte": bounds[0], f"{prefix}area__lte": bounds[1]})
        granted = reach(actor, Action.CHANGE).condition(f"{prefix}area")
        return condition if granted is None else condition & granted

    households = Household.objects.filter(household_filter(""))
    most = connection.vendor == "sqlite" and households.count() * 2 > Household.objects.count()
    return code, Scope(year=year, households=households, household_filter=household_filter,
                       most_of_the_registry=most)


def _rules(codes: list[str] | None) -> list[QualityRule]:
    rules = QualityRule.objects.filter(enabled=True)
    if codes:
        rules = QualityRule.objects.filter(code__in=codes)
        missing = set(codes) - set(rules.values_list("code", flat=True))
        if missing:
            raise ValidationFailed(_("Unknown rules: %(codes)s."), field="rules", codes=", ".join(sorted(missing)))
    return list(rules)


def scan_run(*, actor, year: int, area_code: str | None = None, rules: list[str] | None = None,
             on_progress=None) -> Scan:
    code, scope = _scope(actor, area_code, year)
    chosen = _rules(rules)
    with transaction.atomic():
        scan = Scan.objects.create(area_code=code, year=year, rules=[r.code for r in chosen], started_by=actor)
        counts = {}
        by_check: dict[str, list[QualityRule]] = {}
        for rule in chosen:
            by_check.setdefault(rule.check_name, []).append(rule)
        for check_name, group in by_check.items():
            hits: dict[str, dict] = {rule.code: {} for rule in group}
            for rule_code, hit in CHECKS[check_name](group, scope):
                hits[rule_code].setdefault((hit.household_id, hit.member_id), hit)
            for rule in group:
                counts[rule.code] = _record(scan, rule, scope, _switched_on(rule, hits[rule.code]))
            if on_progress:
                on_progress(len(group))
        scan.counts = counts
        scan.finished_at = timezone.now()
        scan.save(update_fields=["counts", "finished_at"])
        audit_record(actor=actor, action=SCAN_RUN, obj=scan, area_code=code,
                     after={"year": year, "rules": scan.rules, "counts": counts})
    return scan


def _switched_on(rule: QualityRule, hits: dict) -> dict:
    """Hits outside the provinces that switched the rule off."""
    if not rule.disabled_provinces:
        return hits
    areas = dict(Household.objects.filter(pk__in={key[0] for key in hits}).values_list("pk", "area_id"))
    return {key: hit for key, hit in hits.items() if areas[key[0]][:2] not in rule.disabled_provinces}


def _record(scan: Scan, rule: QualityRule, scope: Scope, hits: dict) -> dict:
    """Open new findings, keep the ones found again, mark fixed the ones no longer found (within the scope).

    Findings are compared as (household, member) keys, and written with set-based statements: a rescan of a
    million households touches only the rows whose state changes."""
    live = {(household_id, member_id): pk for pk, household_id, member_id in scope.within(Finding.objects.filter(
        rule=rule, year=scope.year, status__in=LIVE)).order_by().values_list("pk", "household_id", "member_id")}
    now = timezone.now()
    new, seen = [], []
    for key, hit in hits.items():
        pk = live.pop(key, None)
        if pk is None:
            new.append((key, hit))
        else:
            seen.append(pk)
    if new:
        areas = {}
        for chunk in chunked(sorted({key[0] for key, _hit in new}), 5000):
            areas.update(Household.objects.filter(pk__in=chunk).values_list("pk", "area_id"))
        messages = {language: _rendered([hit for _key, hit in new], language) for language in ("zh-hans", "en")}
        insert_rows(Finding, [
            {"rule_id": rule.pk, "household_id": key[0], "member_id": key[1], "area_code": areas[key[0]],
             "year": scope.year, "message": zh[:300], "message_en": en[:300], "first_scan_id": scan.pk,
             "last_scan_id": scan.pk}
            for (key, _hit), zh, en in zip(new, messages["zh-hans"], messages["en"], strict=True)])
    for chunk in chunked(seen, 5000):
        Finding.objects.filter(pk__in=chunk).update(last_scan=scan, updated_at=now)
    fixed = list(live.values())
    for chunk in chunked(fixed, 5000):
        Finding.objects.filter(pk__in=chunk).update(status=FindingStatus.FIXED, fixed_at=now, last_scan=scan,
                                                    updated_at=now)
    return {"found": len(hits), "new": len(new), "fixed": len(fixed)}


def _rendered(hits: list, language: str) -> list[str]:
    """The hits' messages in `language` (one switch of language for all of them: switching per hit is slow)."""
    with translation.override(language):
        return [hit.render() for hit in hits]


def finding_explain(*, actor, finding: Finding, explanation: str) -> Finding:
    require(actor, Action.CHANGE, finding.area_code)
    explanation = explanation.strip()
    if not explanation:
        raise ValidationFailed(_("Give the reason this is not an error."), field="explanation")
    if finding.status == FindingStatus.FIXED:
        raise ValidationFailed(_("This finding is already fixed."), field="status")
    with transaction.atomic():
        finding.status, finding.explanation, finding.explained_by = FindingStatus.EXPLAINED, explanation, actor
        finding.accepted_by = None
        finding.save(update_fields=["status", "explanation", "explained_by", "accepted_by", "updated_at"])
        audit_record(actor=actor, action=FINDING_EXPLAINED, obj=finding, area_code=finding.area_code,
                     after={"explanation": explanation})
    return finding


def finding_accept(*, actor, finding: Finding, accept: bool) -> Finding:
    """A reviewer accepts the explanation (the finding leaves the open list) or rejects it (open again)."""
    require(actor, Action.APPROVE, finding.area_code)
    if finding.status != FindingStatus.EXPLAINED:
        raise ValidationFailed(_("Only an explained finding can be accepted or rejected."), field="status")
    if finding.explained_by_id == actor.pk:
        raise PermissionDenied(_("The person who explained a finding cannot accept it."))
    with transaction.atomic():
        finding.status = FindingStatus.ACCEPTED if accept else FindingStatus.OPEN
        finding.accepted_by = actor if accept else None
        finding.save(update_fields=["status", "accepted_by", "updated_at"])
        audit_record(actor=actor, action=FINDING_ACCEPTED, obj=finding, area_code=finding.area_code,
                     after={"accepted": accept})
    return finding

