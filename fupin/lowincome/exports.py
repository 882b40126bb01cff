"""The re-evaluation's diff report as rows a reader understands (labels, not codes; ID numbers masked unless the
reader may see them in the person's village), written as CSV or XLSX through core.files."""

import csv
from collections.abc import Iterable
from pathlib import Path

from django.utils.translation import gettext as _

from fupin.core.files.spreadsheets import csv_row
from fupin.core.files.workbooks import SheetWriter
from fupin.registry.masking import Masking

from . import codelists as cl
from .models import Change, Finding, FindingStatus
from .reevaluation import why


def headers() -> list[str]:
    return [_("Name"), _("ID number"), _("Village"), _("Category"), _("Change"), _("Why"), _("Income per head"),
            _("Household size"), _("Property test passed"), _("Medical and education spending"), _("Status")]


def finding_rows(findings: Iterable[Finding], *, actor) -> list[list]:
    """Each finding (with its person and village selected) as a row of `headers()`."""
    masking = Masking(actor)
    rows = []
    for finding in findings:
        person = finding.person
        shown = masking.values(person, person.area_id, ("id_number",))
        values = finding.values
        rows.append([person.name, shown["id_number"], person.area.name, cl.CATEGORY.label(finding.category),
                     Change(finding.change).label, why(values, finding.category, finding.change),
                     values["income_per_capita"], values["household_size"],
                     _("not known (registry)") if values["property_passed"] is None
                     else _("yes") if values["property_passed"] else _("no"), values["spending"],
                     FindingStatus(finding.status).label])
    masking.audit()
    return rows


def write_findings(findings, path: str | Path, *, actor) -> Path:
    """The findings to `path`: an .xlsx workbook, else a UTF-8 CSV with a BOM (so Excel reads the Chinese)."""
    path = Path(path)
    rows = finding_rows(findings.select_related("person", "person__area"), actor=actor)
    if path.suffix.lower() == ".xlsx":
        writer = SheetWriter(path, headers(), title=_("Re-evaluation"))
        for row in rows:
            writer.write(row)
        writer.close()
        return path
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers())
        writer.writerows(csv_row([str(cell) for cell in row]) for row in rows)
    return path
