"""Department lists (数据比对) in: the import contract of every fupin import (row, column, reason in zh and en;
all or nothing unless `skip_invalid`; `dry_run`), keyed by ID number. Importing a list under a name that exists
replaces that list's rows (a department resends its list), so re-running is idempotent."""

import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import everywhere
from fupin.audit import registry as audit_registry
from fupin.audit.services import audit_record
from fupin.core.errors import PermissionDenied, ValidationFailed
from fupin.core.files.reports import ImportReport, import_writes
from fupin.core.files.tabular import Column, open_table
from fupin.core.idnumbers import IdNumberError, parse_id_number
from fupin.core.sql import insert_rows

from .models import DEPARTMENT_SOURCE, DepartmentList, DepartmentRecord

LIST_IMPORTED = audit_registry.register("quality.list_imported", _("imported a department list"))

COLUMNS = [
    Column("id_number", ("证件号码", "證件號碼", "身份证号", "身份證號", "ID number", "id_number")),
    Column("name", ("姓名", "姓名", "name"), required=False),
    Column("value", ("金额", "金額", "价值", "價值", "value", "amount"), required=False),
    Column("date", ("日期", "日期", "date"), required=False),
    Column("detail", ("说明", "說明", "单位", "單位", "detail"), required=False),
]


def department_list_import(*, actor, source: str, name: str, path: str | Path, received_on: datetime.date,
                           dry_run: bool = False, skip_invalid: bool = False) -> ImportReport:
    """Lists are nationwide or provincial data sets: importing one needs a nationwide `import` grant."""
    if not everywhere(actor, Action.IMPORT):
        raise PermissionDenied()
    if source not in DEPARTMENT_SOURCE.values:
        raise ValidationFailed(_("Unknown department list source “%(source)s”."), field="source", source=source)
    table = open_table(path, COLUMNS)
    header = {key: column.header for key, column in table.columns.items()}
    report = ImportReport(dry_run=dry_run)
    rows = []
    refused: set[int] = set()

    def refuse(number: int, key: str, refusal) -> None:  # a cell Excel may have corrupted (Table.records)
        report.error(number, header[key], refusal.message, **refusal.params)
        refused.add(number)

    for number, values in table.records(refuse):
        report.rows += 1
        if number in refused:
            continue
        ok = True
        try:
            identity = parse_id_number(values["id_number"], today=received_on).number
        except IdNumberError as error:
            report.error(number, header["id_number"], error.message, **error.params)
            ok = False
        value = None
        if values.get("value"):
            try:
                value = Decimal(values["value"].replace(",", ""))
            except InvalidOperation:
                report.error(number, header["value"], _("“%(value)s” is not a number."), value=values["value"])
                ok = False
        day = None
        if values.get("date"):
            try:
                day = datetime.date.fromisoformat(values["date"][:10])
            except ValueError:
                report.error(number, header["date"], _("“%(value)s” is not a date (YYYY-MM-DD)."),
                             value=values["date"])
                ok = False
        if ok:
            rows.append({"id_number": identity, "name": values.get("name", "")[:60], "value": value, "date": day,
                         "detail": values.get("detail", "")[:200], "row": number})
    if report.errors and not (skip_invalid or dry_run):
        return report
    with import_writes(report):  # a dry run makes the writes to count them, then rolls back
        listed, created = DepartmentList.objects.get_or_create(source=source, name=name, defaults={
            "received_on": received_on, "imported_by": actor})
        if not created:
            report.updated = listed.records.count()
            listed.records.all().delete()
        insert_rows(DepartmentRecord, ({**row, "department_list_id": listed.pk} for row in rows))
        listed.rows, listed.received_on, listed.imported_by = len(rows), received_on, actor
        listed.save(update_fields=["rows", "received_on", "imported_by"])
        report.created = len(rows)
        audit_record(actor=actor, action=LIST_IMPORTED, obj=listed, after={"source": source, "rows": len(rows)})
    return report
