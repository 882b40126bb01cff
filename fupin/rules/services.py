"""Policy changes are data changes: administrators only, one audit event each, or one per import."""

from pathlib import Path

from django.apps import apps
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import require
from fupin.audit import registry as audit_registry
from fupin.audit.changes import RecordChanges
from fupin.audit.services import audit_record
from fupin.core.errors import PermissionDenied
from fupin.core.files.reports import ImportReport, import_writes
from fupin.core.files.tabular import open_table

from .importing import POLICY_COLUMNS, PolicyRowError, parse_policy_row

POLICY_SAVED = audit_registry.register("rules.policy_saved", _("changed policy data"))
POLICY_DELETED = audit_registry.register("rules.policy_deleted", _("deleted policy data"))
POLICY_IMPORTED = audit_registry.register("rules.policy_imported", _("imported policy data"))
NATIONWIDE = "000000000000"


def _require_policy_admin(actor, province_code: str) -> None:
    require(actor, Action.ADMINISTER, province_code.ljust(12, "0") if province_code else NATIONWIDE)


def _snapshot(row) -> dict:
    return {k: (str(v) if v is not None and not isinstance(v, bool | int | str) else v)
            for k, v in model_to_dict(row).items()}


def policy_save(*, actor, row, is_new: bool) -> None:
    """Save an edited policy row (from the admin), audited with its values before and after."""
    _require_policy_admin(actor, row.province_code)
    with transaction.atomic():
        before = None if is_new else _snapshot(type(row).objects.get(pk=row.pk))
        row.full_clean()
        row.save()
        audit_record(actor=actor, action=POLICY_SAVED, obj=row, before=before, after=_snapshot(row))


def policy_value_save(*, actor, values: dict):
    """Set one policy value named as in the policy table (kind, code, year, province_code, value, certainty,
    source): the row with that key takes it, or is made. Checked by the import's parser (PolicyRowError) and the
    model's own checks (ValidationError); one transaction and one audit event with the values before and after."""
    model_name, lookup, fields = parse_policy_row(values)
    model = apps.get_model("rules", model_name)
    _require_policy_admin(actor, lookup.get("province_code", ""))
    with transaction.atomic():
        row = model.objects.select_for_update().filter(**lookup).first()
        before = None if row is None else _snapshot(row)
        if row is None:
            row = model(**lookup)
        for name, value in fields.items():
            setattr(row, name, value)
        row.full_clean()
        row.save()
        audit_record(actor=actor, action=POLICY_SAVED, obj=row, before=before, after=_snapshot(row))
    return row


def policy_delete(*, actor, row) -> None:
    _require_policy_admin(actor, row.province_code)
    with transaction.atomic():
        audit_record(actor=actor, action=POLICY_DELETED, obj=row, before=_snapshot(row))
        row.delete()


def policy_import(*, actor, path: str | Path, dry_run: bool = False) -> ImportReport:
    """Import a policy table (all or nothing); existing rows with the same key take the new values."""
    table = open_table(path, POLICY_COLUMNS)
    header = {key: column.header for key, column in table.columns.items()}
    rows = list(table.records())
    report = ImportReport(rows=len(rows), dry_run=dry_run)
    parsed = []
    for number, values in rows:
        try:
            model_name, lookup, fields = parse_policy_row(values)
            _require_policy_admin(actor, lookup.get("province_code", ""))
        except PolicyRowError as exc:
            report.error(number, header.get(exc.column, exc.column), exc.message, **exc.params)
            continue
        except PermissionDenied as exc:  # reported on the row like any other refusal
            report.error(number, header.get("province_code", header["kind"]), exc.message)
            continue
        parsed.append((apps.get_model("rules", model_name), lookup, fields))
    if report.errors:
        return report
    changes = RecordChanges()  # each policy row written, with its values before and after
    with import_writes(report):  # a dry run makes the writes to count them, then rolls back
        written = []
        for model, lookup, fields in parsed:
            current = model.objects.filter(**lookup).first()
            if current is None:
                current, before = model.objects.create(**lookup, **fields), None
                report.created += 1
            elif any(getattr(current, k) != v for k, v in fields.items()):
                before = _snapshot(current)
                for k, v in fields.items():
                    setattr(current, k, v)
                current.save()
                report.updated += 1
            else:
                report.unchanged += 1
                continue
            province = lookup.get("province_code", "")
            written.append((current._meta.label_lower, current.pk, province.ljust(12, "0") if province else "",
                            before, _snapshot(current)))
        changes.add(written)
        # Recorded inside the import's transaction: the event exists only if the writes are kept.
        changes.record(actor=actor, action=POLICY_IMPORTED, object_type="import", object_id=Path(path).name,
                       after={**report.audit_summary(), "written": True})
    return report
