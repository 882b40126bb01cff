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
from fupin.accounts.scoping import can_at_level, require
from fupin.audit import registry as audit_registry
from fupin.audit.services import audit_record
from fupin.core.areacodes import CODE_LENGTH, Level, level_of, prefix_of
from fupin.core.errors import PermissionDenied, ValidationFailed
from fupin.core.records import apply_fields, field_values, money_sum
from fupin.core.temporal import fact_date, not_before
from fupin.funds import codelists as fund_codes

from . import codelists as cl
from .documents import read_checked
from .models import (
    AssetDisposal,
    AssetIncome,
    AssetIncomeShare,
    AssetMaintenance,
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
MAINTENANCE_SAVED = audit_registry.register("projects.asset_maintenance_saved", _("recorded an asset's maintenance"))
INCOME_SHARE_SAVED = audit_registry.register("projects.asset_income_share_saved",
                                             _("recorded a distribution of an asset's income"))
DISPOSAL_APPLIED = audit_registry.register("projects.asset_disposal_applied", _("applied to dispose of an asset"))
DISPOSAL_STEP = audit_registry.register("projects.asset_disposal_step", _("decided a step of an asset's disposal"))
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
                "handed_over_on", "fund_source", "formed_on", "owner_level", "certificate_number", "certified_on",
                "custodian")
# The level of the owner's area each confirmed owner level must be (a household's is its village).
OWNER_LEVEL_AREA = {"county": Level.COUNTY, "township": Level.TOWNSHIP, "village": Level.VILLAGE,
                    "household": Level.VILLAGE}
FORMED_SINCE = datetime.date.fromisoformat(cl.ASSETS_FORMED_SINCE)


def _label(codes, code: str):
    """A code's label in the language the message is read in (a refusal is read later, in the reader's)."""
    return dict(codes.choices)[code]


def _register_rules(asset: ProjectAsset) -> None:
    """The 国办函〔2021〕51号 register: source, formed date (since 2013), 确权 level and certificate, custodian. Each
    may be empty on an older record; what is given must hold together."""
    asset.fund_source = asset.fund_source or ""
    if asset.fund_source and asset.fund_source not in cl.ASSET_SOURCE.values:
        raise ValidationFailed(_("Unknown source of funds “%(source)s”."), field="fund_source",
                               source=asset.fund_source)
    asset.formed_on = fact_date(asset.formed_on, field="formed_on", label=_("formation date"), default_today=False)
    not_before(asset.formed_on, FORMED_SINCE, field="formed_on", label=_("formation date"),
               earlier_label=_("the start of the asset register"))
    not_before(asset.handed_over_on, asset.formed_on, field="handed_over_on", label=_("handover date"),
               earlier_label=_("the formation date"))
    owner_area_level = level_of(asset.owner_area_id)
    if not asset.owner_level:
        # Derived when not given: the level follows from who owns it and where.
        if asset.owner_kind == "household":
            asset.owner_level = "household"
        elif owner_area_level in (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE):
            asset.owner_level = {Level.COUNTY: "county", Level.TOWNSHIP: "township",
                                 Level.VILLAGE: "village"}[owner_area_level]
    elif asset.owner_level not in cl.OWNER_LEVEL.values:
        raise ValidationFailed(_("Unknown owner level “%(level)s”."), field="owner_level", level=asset.owner_level)
    else:
        if (asset.owner_level == "household") != (asset.owner_kind == "household"):
            raise ValidationFailed(_("An asset confirmed to a household is owned by that household, and only such "
                                     "an asset."), field="owner_level")
        if OWNER_LEVEL_AREA[asset.owner_level] != owner_area_level:
            raise ValidationFailed(_("An asset confirmed at %(level)s level names an owner's area of that level."),
                                   field="owner_area", level=_label(cl.OWNER_LEVEL, asset.owner_level))
    asset.certificate_number = (asset.certificate_number or "").strip()
    asset.certified_on = fact_date(asset.certified_on, field="certified_on", label=_("certificate date"),
                                   default_today=False)
    if bool(asset.certificate_number) != bool(asset.certified_on):
        raise ValidationFailed(_("Give the certificate's number and its date together."),
                               field="certificate_number" if not asset.certificate_number else "certified_on")
    not_before(asset.certified_on, asset.formed_on, field="certified_on", label=_("certificate date"),
               earlier_label=_("the formation date"))
    asset.custodian = (asset.custodian or "").strip()


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
    if instance is not None and instance.status == "disposed":
        raise ValidationFailed(_("The asset was disposed of; its record is closed."), field="status")
    _register_rules(asset)
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
    if instance is not None and instance.shares.exists():
        # Once the distribution is itemised (AssetIncomeShare), the amounts follow the items.
        shares = _share_totals(instance)
        if distributed != shares["household"]:
            raise ValidationFailed(_("The distribution to households is itemised (%(itemised)s); record or change "
                                     "the items instead."), field="distributed_to_households",
                                   itemised=shares["household"])
        if amount < shares["all"]:
            raise ValidationFailed(_("%(distributed)s of this income is already distributed; the income cannot be "
                                     "less."), field="amount", distributed=shares["all"])
    if AssetIncome.objects.filter(asset=income.asset, year=income.year).exclude(pk=income.pk).exists():
        raise ValidationFailed(_("The asset's income of %(year)s is already recorded; change that row."),
                               field="year", year=income.year)
    with transaction.atomic():
        income.save()
        audit_record(actor=actor, action=ASSET_INCOME_SAVED, obj=income, area_code=area_code, before=before,
                     after=field_values(income, INCOME_FIELDS))
    return income


def _share_totals(income: AssetIncome, exclude=None) -> dict:
    shares = AssetIncomeShare.objects.filter(income=income)
    if exclude is not None:
        shares = shares.exclude(pk=exclude)
    return {"all": money_sum(shares, "amount"),
            "household": money_sum(shares.filter(recipient="household"), "amount")}


def _open_asset(asset: ProjectAsset) -> None:
    if asset.status == "disposed":
        raise ValidationFailed(_("The asset was disposed of; its record is closed."), field="asset")


MAINTENANCE_FIELDS = ("asset", "date", "cost", "note")


def maintenance_save(*, actor, data: dict, instance: AssetMaintenance | None = None) -> AssetMaintenance:
    """A maintenance record (管护): on a day the asset existed, never ahead, at a cost of zero or more."""
    record = instance or AssetMaintenance()
    before = field_values(record, MAINTENANCE_FIELDS) if instance else None
    if instance is not None:
        require(actor, Action.CHANGE, instance.asset.project.area_id)
    apply_fields(record, data, MAINTENANCE_FIELDS)
    asset = record.asset
    require(actor, Action.CHANGE, asset.project.area_id)
    _open_asset(asset)
    record.date = fact_date(record.date, field="date", label=_("maintenance date"))
    not_before(record.date, asset.formed_on or asset.handed_over_on, field="date", label=_("maintenance date"),
               earlier_label=_("the asset's formation"))
    if record.cost is None or record.cost < 0:
        raise ValidationFailed(_("The cost cannot be negative."), field="cost")
    record.note = (record.note or "").strip()
    if not record.note:
        raise ValidationFailed(_("Say what was done."), field="note")
    with transaction.atomic():
        if instance is None:
            record.recorded_by = actor
        record.save()
        audit_record(actor=actor, action=MAINTENANCE_SAVED, obj=record, area_code=asset.project.area_id,
                     before=before, after=field_values(record, MAINTENANCE_FIELDS))
    return record


SHARE_FIELDS = ("income", "recipient", "area", "household", "amount", "paid_on", "posted_on")


def income_share_save(*, actor, data: dict, instance: AssetIncomeShare | None = None) -> AssetIncomeShare:
    """Part of a year's asset income paid to a village collective or a household of the project's county. The
    items of an income never sum above it; the income's amount distributed to households becomes the sum of its
    household items."""
    share = instance or AssetIncomeShare()
    before = field_values(share, SHARE_FIELDS) if instance else None
    if instance is not None:
        require(actor, Action.CHANGE, instance.income.asset.project.area_id)
    apply_fields(share, data, SHARE_FIELDS)
    if share.income_id is None:
        raise ValidationFailed(_("Name the asset income distributed."), field="income")
    project = share.income.asset.project
    require(actor, Action.CHANGE, project.area_id)
    if share.recipient not in cl.INCOME_RECIPIENT.values:
        raise ValidationFailed(_("Unknown recipient “%(recipient)s”."), field="recipient", recipient=share.recipient)
    if share.recipient == "household":
        if share.household_id is None:
            raise ValidationFailed(_("Name the household paid."), field="household")
        share.area_id = share.household.area_id
    else:
        if share.household_id is not None:
            raise ValidationFailed(_("Only a payment to a household names a household."), field="household")
        if not share.area_id or level_of(share.area_id) != Level.VILLAGE:
            raise ValidationFailed(_("Name the village paid (a 12-digit village code)."), field="area")
    if not share.area_id.startswith(reach_prefix(project)):
        raise ValidationFailed(_("The recipient is not in the project's county."), field="area")
    if share.amount is None or share.amount <= 0:
        raise ValidationFailed(_("The amount must be positive."), field="amount")
    share.paid_on = fact_date(share.paid_on, field="paid_on", label=_("payment date"))
    # Income of a year is paid out in that year or later.
    not_before(share.paid_on, datetime.date(share.income.year, 1, 1), field="paid_on", label=_("payment date"),
               earlier_label=_("the start of the income's year"))
    share.posted_on = fact_date(share.posted_on, field="posted_on", label=_("posting date"), default_today=False)
    with transaction.atomic():
        # The income is locked so that two items at once cannot both fit.
        income = AssetIncome.objects.select_for_update().get(pk=share.income_id)
        others = _share_totals(income, exclude=share.pk)
        if others["all"] + share.amount > income.amount:
            raise ValidationFailed(_("Only %(left)s of the income of %(amount)s is left to distribute."),
                                   field="amount", left=income.amount - others["all"], amount=income.amount)
        share.save()
        income.distributed_to_households = others["household"] + (
            share.amount if share.recipient == "household" else Decimal("0.00"))
        income.save(update_fields=["distributed_to_households", "updated_at"])
        audit_record(actor=actor, action=INCOME_SHARE_SAVED, obj=share, area_code=project.area_id, before=before,
                     after=field_values(share, SHARE_FIELDS))
    return share


def disposal_steps(asset: ProjectAsset) -> tuple[str, ...]:
    """The approvals a disposal of this asset passes: the township's, unless it is owned at county level (or
    above), then the county's."""
    if level_of(asset.owner_area_id) >= Level.TOWNSHIP:
        return ("township", "county")
    return ("county",)


def _level_code(area_code: str, level: int) -> str:
    return prefix_of(area_code, level).ljust(CODE_LENGTH, "0")


def disposal_apply(*, actor, asset: ProjectAsset, reason: str, value, applied_on=None) -> AssetDisposal:
    """Apply to dispose of an asset (whoever may change records where it is owned). An asset has at most one
    disposal under way or done."""
    require(actor, Action.CHANGE, asset.owner_area_id)
    _open_asset(asset)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Give the reason for the disposal."), field="reason")
    if value is None or Decimal(value) < 0:
        raise ValidationFailed(_("The value cannot be negative."), field="value")
    applied_on = fact_date(applied_on, field="applied_on", label=_("application date"))
    not_before(applied_on, asset.formed_on or asset.handed_over_on, field="applied_on",
               label=_("application date"), earlier_label=_("the asset's formation"))
    disposal = AssetDisposal(asset=asset, reason=reason, value=Decimal(value), applied_on=applied_on,
                             applied_by=actor, status="applied")
    with transaction.atomic():
        locked = ProjectAsset.objects.select_for_update().get(pk=asset.pk)
        if locked.disposals.exclude(status="rejected").exists():
            raise ValidationFailed(_("A disposal of this asset is already under way."), field="asset")
        disposal.save()
        locked.status = "disposing"
        locked.save(update_fields=["status", "updated_at"])
        asset.status = locked.status
        audit_record(actor=actor, action=DISPOSAL_APPLIED, obj=disposal, area_code=asset.owner_area_id,
                     after={"asset": asset.pk, "reason": reason, "value": disposal.value,
                            "applied_on": applied_on})
    return disposal


def next_disposal_step(disposal: AssetDisposal) -> str | None:
    """The step a disposal waits for: an approval, then `disposed`; None once it is disposed or rejected."""
    if disposal.status in ("disposed", "rejected"):
        return None
    steps = disposal_steps(disposal.asset)
    if disposal.status == "applied":
        return steps[0]
    if disposal.status == "township":
        return "county"
    return "disposed"


def disposal_step(*, actor, disposal: AssetDisposal, step: str, on=None, approve: bool = True,
                  note: str = "") -> AssetDisposal:
    """Take the next step of a disposal. `township`: approval by a township-level (or higher) approver of the
    asset's area; `county`: by a county-level (or higher) approver; `disposed`: the disposal carried out, by whoever
    may change records where the asset is owned. An approval may refuse (`approve=False`): the disposal ends and the
    asset stays in use. Steps come in order, each on or after the previous one, never ahead; whoever applied does
    not approve."""
    asset = disposal.asset
    expected = next_disposal_step(disposal)
    if expected is None:
        raise ValidationFailed(_("The disposal is closed (%(status)s)."), field="step",
                               status=_label(cl.DISPOSAL_STATUS, disposal.status))
    if step != expected:
        raise ValidationFailed(_("The next step of this disposal is “%(expected)s”, not “%(step)s”."),
                               field="step", expected=_label(cl.DISPOSAL_STATUS, expected),
                               step=_label(cl.DISPOSAL_STATUS, step) if step in cl.DISPOSAL_STATUS.values else step)
    if step == "disposed":
        require(actor, Action.CHANGE, asset.owner_area_id)
        if not approve:
            raise ValidationFailed(_("An approved disposal is carried out, not refused."), field="approve")
    else:
        level = Level.TOWNSHIP if step == "township" else Level.COUNTY
        code = _level_code(asset.owner_area_id, min(level, level_of(asset.owner_area_id)))
        if not can_at_level(actor, Action.APPROVE, code, level):
            raise PermissionDenied()
        if disposal.applied_by_id == actor.pk:
            raise ValidationFailed(_("Whoever applied for a disposal does not approve it."), field="step")
    previous = {"township": disposal.applied_on, "county": disposal.township_on or disposal.applied_on,
                "disposed": disposal.county_on}[step]
    on = fact_date(on, field="on", label=_("step date"))
    not_before(on, previous, field="on", label=_("step date"), earlier_label=_("the previous step"))
    with transaction.atomic():
        if not approve:
            disposal.status, disposal.rejected_on = "rejected", on
            asset.status = "in_use"
        elif step == "township":
            disposal.status, disposal.township_on, disposal.township_by = "township", on, actor
        elif step == "county":
            disposal.status, disposal.county_on, disposal.county_by = "county", on, actor
        else:
            disposal.status, disposal.disposed_on = "disposed", on
            asset.status = "disposed"
        disposal.note = (note or "").strip() or disposal.note
        disposal.save()
        asset.save(update_fields=["status", "updated_at"])
        audit_record(actor=actor, action=DISPOSAL_STEP, obj=disposal, area_code=asset.owner_area_id,
                     after={"asset": asset.pk, "step": step, "approve": approve, "on": on,
                            "status": disposal.status, "note": disposal.note})
    return disposal
