"""Every write of the low-income register: permission in the person's village, the record's rules (dates through
core.temporal, ID numbers through core.idnumbers), one transaction and an audit event."""

import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import require
from fupin.areas.models import Area
from fupin.audit import registry as audit_registry
from fupin.audit.services import audit_record
from fupin.core import areacodes
from fupin.core.errors import ValidationFailed
from fupin.core.idnumbers import parse_id_number
from fupin.core.temporal import fact_date, not_before
from fupin.registry import codelists as registry_codes
from fupin.registry.models import Member
from fupin.rules import evaluation
from fupin.workflows import services as workflow_services
from fupin.workflows.models import Case

from . import codelists as cl
from . import formulas
from .models import CategoryMembership, EconomicCheck, Finding, FindingStatus, Parameter, Person

PERSON_SAVED = audit_registry.register("lowincome.person_saved", _("saved a person of the low-income register"))
MEMBERSHIP_SAVED = audit_registry.register("lowincome.membership_saved", _("saved a low-income category membership"))
MEMBERSHIP_ENDED = audit_registry.register("lowincome.membership_ended", _("ended a low-income category membership"))
CHECK_SAVED = audit_registry.register("lowincome.check_saved", _("saved an economic check"))
PARAMETER_SAVED = audit_registry.register("lowincome.parameter_saved", _("saved a low-income test parameter"))
FINDING_CLOSED = audit_registry.register("lowincome.finding_closed", _("closed a re-evaluation finding"))
FINDING_CASE_OPENED = audit_registry.register("lowincome.finding_case_opened",
                                              _("opened the procedure of a re-evaluation finding"))
IMPORTED = audit_registry.register("lowincome.imported", _("imported a department's list"))
REEVALUATED = audit_registry.register("lowincome.reevaluated", _("re-evaluated the low-income categories"))


def _village(code: str) -> Area:
    try:
        normalised = areacodes.normalise_code(code)
    except ValueError:
        normalised = None
    area = Area.objects.filter(code=normalised).first() if normalised else None
    if area is None:
        raise ValidationFailed(_("No area has the code %(code)s."), field="area", code=code)
    if area.level != areacodes.Level.VILLAGE:
        raise ValidationFailed(_("%(code)s is not a village; a person lives in a village."), field="area",
                               code=code)
    return area


def person_find_or_create(*, actor, id_number: str, name: str, area_code: str = "") -> Person:
    """The register's person with this ID number: linked to the registry's member when there is one (the same
    household as 建档立卡), else made in the village given. Called inside the caller's transaction."""
    number = parse_id_number(id_number).number
    person = Person.objects.select_related("area").filter(id_number=number).first()
    member = Member.objects.select_related("household").filter(id_number=number, is_active=True).first()
    if person is not None:
        if person.member_id is None and member is not None:  # the registry has them now: link
            person.member, person.household, person.area_id = member, member.household, member.household.area_id
            person.save(update_fields=["member", "household", "area", "updated_at"])
        require(actor, Action.CHANGE, person.area_id)
        return person
    if member is not None:
        area_id = member.household.area_id
    elif area_code:
        area_id = _village(area_code).code
    else:
        raise ValidationFailed(_("%(number)s is not in the registry: give the village's area code."), field="area",
                               number=number)
    require(actor, Action.CHANGE, area_id)
    name = name.strip() or (member.name if member else "")  # a registry member is named by the registry
    if not name:
        raise ValidationFailed(_("A value is required."), field="name")
    person = Person.objects.create(id_number=number, name=name.strip(), area_id=area_id, member=member,
                                   household=member.household if member else None)
    audit_record(actor=actor, action=PERSON_SAVED, obj=person, area_code=area_id,
                 after={"id_number": number[:6] + "…", "area": area_id, "member": member.pk if member else None})
    return person


def _membership_rules(membership: CategoryMembership) -> None:
    if membership.category not in cl.CATEGORY.values:
        raise ValidationFailed(_("Unknown category “%(value)s”."), field="category", value=membership.category)
    if membership.category == "monitoring":
        if membership.monitoring_category not in registry_codes.MONITORING_CATEGORY.values:
            raise ValidationFailed(_("A monitoring object needs its monitoring category (1, 2 or 3)."),
                                   field="monitoring_category")
    elif membership.monitoring_category:
        raise ValidationFailed(_("Only a monitoring object has a monitoring category."), field="monitoring_category")
    if not membership.department.strip():
        raise ValidationFailed(_("Name the deciding department."), field="department")
    if membership.publication not in cl.PUBLICATION.values:
        raise ValidationFailed(_("Unknown publication rule “%(value)s”."), field="publication",
                               value=membership.publication)
    membership.identified_on = fact_date(membership.identified_on, field="identified_on",
                                         label=_("identification date"))
    membership.ends_on = fact_date(membership.ends_on, field="ends_on", label=_("end date"), default_today=False)
    not_before(membership.ends_on, membership.identified_on, field="ends_on", label=_("end date"),
               earlier_label=_("the identification date"))
    if membership.ends_on and membership.end_reason not in cl.END_REASON.values:
        raise ValidationFailed(_("Give the reason the membership ended."), field="end_reason")
    if not membership.ends_on and membership.end_reason:
        raise ValidationFailed(_("An end reason needs an end date."), field="ends_on")
    if membership.case_id and membership.case.household_id not in (None, membership.person.household_id):
        raise ValidationFailed(_("The procedure case is another household's."), field="case")
    # Two memberships of one category may follow each other, never run at the same time.
    same = CategoryMembership.objects.filter(person=membership.person, category=membership.category).exclude(
        pk=membership.pk)
    far_future = datetime.date.max
    for other in same:
        if membership.identified_on < (other.ends_on or far_future) and other.identified_on < (
                membership.ends_on or far_future):
            raise ValidationFailed(_("%(name)s is already in this category from %(start)s (until %(end)s)."),
                                   field="identified_on", name=membership.person.name,
                                   start=other.identified_on.isoformat(),
                                   end=other.ends_on.isoformat() if other.ends_on else "—")


MEMBERSHIP_FIELDS = ("category", "monitoring_category", "department", "identified_on", "case", "procedure",
                     "publication", "ends_on", "end_reason")


def membership_save(*, actor, person: Person, data: dict, instance: CategoryMembership | None = None
                    ) -> CategoryMembership:
    """Add a membership of `person` (or change `instance`): an overlap with another membership of the same category
    is refused; memberships of different categories may overlap."""
    with transaction.atomic():
        require(actor, Action.CHANGE, person.area_id)
        membership = instance or CategoryMembership(person=person, household=person.household, recorded_by=actor)
        before = {name: str(getattr(membership, name)) for name in MEMBERSHIP_FIELDS} if instance else None
        for name in MEMBERSHIP_FIELDS:
            if name in data:
                setattr(membership, name, data[name] if data[name] is not None or name in ("case", "ends_on")
                        else "")
        _membership_rules(membership)
        membership.save()
        audit_record(actor=actor, action=MEMBERSHIP_SAVED, obj=membership, area_code=person.area_id, before=before,
                     after={name: str(getattr(membership, name)) for name in MEMBERSHIP_FIELDS})
    return membership


def membership_add(*, actor, data: dict, person: Person | None = None) -> CategoryMembership:
    """A membership of `person`, or of the person the data names by ID number (found, linked to the registry, or
    made in the village given), in one transaction: a refused membership leaves no new person behind."""
    with transaction.atomic():
        if person is None:
            person = person_find_or_create(actor=actor, id_number=data.get("id_number") or "",
                                           name=data.get("name") or "", area_code=data.get("village") or "")
        return membership_save(actor=actor, person=person, data={
            name: data[name] for name in MEMBERSHIP_FIELDS if name in data})


def membership_end(*, actor, membership: CategoryMembership, ends_on, reason: str) -> CategoryMembership:
    """End an open membership on `ends_on` (the first day out: not in the future, not before the
    identification date) for a reason of the code list."""
    if ends_on is None:
        raise ValidationFailed(_("Give the end date."), field="ends_on")
    with transaction.atomic():
        membership = CategoryMembership.objects.select_for_update().select_related("person").get(pk=membership.pk)
        require(actor, Action.CHANGE, membership.person.area_id)
        if membership.ends_on is not None:
            raise ValidationFailed(_("The membership has already ended on %(date)s."), field="ends_on",
                                   date=membership.ends_on.isoformat())
        membership.ends_on, membership.end_reason = ends_on, reason
        _membership_rules(membership)
        membership.save(update_fields=["ends_on", "end_reason", "updated_at"])
        audit_record(actor=actor, action=MEMBERSHIP_ENDED, obj=membership, area_code=membership.person.area_id,
                     after={"ends_on": membership.ends_on.isoformat(), "end_reason": reason})
    return membership


CHECK_FIELDS = ("household_size", "income_per_capita", "property_passed", "medical_spending", "education_spending")


def check_save(*, actor, person: Person, year: int, data: dict) -> EconomicCheck:
    """The person's economic check for the year, made or replaced (one per person and year)."""
    with transaction.atomic():
        require(actor, Action.CHANGE, person.area_id)
        if not 2013 <= year <= fact_date(None, field="year", label=_("year")).year:
            raise ValidationFailed(_("The year %(year)s is outside 2013 to this year."), field="year", year=year)
        if int(data.get("household_size") or 0) < 1:
            raise ValidationFailed(_("A household has at least one person."), field="household_size")
        for name in ("income_per_capita", "medical_spending", "education_spending"):
            if data.get(name) is not None and data[name] < 0 and name != "income_per_capita":
                raise ValidationFailed(_("Amounts cannot be negative."), field=name)
        check, created = EconomicCheck.objects.update_or_create(person=person, year=year, defaults={
            name: data[name] for name in CHECK_FIELDS if data.get(name) is not None})
        audit_record(actor=actor, action=CHECK_SAVED, obj=check, area_code=person.area_id,
                     after={"year": year, "created": created, **{name: str(getattr(check, name))
                                                                 for name in CHECK_FIELDS}})
    return check


def parameter_save(*, actor, data: dict) -> Parameter:
    """A threshold as an amount or a formula over other parameters (checked by the safe evaluator), with its
    source and certainty flag; only administrators of the place may set it."""
    province, county = data.get("province_code", ""), data.get("county_code", "")
    if county and not county.startswith(province or county[:2]):
        raise ValidationFailed(_("The county is not in the province."), field="county_code")
    province = province or county[:2]
    with transaction.atomic():
        require(actor, Action.ADMINISTER, county or province)
        amount, formula = data.get("amount"), (data.get("formula") or "").strip()
        if (amount is None) == (not formula):
            raise ValidationFailed(_("Give either an amount or a formula."), field="formula")
        if formula:
            formulas.parse(formula)
        row, _created = Parameter.objects.update_or_create(
            code=data["code"], year=data["year"], province_code=province, county_code=county,
            defaults={"amount": amount, "formula": formula, "source": data.get("source", ""),
                      "certainty": data.get("certainty", "U")})
        audit_record(actor=actor, action=PARAMETER_SAVED, obj=row, area_code=county or province,
                     after={"code": row.code, "year": row.year, "amount": str(amount), "formula": formula})
    return row


def finding_close(*, actor, finding: Finding, status: str) -> Finding:
    """The office acted on a finding (opened the procedure or ended the membership) or dismissed it on review."""
    if status not in (FindingStatus.DONE, FindingStatus.DISMISSED):
        raise ValidationFailed(_("Unknown status “%(value)s”."), field="status", value=status)
    with transaction.atomic():
        finding = Finding.objects.select_for_update().select_related("person").get(pk=finding.pk)
        require(actor, Action.CHANGE, finding.person.area_id)
        finding.status = status
        finding.save(update_fields=["status"])
        audit_record(actor=actor, action=FINDING_CLOSED, obj=finding, area_code=finding.person.area_id,
                     after={"status": status})
    return finding


# Findings open procedures ------------------------------------------------------------------------------------------
# The procedure of this system that acts on a finding, per (category, change): the registry's monitoring
# identification (评议 → 公示 → 审核 …) for someone who should become a monitoring object, its risk elimination for
# one who no longer meets the range. 低保, 低保边缘 and 刚性支出困难 are decided by the civil-affairs departments'
# own procedures, outside fupin: their findings are acted on by recording the department's decision.
CASE_PROCEDURES = {("monitoring", "enters"): "monitoring_identification",
                   ("monitoring", "leaves"): "risk_elimination"}


def finding_procedure(finding: Finding) -> str | None:
    """The code of the procedure that acts on the finding here, or None."""
    return CASE_PROCEDURES.get((finding.category, finding.change))


def _monitoring_category(household, year: int, given: str) -> str:
    """The category asked for, else the rules' evaluation of the year, else by the household's status: one out
    of poverty is 脱贫不稳定户 (1), any other 边缘易致贫户 (2)."""
    if given:
        if given not in registry_codes.MONITORING_CATEGORY.values:
            raise ValidationFailed(_("Give the monitoring category (1, 2 or 3)."), field="category")
        return given
    for verdict in evaluation.monitoring_categories(year=year, households=type(household).objects.filter(
            pk=household.pk)):
        return verdict.category
    return "1" if household.status in registry_codes.EXITED_STATUSES else "2"


def finding_open_case(*, actor, finding: Finding, category: str = "", on: datetime.date | None = None):
    """Open the procedure case the finding calls for (see CASE_PROCEDURES) for the person's registered household,
    or join the one already under way; the finding keeps the case (at most one: a second call answers the same
    case) and counts as acted on. Refused, with the reason, for a finding no procedure here acts on or a person
    outside the registry."""
    with transaction.atomic():
        finding = Finding.objects.select_for_update(of=("self",)).select_related("person", "person__household",
                                                                     "reevaluation").get(pk=finding.pk)
        require(actor, Action.CHANGE, finding.person.area_id)
        if finding.case_id is not None:
            return finding.case
        code = finding_procedure(finding)
        if code is None:
            raise ValidationFailed(_("No procedure of this system decides “%(category)s”: the department decides "
                                     "it; record its decision as a membership."), field="category",
                                   category=cl.CATEGORY.label(finding.category))
        household = finding.person.household
        if household is None:
            raise ValidationFailed(_("%(name)s is not in the 建档立卡 registry: the monitoring procedures are for "
                                     "registered households."), field="person", name=finding.person.name)
        if finding.status != FindingStatus.OPEN:
            raise ValidationFailed(_("The finding is already closed (%(status)s)."), field="status",
                                   status=finding.get_status_display())
        year = finding.reevaluation.year
        case = Case.objects.filter(procedure__code=code, household=household, status=Case.Status.OPEN).first()
        if case is None:
            params = {"lowincome_finding": finding.pk}
            if code == "monitoring_identification":
                params["category"] = _monitoring_category(household, year, category)
            case = workflow_services.case_start(actor=actor, procedure_code=code, year=year, household=household,
                                                params=params, on=on)
        finding.case, finding.status = case, FindingStatus.DONE
        finding.save(update_fields=["case", "status"])
        audit_record(actor=actor, action=FINDING_CASE_OPENED, obj=finding, area_code=finding.person.area_id,
                     after={"case": case.pk, "procedure": code})
    return case
