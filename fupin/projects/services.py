"""Every write of the project bank: permission check, validation, one transaction, an audit event.

Who may write: anyone with `change` in the project's area (a county office for a county's projects, a village
cadre for the village's own). Beneficiaries and assets are part of their project and follow its area.
"""

import datetime
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import require
from fupin.audit import registry as audit_registry
from fupin.audit.services import audit_record
from fupin.core.areacodes import Level, prefix_of
from fupin.core.errors import ValidationFailed
from fupin.core.records import apply_fields, field_values
from fupin.core.temporal import fact_date, not_before
from fupin.funds import codelists as fund_codes

from . import codelists as cl
from .documents import read_checked
from .models import (
    AssetIncome,
    Project,
    ProjectAsset,
    ProjectBeneficiary,
    ProjectDocument,
    ProjectFunding,
    ProjectStage,
)

PROJECT_SAVED = audit_registry.register("projects.project_saved", _("saved a project"))
STAGE_SAVED = audit_registry.register("projects.stage_saved", _("planned a project stage"))
STAGE_COMPLETED = audit_registry.register("projects.stage_completed", _("completed a project stage"))
DOCUMENT_SAVED = audit_registry.register("projects.document_saved", _("filed a project document"))
FUNDING_SAVED = audit_registry.register("projects.funding_saved", _("saved a project's funding"))
BENEFICIARY_SAVED = audit_registry.register("projects.beneficiary_saved", _("saved a project beneficiary"))
ASSET_SAVED = audit_registry.register("projects.asset_saved", _("saved a poverty-alleviation asset"))
ASSET_INCOME_SAVED = audit_registry.register("projects.asset_income_saved", _("saved an asset's income"))
FUNDINGS_BULK = audit_registry.register("projects.fundings_bulk_created", _("created project fundings in bulk"))
BENEFICIARIES_BULK = audit_registry.register("projects.beneficiaries_bulk_created",
                                             _("created project beneficiaries in bulk"))

PROJECT_FIELDS = ("name", "type", "area", "year", "planned_start", "planned_end", "actual_start", "actual_end",
                  "planned_scale", "actual_scale", "helper", "status")






def _check_dates(start, end, field: str) -> None:
    if start and end and end < start:
        raise ValidationFailed(_("The end date is before the start date."), field=field)


def reach_prefix(project: Project) -> str:
    """The code prefix households and asset owners of a project must lie under: its county when the project
    sits in a township or village (a village road also serves the next village), else its own area."""
    level = min(project.area.level, Level.COUNTY)
    return prefix_of(project.area_id, level)


def project_rules(project: Project) -> None:
    if not (project.name or "").strip():
        raise ValidationFailed(_("The name must not be empty."), field="name")
    if project.type not in cl.PROJECT_TYPE.values:
        raise ValidationFailed(_("Unknown project type “%(type)s”."), field="type", type=project.type)
    if project.status not in cl.PROJECT_STATUS.values:
        raise ValidationFailed(_("Unknown status “%(status)s”."), field="status", status=project.status)
    if not 1980 <= (project.year or 0) <= 2100:
        raise ValidationFailed(_("%(year)s is not a plausible plan year."), field="year", year=project.year)
    _check_dates(project.planned_start, project.planned_end, "planned_end")
    # Actual dates state what happened (planned ones may lie ahead).
    project.actual_start = fact_date(project.actual_start, field="actual_start", label=_("actual start"),
                                     default_today=False)
    project.actual_end = fact_date(project.actual_end, field="actual_end", label=_("actual end"),
                                   default_today=False)
    _check_dates(project.actual_start, project.actual_end, "actual_end")
    if project.planned_scale is None or project.planned_scale < 0:
        raise ValidationFailed(_("The scale cannot be negative."), field="planned_scale")
    if project.actual_scale is not None and project.actual_scale < 0:
        raise ValidationFailed(_("The scale cannot be negative."), field="actual_scale")


def project_save(*, actor, data: dict, instance: Project | None = None) -> Project:
    """Create or change a project. A new project gets its five stages at once; `data["stages"]` may give their
    planned dates as {stage: {"planned_start": …, "planned_end": …}}."""
    data = dict(data)
    stage_plans = data.pop("stages", None) or {}
    project = instance or Project()
    before = field_values(project, PROJECT_FIELDS) if instance else None
    if instance is not None:
        require(actor, Action.CHANGE, instance.area_id)  # the old area must be theirs too to move a project out
    apply_fields(project, data, PROJECT_FIELDS)
    require(actor, Action.CHANGE, project.area_id)
    project_rules(project)
    unknown = set(stage_plans) - cl.STAGE.values
    if unknown:
        raise ValidationFailed(_("Unknown stage “%(stage)s”."), field="stages", stage=sorted(unknown)[0])
    for code, plan in stage_plans.items():
        _check_dates(plan.get("planned_start"), plan.get("planned_end"), f"stages.{code}")
    if instance is not None:
        planned = {row.stage: {"planned_start": row.planned_start, "planned_end": row.planned_end}
                   for row in instance.stages.all()}
    else:
        planned = {}
    _stage_plans_in_order({code: {**planned.get(code, {}), **stage_plans.get(code, {})}
                           for code in cl.STAGE_ORDER})
    with transaction.atomic():
        if instance is None:
            project.recorded_by = actor
        project.save()
        if instance is None:
            ProjectStage.objects.bulk_create([ProjectStage(project=project, stage=code) for code in cl.STAGE_ORDER])
        for code, plan in stage_plans.items():
            ProjectStage.objects.filter(project=project, stage=code).update(
                planned_start=plan.get("planned_start"), planned_end=plan.get("planned_end"))
        audit_record(actor=actor, action=PROJECT_SAVED, obj=project, area_code=project.area_id, before=before,
                     after={**field_values(project, PROJECT_FIELDS),
                            **({"stages": stage_plans} if stage_plans else {})})
    return project


def _stage_plans_in_order(plans: dict) -> None:
    """Stages follow each other (申报 → 审批 → 实施 → 验收 → 资产移交): a stage may not be planned to start or to end
    before the stage it follows. `plans`: stage → {"planned_start": …, "planned_end": …} (missing: unplanned)."""
    previous = None
    for code in cl.STAGE_ORDER:
        plan = plans.get(code) or {}
        if previous is not None:
            earlier_code, earlier = previous
            for name in ("planned_start", "planned_end"):
                if plan.get(name) and earlier.get(name) and plan[name] < earlier[name]:
                    raise ValidationFailed(
                        _("“%(stage)s” is planned for %(date)s, before “%(previous)s” (%(earlier)s)."),
                        field=f"stages.{code}", stage=cl.STAGE.label(code), date=plan[name].isoformat(),
                        previous=cl.STAGE.label(earlier_code), earlier=earlier[name].isoformat())
        if plan.get("planned_start") or plan.get("planned_end"):
            previous = (code, plan)


def stage_save(*, actor, data: dict, instance: ProjectStage) -> ProjectStage:
    """Change a stage's planned dates (stages exist from the project's creation; completion is stage_complete)."""
    require(actor, Action.CHANGE, instance.project.area_id)
    fields = ("planned_start", "planned_end")
    before = field_values(instance, fields)
    apply_fields(instance, data, fields)
    _check_dates(instance.planned_start, instance.planned_end, "planned_end")
    plans = {row.stage: {"planned_start": row.planned_start, "planned_end": row.planned_end}
             for row in instance.project.stages.exclude(pk=instance.pk)}
    plans[instance.stage] = {"planned_start": instance.planned_start, "planned_end": instance.planned_end}
    _stage_plans_in_order(plans)
    with transaction.atomic():
        instance.save(update_fields=list(fields))
        audit_record(actor=actor, action=STAGE_SAVED, obj=instance, area_code=instance.project.area_id,
                     before=before, after={"stage": instance.stage, **field_values(instance, fields)})
    return instance


def missing_documents(project: Project, stage: str) -> list[str]:
    """Kinds the stage requires (by the project's type) of which no document's file has been filed for the stage
    (a record without its file, from before files were stored, counts for nothing)."""
    filed = set(ProjectDocument.objects.filter(project=project, stage=stage).exclude(file="").values_list(
        "kind", flat=True))
    return [kind for kind in cl.required_documents(project.type, stage) if kind not in filed]


def stage_complete(*, actor, project: Project, stage: str, on: datetime.date | None = None) -> ProjectStage:
    """Complete a stage on a day (today when not given; never in the future). Refused while a document the stage
    requires is missing, before the previous stage has completed, or dated before it. Completing the first stage
    puts the project underway; completing the last one completes it."""
    require(actor, Action.CHANGE, project.area_id)
    on = fact_date(on, field="on", label=_("completion date"))
    if stage not in cl.STAGE.values:
        raise ValidationFailed(_("Unknown stage “%(stage)s”."), field="stage", stage=stage)
    if project.status == "cancelled":
        raise ValidationFailed(_("The project is cancelled."), field="status")
    stages = {row.stage: row for row in project.stages.all()}
    current = stages[stage]
    if current.completed_on is not None:
        raise ValidationFailed(_("The stage “%(stage)s” was already completed on %(date)s."), field="stage",
                               stage=cl.STAGE.label(stage), date=current.completed_on.isoformat())
    index = cl.STAGE_ORDER.index(stage)
    if index > 0:
        previous = stages[cl.STAGE_ORDER[index - 1]]
        if previous.completed_on is None:
            raise ValidationFailed(_("The stage “%(stage)s” cannot complete before “%(previous)s” has."),
                                   field="stage", stage=cl.STAGE.label(stage),
                                   previous=cl.STAGE.label(previous.stage))
        not_before(on, previous.completed_on, field="on", label=_("completion date"),
                   earlier_label=_("the completion of “%(stage)s”") % {"stage": cl.STAGE.label(previous.stage)})
    missing = missing_documents(project, stage)
    if missing:
        raise ValidationFailed(_("The stage “%(stage)s” cannot complete: %(documents)s missing."),
                               field="documents", stage=cl.STAGE.label(stage),
                               documents="、".join(cl.DOCUMENT_KIND.label(kind) for kind in missing))
    with transaction.atomic():
        current.completed_on = on
        current.save(update_fields=["completed_on"])
        status = "completed" if index == len(cl.STAGE_ORDER) - 1 else "underway"
        if project.status != status:
            project.status = status
            project.save(update_fields=["status", "updated_at"])
        audit_record(actor=actor, action=STAGE_COMPLETED, obj=current, area_code=project.area_id,
                     after={"project": project.pk, "stage": stage, "completed_on": on, "status": project.status})
    return current


DOCUMENT_FIELDS = ("project", "stage", "kind", "number", "title")
DOCUMENT_AUDITED = (*DOCUMENT_FIELDS, "content_type", "sha256", "size", "original_name")


def _document_values(document: ProjectDocument) -> dict:
    return {**field_values(document, DOCUMENT_AUDITED), "file": document.file.name or ""}


def document_save(*, actor, data: dict, instance: ProjectDocument | None = None) -> ProjectDocument:
    """File a document for a stage with its file (`data["file"]`: a Django File or upload), or change a filed
    document's number or title. The file's type is judged from its content (PDF, an image or an office document,
    `fupin.projects.documents`), its size is limited by FUPIN_PROJECT_DOCUMENT_MAX_BYTES, and it is kept in the
    default storage with its SHA-256 hash; a filed file is never replaced (file a new document instead)."""
    data = dict(data)
    upload = data.pop("file", None)
    document = instance or ProjectDocument()
    before = _document_values(document) if instance else None
    if instance is not None:
        require(actor, Action.CHANGE, instance.project.area_id)
    apply_fields(document, data, DOCUMENT_FIELDS)
    require(actor, Action.CHANGE, document.project.area_id)
    if document.stage not in cl.STAGE.values:
        raise ValidationFailed(_("Unknown stage “%(stage)s”."), field="stage", stage=document.stage)
    if document.kind not in cl.DOCUMENT_KIND.values:
        raise ValidationFailed(_("Unknown kind of document “%(kind)s”."), field="kind", kind=document.kind)
    if instance is not None and upload is not None:
        raise ValidationFailed(_("A filed document's file cannot be replaced; file a new document."), field="file")
    checked = None
    if instance is None:
        if upload is None:
            raise ValidationFailed(_("Attach the document's file (PDF, an image or an office document)."),
                                   field="file")
        checked = read_checked(upload)
        for name in ("content_type", "sha256", "size", "original_name"):
            setattr(document, name, checked[name])
    document.title = (document.title or "").strip() or document.original_name
    if not document.title:
        raise ValidationFailed(_("The title must not be empty."), field="title")
    with transaction.atomic():
        if instance is None:
            document.uploaded_by = actor
            document.file.save(document.original_name, ContentFile(checked["content"]), save=False)
        try:
            document.save()
            audit_record(actor=actor, action=DOCUMENT_SAVED, obj=document, area_code=document.project.area_id,
                         before=before, after=_document_values(document))
        except BaseException:  # a filing refused here leaves no file behind
            if checked is not None and document.file:
                document.file.storage.delete(document.file.name)
            raise
    return document


FUNDING_FIELDS = ("project", "source", "planned", "actual")


def funding_rules(funding: ProjectFunding) -> None:
    """What a funding row must satisfy on its own (the one-row-per-source check reads the table: funding_taken)."""
    if funding.source not in fund_codes.FUND_SOURCE.values:
        raise ValidationFailed(_("Unknown fund source “%(source)s”."), field="source", source=funding.source)
    if funding.planned is None or funding.actual is None or funding.planned < 0 or funding.actual < 0:
        raise ValidationFailed(_("Amounts cannot be negative."), field="planned")


def funding_taken(funding: ProjectFunding) -> ValidationFailed:
    """The refusal of a second row of the same source for a project."""
    return ValidationFailed(_("The project already has funding from “%(source)s”; change that row."),
                            field="source", source=fund_codes.FUND_SOURCE.label(funding.source))


def funding_save(*, actor, data: dict, instance: ProjectFunding | None = None) -> ProjectFunding:
    """Planned and actual money of one source for a project (one row per source)."""
    funding = instance or ProjectFunding()
    before = field_values(funding, FUNDING_FIELDS) if instance else None
    if instance is not None:  # moving a record needs the right where it is now, too
        require(actor, Action.CHANGE, funding.project.area_id)
    apply_fields(funding, data, FUNDING_FIELDS)
    require(actor, Action.CHANGE, funding.project.area_id)
    funding_rules(funding)
    if ProjectFunding.objects.filter(project=funding.project, source=funding.source).exclude(pk=funding.pk).exists():
        raise funding_taken(funding)
    with transaction.atomic():
        funding.save()
        audit_record(actor=actor, action=FUNDING_SAVED, obj=funding, area_code=funding.project.area_id,
                     before=before, after=field_values(funding, FUNDING_FIELDS))
    return funding


BENEFICIARY_FIELDS = ("project", "household", "member", "mechanism", "amount", "persons")


def beneficiary_rules(beneficiary: ProjectBeneficiary) -> None:
    """Reads the project's area, the household's area and the member's household; no other query."""
    if not beneficiary.household.area_id.startswith(reach_prefix(beneficiary.project)):
        raise ValidationFailed(_("The household does not live in the project's county."), field="household")
    if beneficiary.member_id and beneficiary.member.household_id != beneficiary.household_id:
        raise ValidationFailed(_("The member does not belong to the household."), field="member")
    if beneficiary.mechanism not in cl.BENEFIT_MECHANISM.values:
        raise ValidationFailed(_("Unknown benefit mechanism “%(mechanism)s”."), field="mechanism",
                               mechanism=beneficiary.mechanism)
    if beneficiary.amount is None or beneficiary.amount < 0:
        raise ValidationFailed(_("Amounts cannot be negative."), field="amount")
    if not beneficiary.persons or beneficiary.persons < 1:
        raise ValidationFailed(_("At least one person benefits."), field="persons")
    if beneficiary.member_id and beneficiary.persons != 1:
        raise ValidationFailed(_("A benefit to one member is a benefit to one person."), field="persons")


def beneficiary_save(*, actor, data: dict, instance: ProjectBeneficiary | None = None) -> ProjectBeneficiary:
    beneficiary = instance or ProjectBeneficiary()
    before = field_values(beneficiary, BENEFICIARY_FIELDS) if instance else None
    if instance is not None:  # moving a record needs the right where it is now, too
        require(actor, Action.CHANGE, beneficiary.project.area_id)
    apply_fields(beneficiary, data, BENEFICIARY_FIELDS)
    project = beneficiary.project
    require(actor, Action.CHANGE, project.area_id)
    beneficiary_rules(beneficiary)
    with transaction.atomic():
        beneficiary.save()
        audit_record(actor=actor, action=BENEFICIARY_SAVED, obj=beneficiary, area_code=project.area_id,
                     before=before, after=field_values(beneficiary, BENEFICIARY_FIELDS))
    return beneficiary


ASSET_FIELDS = ("project", "kind", "name", "value", "owner_kind", "owner_name", "owner_area", "owner_household",
                "handed_over_on")


def asset_save(*, actor, data: dict, instance: ProjectAsset | None = None) -> ProjectAsset:
    asset = instance or ProjectAsset()
    before = field_values(asset, ASSET_FIELDS) if instance else None
    if instance is not None:  # moving a record needs the right where it is now, too
        require(actor, Action.CHANGE, asset.project.area_id)
    apply_fields(asset, data, ASSET_FIELDS)
    project = asset.project
    require(actor, Action.CHANGE, project.area_id)
    if asset.kind not in cl.ASSET_KIND.values:
        raise ValidationFailed(_("Unknown kind of asset “%(kind)s”."), field="kind", kind=asset.kind)
    if asset.owner_kind not in cl.ASSET_OWNER.values:
        raise ValidationFailed(_("Unknown kind of owner “%(kind)s”."), field="owner_kind", kind=asset.owner_kind)
    if not (asset.name or "").strip() or not (asset.owner_name or "").strip():
        raise ValidationFailed(_("Name the asset and its owner."), field="name")
    if asset.value is None or asset.value < 0:
        raise ValidationFailed(_("The value cannot be negative."), field="value")
    if asset.owner_kind == "household":
        if asset.owner_household_id is None:
            raise ValidationFailed(_("Name the household that owns the asset."), field="owner_household")
        asset.owner_area_id = asset.owner_household.area_id
    elif asset.owner_household_id is not None:
        raise ValidationFailed(_("Only a household-owned asset names a household."), field="owner_household")
    if asset.owner_kind not in cl.ASSET_OWNERS_ALLOWED[asset.kind]:
        raise ValidationFailed(
            _("A %(kind)s asset cannot be owned by a %(owner)s (国办函〔2021〕51号: %(allowed)s)."),
            field="owner_kind", kind=cl.ASSET_KIND.label(asset.kind), owner=cl.ASSET_OWNER.label(asset.owner_kind),
            allowed="、".join(str(cl.ASSET_OWNER.label(code)) for code in cl.ASSET_OWNERS_ALLOWED[asset.kind]))
    if not asset.owner_area_id or not asset.owner_area_id.startswith(reach_prefix(project)):
        raise ValidationFailed(_("The owner is not in the project's county."), field="owner_area")
    asset.handed_over_on = fact_date(asset.handed_over_on, field="handed_over_on", label=_("handover date"),
                                     default_today=False)
    started = project.actual_start or project.planned_start
    if asset.handed_over_on and started and asset.handed_over_on < started:
        raise ValidationFailed(_("The asset cannot be handed over before the project started."),
                               field="handed_over_on")
    with transaction.atomic():
        asset.save()
        audit_record(actor=actor, action=ASSET_SAVED, obj=asset, area_code=project.area_id, before=before,
                     after=field_values(asset, ASSET_FIELDS))
    return asset


INCOME_FIELDS = ("asset", "year", "amount", "distributed_to_households")


def asset_income_save(*, actor, data: dict, instance: AssetIncome | None = None) -> AssetIncome:
    """An asset's income in a year and the part of it distributed to households (at most all of it)."""
    income = instance or AssetIncome()
    before = field_values(income, INCOME_FIELDS) if instance else None
    if instance is not None:  # moving a record needs the right where it is now, too
        require(actor, Action.CHANGE, income.asset.project.area_id)
    apply_fields(income, data, INCOME_FIELDS)
    area_code = income.asset.project.area_id
    require(actor, Action.CHANGE, area_code)
    amount, distributed = income.amount or Decimal(0), income.distributed_to_households or Decimal(0)
    if amount < 0 or distributed < 0:
        raise ValidationFailed(_("Amounts cannot be negative."), field="amount")
    if distributed > amount:
        raise ValidationFailed(_("More was distributed (%(distributed)s) than the asset earned (%(amount)s)."),
                               field="distributed_to_households", distributed=distributed, amount=amount)
    if AssetIncome.objects.filter(asset=income.asset, year=income.year).exclude(pk=income.pk).exists():
        raise ValidationFailed(_("The asset's income of %(year)s is already recorded; change that row."),
                               field="year", year=income.year)
    with transaction.atomic():
        income.save()
        audit_record(actor=actor, action=ASSET_INCOME_SAVED, obj=income, area_code=area_code, before=before,
                     after=field_values(income, INCOME_FIELDS))
    return income
