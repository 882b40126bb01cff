"""Every write of household assistance: permission in the household's (or site's, village's) area, the record's
rules, one transaction and an audit event.

All records go through `record_save(kind=…)` so the permission, transaction and audit steps exist once; what
differs between kinds is the area a record belongs to and its rules (RULES below).
"""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import require
from fupin.audit import registry as audit_registry
from fupin.audit.services import audit_record
from fupin.core.errors import ValidationFailed
from fupin.core.records import apply_fields
from fupin.core.temporal import fact_date, not_before
from fupin.registry import codelists as registry_codes
from fupin.registry.models import Household
from fupin.registry.services import household_update

from . import codelists as cl
from .models import (
    DeliveredMeasure,
    HouseholdVisit,
    Loan,
    OriginAction,
    OriginVillage,
    Plan,
    PlannedMeasure,
    PropertyCertificate,
    Relending,
    Relocation,
    RelocationEmployment,
    RelocationSite,
    Responsibility,
)

RECORD_SAVED = audit_registry.register("assistance.record_saved", _("saved an assistance record"))
ORIGIN_ACTION_RECORDED = audit_registry.register("assistance.origin_action", _("recorded a relocation step"))
DELIVERED_BULK = audit_registry.register("assistance.delivered_bulk_created", _("created delivered measures in bulk"))
LOANS_BULK = audit_registry.register("assistance.loans_bulk_created", _("created poverty microloans in bulk"))
ORIGIN_VILLAGES_BULK = audit_registry.register("assistance.origin_villages_bulk_created",
                                               _("created natural villages moved out in bulk"))
ORIGIN_ACTIONS_BULK = audit_registry.register("assistance.origin_actions_bulk_created",
                                              _("recorded relocation steps in bulk"))

# Microcredit terms of the 2014 guideline (DOMAIN_RULES §6): at most 5 万 yuan for at most 3 years.
LOAN_MAX_AMOUNT = Decimal("50000")
LOAN_MAX_YEARS = 3


def _member_of_household(member, household_id: int) -> None:
    if member is not None and member.household_id != household_id:
        raise ValidationFailed(_("The member is not in this household."), field="member")


def _plan_rules(plan: Plan) -> None:
    if not plan.causes:
        plan.causes = [plan.household.main_cause, *plan.household.other_causes]
    unknown = [code for code in plan.causes if code not in registry_codes.CAUSE.values]
    if unknown:
        raise ValidationFailed(_("Unknown cause of poverty “%(cause)s”."), field="causes", cause=unknown[0])
    if plan.outcome not in cl.PLAN_OUTCOME.values:
        raise ValidationFailed(_("Unknown outcome “%(outcome)s”."), field="outcome", outcome=plan.outcome)


def _planned_rules(measure: PlannedMeasure) -> None:
    _member_of_household(measure.member, measure.plan.household_id)
    if measure.planned_amount < 0:
        raise ValidationFailed(_("Amounts cannot be negative."), field="planned_amount")


def _delivered_rules(measure: DeliveredMeasure) -> None:
    measure.delivered_on = fact_date(measure.delivered_on, field="delivered_on", label=_("delivery date"))
    _member_of_household(measure.member, measure.household_id)
    if measure.amount < 0:
        raise ValidationFailed(_("Amounts cannot be negative."), field="amount")
    if measure.plan_id and measure.plan.household_id != measure.household_id:
        raise ValidationFailed(_("The plan is another household's."), field="plan")
    _end_rules(measure)


def loan_contract_end(loan: Loan) -> datetime.date:
    """The day a loan contract ends: its due date, or the day it was repaid in full when that came first."""
    if loan.repaid_on and loan.repaid_amount >= loan.amount and loan.repaid_on < loan.due_on:
        return loan.repaid_on
    return loan.due_on


def school_stage_end(school_status: str, on: datetime.date) -> datetime.date | None:
    """The last day of the school stage of a pupil whose 在校生状况 was `school_status` on `on`: the school year
    runs from 1 September to 31 August (the national school calendar), and the stage lasts its remaining years.
    None when the status records no year of a stage (a pupil not in such a stage, or a college year unknown)."""
    if school_status not in cl.SCHOOL_STAGE_YEARS:
        return None
    _stage, year_in_stage, years = cl.SCHOOL_STAGE_YEARS[school_status]
    school_year_ends = on.year + 1 if on.month >= 9 else on.year
    return datetime.date(school_year_ends + years - year_in_stage, 8, 31)


def _default_end_rule(measure: DeliveredMeasure) -> str:
    """The type's end rule when the record gives what it needs; otherwise the measure is one-off (an education
    measure for the whole household is no 雨露计划 of a pupil, a microcredit measure without its contract ends
    when delivered). A rule the record names explicitly is applied strictly."""
    rule = measure.measure_type.end_rule
    needs = {"loan": measure.loan_id is not None, "date": measure.agreement_ends_on is not None,
             "agreement": measure.agreement_ends_on is not None,
             "school_stage": measure.member_id is not None and (
                 measure.school_status or measure.member.school_status) in cl.SCHOOL_STAGE_YEARS}
    return rule if needs.get(rule, True) else "once"


def _end_rules(measure: DeliveredMeasure) -> None:
    """Derive the day the support ends from its rule (the type's, when the record names none); see END_RULE."""
    if not measure.end_rule:
        measure.end_rule = _default_end_rule(measure)
    rule = measure.end_rule
    if rule not in cl.END_RULE.values:
        raise ValidationFailed(_("Unknown end rule “%(rule)s”."), field="end_rule", rule=rule)
    if rule != "loan":
        measure.loan = None
    if rule not in ("date", "agreement"):
        measure.agreement_ends_on = None
    if rule == "once":
        measure.ends_on = measure.delivered_on
    elif rule in ("date", "agreement"):
        if measure.agreement_ends_on is None:
            raise ValidationFailed(_("Give the date the support ends (the agreement's end for a post)."),
                                   field="agreement_ends_on")
        measure.ends_on = measure.agreement_ends_on
    elif rule == "loan":
        if measure.loan_id is None:
            raise ValidationFailed(_("Name the loan contract the support follows."), field="loan")
        if measure.loan.household_id != measure.household_id:
            raise ValidationFailed(_("The loan is another household's."), field="loan")
        measure.ends_on = loan_contract_end(measure.loan)
    else:
        if measure.member_id is None:
            raise ValidationFailed(_("Name the pupil the support is for."), field="member")
        if not measure.school_status:
            measure.school_status = measure.member.school_status  # the stage as recorded when the support began
        measure.ends_on = school_stage_end(measure.school_status, measure.delivered_on)
        if measure.ends_on is None:
            raise ValidationFailed(_("The member's recorded school status has no year of a school stage; record "
                                     "it, or give the support a set end date."), field="member")
    not_before(measure.ends_on, measure.delivered_on, field="ends_on", label=_("end of the support"),
               earlier_label=_("delivery date"))


def _employment_rules(job: RelocationEmployment) -> None:
    _member_of_household(job.member, job.household_id)
    if job.kind not in cl.EMPLOYMENT_KIND.values:
        raise ValidationFailed(_("Unknown kind of employment “%(kind)s”."), field="kind", kind=job.kind)
    job.start_date = fact_date(job.start_date, field="start_date", label=_("start date"))
    job.end_date = fact_date(job.end_date, field="end_date", label=_("end date"), default_today=False)
    _dated(job, "start_date", "end_date")
    if not Relocation.objects.filter(household_id=job.household_id).exists():
        raise ValidationFailed(_("The household is not recorded as relocated."), field="household")


def _certificate_rules(certificate: PropertyCertificate) -> None:
    certificate.number = (certificate.number or "").strip()
    if not certificate.number:
        raise ValidationFailed(_("Give the certificate number."), field="number")
    certificate.issued_on = fact_date(certificate.issued_on, field="issued_on", label=_("issue date"))
    relocation = Relocation.objects.filter(household_id=certificate.household_id).first()
    if relocation is None:
        raise ValidationFailed(_("The household is not recorded as relocated."), field="household")
    not_before(certificate.issued_on, relocation.moved_on, field="issued_on", label=_("issue date"),
               earlier_label=_("moving date"))
    taken = PropertyCertificate.objects.filter(number=certificate.number).exclude(pk=certificate.pk)
    if taken.exists():
        raise ValidationFailed(_("Certificate number %(number)s is already recorded."), field="number",
                               number=certificate.number)


def _dated(record, start: str, end: str) -> None:
    if getattr(record, end) and getattr(record, end) < getattr(record, start):
        raise ValidationFailed(_("The end date is before the start date."), field=end)


def _responsibility_rules(duty: Responsibility) -> None:
    if duty.level not in cl.RESPONSIBLE_LEVEL.values:
        raise ValidationFailed(_("Unknown level “%(level)s”."), field="level", level=duty.level)
    duty.start_date = fact_date(duty.start_date, field="start_date", label=_("start date"))
    duty.end_date = fact_date(duty.end_date, field="end_date", label=_("end date"), default_today=False)
    _dated(duty, "start_date", "end_date")
    if duty.cadre.id_number and duty.household.members.filter(id_number=duty.cadre.id_number).exists():
        raise ValidationFailed(_("A member of the household cannot be its responsible cadre."), field="cadre")


def _visit_rules(visit: HouseholdVisit) -> None:
    visit.visited_on = fact_date(visit.visited_on, field="visited_on", label=_("visit date"))
    if (visit.latitude is None) != (visit.longitude is None):
        raise ValidationFailed(_("Give both latitude and longitude, or neither."), field="latitude")
    if visit.latitude is not None and not (-90 <= visit.latitude <= 90 and -180 <= visit.longitude <= 180):
        raise ValidationFailed(_("The position is not on Earth."), field="latitude")


def _site_rules(site: RelocationSite) -> None:
    if site.kind not in cl.SITE_KIND.values:
        raise ValidationFailed(_("Unknown kind of site “%(kind)s”."), field="kind", kind=site.kind)
    if site.pk is not None:
        settled = Relocation.objects.filter(site=site).count()
        if site.planned_households < settled:
            raise ValidationFailed(_("%(settled)s households already live at the site; it cannot be planned for "
                                     "fewer."), field="planned_households", settled=settled)


def _relocation_rules(relocation: Relocation) -> None:
    relocation.moved_on = fact_date(relocation.moved_on, field="moved_on", label=_("moving date"))
    if relocation.persons < 1:
        raise ValidationFailed(_("At least one person moves."), field="persons")
    if relocation.origin_id and relocation.origin.area_id != relocation.household.area_id:
        raise ValidationFailed(_("The natural village is not in the household's village."), field="origin")


def _loan_rules(loan: Loan) -> None:
    loan.issued_on = fact_date(loan.issued_on, field="issued_on", label=_("issue date"))
    loan.repaid_on = fact_date(loan.repaid_on, field="repaid_on", label=_("repayment date"), default_today=False)
    not_before(loan.repaid_on, loan.issued_on, field="repaid_on", label=_("repayment date"),
               earlier_label=_("the loan's issue date"))
    if not (Decimal(0) < loan.amount <= LOAN_MAX_AMOUNT):
        raise ValidationFailed(_("A poverty microloan is more than 0 and at most %(max)s yuan."), field="amount",
                               max=LOAN_MAX_AMOUNT)
    if loan.bank.kind != "financial":
        raise ValidationFailed(_("The lender must be a financial institution."), field="bank")
    if loan.due_on <= loan.issued_on:
        raise ValidationFailed(_("The loan falls due before it is issued."), field="due_on")
    if loan.due_on > loan.issued_on.replace(year=loan.issued_on.year + LOAN_MAX_YEARS):
        raise ValidationFailed(_("A poverty microloan runs for at most %(years)s years."), field="due_on",
                               years=LOAN_MAX_YEARS)
    if not (Decimal(0) <= loan.repaid_amount <= loan.amount):
        raise ValidationFailed(_("The repaid amount is between 0 and the loan."), field="repaid_amount")
    if loan.repaid_amount and loan.repaid_on is None:
        raise ValidationFailed(_("Give the date of the repayment."), field="repaid_on")


def _relending_rules(relending: Relending) -> None:
    relending.issued_on = fact_date(relending.issued_on, field="issued_on", label=_("issue date"))
    if relending.bank.kind != "financial":
        raise ValidationFailed(_("The lender must be a financial institution."), field="bank")
    if relending.borrower.kind != "enterprise":
        raise ValidationFailed(_("Re-lending goes to an enterprise."), field="borrower")
    if relending.amount <= 0:
        raise ValidationFailed(_("The amount must be positive."), field="amount")


def _household_area(record) -> str:
    return record.household.area_id


# kind: (model, the area code a record belongs to, its rules)
RULES = {
    "plan": (Plan, _household_area, _plan_rules),
    "planned": (PlannedMeasure, lambda measure: measure.plan.household.area_id, _planned_rules),
    "delivered": (DeliveredMeasure, _household_area, _delivered_rules),
    "responsibility": (Responsibility, _household_area, _responsibility_rules),
    "visit": (HouseholdVisit, _household_area, _visit_rules),
    "site": (RelocationSite, lambda site: site.area_id, _site_rules),
    "origin": (OriginVillage, lambda village: village.area_id, lambda village: None),
    "relocation": (Relocation, _household_area, _relocation_rules),
    "loan": (Loan, _household_area, _loan_rules),
    "relending": (Relending, lambda relending: relending.area_id, _relending_rules),
    "employment": (RelocationEmployment, _household_area, _employment_rules),
    "certificate": (PropertyCertificate, _household_area, _certificate_rules),
}


def _fields(model) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if f.name not in ("id", "created_at", "updated_at",
                                                                         "recorded_by")]


def record_save(*, actor, kind: str, data: dict, instance=None):
    """Create or change an assistance record of `kind` (see RULES)."""
    if kind not in RULES:
        raise ValidationFailed(_("Unknown kind of record “%(kind)s”."), field="kind", kind=kind)
    model, area_of, rules = RULES[kind]
    record = instance or model()
    fields = _fields(model)
    before = {name: str(getattr(record, name, "")) for name in fields} if instance else None
    apply_fields(record, data, fields)
    area_code = area_of(record)
    require(actor, Action.CHANGE, area_code)
    rules(record)
    with transaction.atomic():
        if kind == "relocation":
            _relocation_takes_place(record)
        if instance is None and hasattr(record, "recorded_by_id"):
            record.recorded_by = actor
        record.save()
        audit_record(actor=actor, action=RECORD_SAVED, obj=record, area_code=area_code, before=before,
                     after={name: str(getattr(record, name, "")) for name in fields})
        if kind == "relocation":
            _mark_relocated(actor, record)
        if kind == "loan" and instance is not None:
            _measures_follow_loan(record)
    return record


def _measures_follow_loan(loan: Loan) -> None:
    """Support that runs to the end of a loan contract ends when the contract does (a changed due date, an early
    repayment in full)."""
    DeliveredMeasure.objects.filter(loan=loan, end_rule="loan").exclude(ends_on=loan_contract_end(loan)).update(
        ends_on=loan_contract_end(loan))


def _relocation_takes_place(relocation: Relocation) -> None:
    """Refuse a household beyond the site's planned capacity (the site is locked, so two clerks settling the last
    place at once cannot both succeed)."""
    site = RelocationSite.objects.select_for_update().get(pk=relocation.site_id)
    settled = Relocation.objects.filter(site=site).exclude(pk=relocation.pk).count()
    if settled >= site.planned_households:
        raise ValidationFailed(_("The site %(site)s is planned for %(planned)s households and %(settled)s already "
                               "live there."), field="site", site=site.name, planned=site.planned_households,
                               settled=settled)


def _mark_relocated(actor, relocation: Relocation) -> None:
    """The registry records that the household was relocated (易地扶贫搬迁户) and in which year, through its own
    service (version check, change counter, audit)."""
    household = Household.objects.get(pk=relocation.household_id)
    year = relocation.moved_on.year
    if household.is_relocated and household.relocation_year == year:
        return
    household_update(actor=actor, household=household, version=household.version,
                     changes={"is_relocated": True, "relocation_year": year})


def plan_save(*, actor, household, year: int, causes=None, planned=(), outcome="in_progress", note="") -> Plan:
    """A household's plan for a year with its planned measures (replacing the planned measures it had)."""
    plan = Plan.objects.filter(household=household, year=year).first()
    with transaction.atomic():
        plan = record_save(actor=actor, kind="plan", instance=plan, data={
            "household": household, "year": year, "causes": list(causes or []), "outcome": outcome, "note": note})
        plan.planned.all().delete()
        for item in planned:
            measure = PlannedMeasure(plan=plan, **item)
            _planned_rules(measure)
            measure.save()
    return plan


def origin_action_rules(step: OriginAction, done: dict[str, datetime.date]) -> None:
    """A step against the steps already recorded for its village (`done`: step → date); steps happen in order."""
    step.on = fact_date(step.on, field="on", label=_("date of the step"))
    if step.action not in cl.ORIGIN_ACTION.values:
        raise ValidationFailed(_("Unknown relocation step “%(action)s”."), field="action", action=step.action)
    if step.action in done:
        raise ValidationFailed(_("This step is already recorded for the village."), field="action")
    position = cl.ORIGIN_ACTION_ORDER.index(step.action)
    if position:
        previous = cl.ORIGIN_ACTION_ORDER[position - 1]
        if previous not in done:
            raise ValidationFailed(_("Record “%(previous)s” first."), field="action",
                                   previous=cl.ORIGIN_ACTION.label(previous))
        if step.on < done[previous]:
            raise ValidationFailed(_("This step cannot come before the previous one."), field="on")
    if step.action == "reclaimed" and not step.area_mu:
        raise ValidationFailed(_("Give the area reclaimed, in mu."), field="area_mu")


def origin_action_record(*, actor, village: OriginVillage, action: str, on: datetime.date,
                         area_mu: Decimal | None = None) -> OriginAction:
    """Record a step of moving a natural village out; steps happen in order (started → … → reclaimed)."""
    require(actor, Action.CHANGE, village.area_id)
    step = OriginAction(village=village, action=action, on=on, area_mu=area_mu)
    origin_action_rules(step, dict(village.actions.values_list("action", "on")))
    with transaction.atomic():
        step.save()
        audit_record(actor=actor, action=ORIGIN_ACTION_RECORDED, obj=step, area_code=village.area_id,
                     after={"village": village.name, "action": action, "on": on, "area_mu": area_mu})
    return step
