"""What an import tells its user: counts, and each rejected row with its row number, column and reason
in Chinese and in English.

Every import's summary says whether it wrote (`written`) and counts only what it wrote: an all-or-nothing import
that was rejected, or a dry run, reports every created/updated/unchanged count as 0. A dry run gives what it would
write under `would_write` (the records that passed every check; with rejected rows, what `--skip-invalid` would
write). `import_summary` is that rule, shared by the record imports' ImportReport and the household import's
report; `import_writes` is how an import makes its writes so that a dry run counts exactly what a real run would."""

from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from fupin.core.errors import ServiceError


class FileError(ServiceError):
    """The file as a whole cannot be read (not found, no header, missing columns)."""

    default_message = _("The file cannot be read.")


@dataclass
class RowError:
    row: int
    column: str
    message: object  # a lazy translatable string with %(name)s placeholders
    params: dict = field(default_factory=dict)

    def text(self, language: str | None = None) -> str:
        if language is None:
            return str(self.message) % self.params if self.params else str(self.message)
        with translation.override(language):
            return self.text()

    def as_dict(self) -> dict:
        return {
            "row": self.row,
            "column": self.column,
            "message": self.text(),
            "message_zh": self.text("zh-hans"),
            "message_en": self.text("en"),
        }


def import_summary(*, rows: int, counts: dict[str, int], rejected: int, dry_run: bool, written: bool) -> dict:
    """The summary's counts, in the contract's order. `counts` are what the import counted while it ran (it may
    have counted records it then rolled back): they are reported as written only when the writes were kept."""
    summary = {"rows": rows, **{name: value if written else 0 for name, value in counts.items()},
               "rejected": rejected, "dry_run": dry_run, "written": written}
    if dry_run:
        summary["would_write"] = dict(counts)
    return summary


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    written: bool = False

    @property
    def rejected(self) -> int:
        return len({error.row for error in self.errors})

    def error(self, row: int, column: str, message, **params) -> None:
        self.errors.append(RowError(row, column, message, params))

    def counts(self) -> dict[str, int]:
        """What the import counted, written or not (its audit record, taken before the writes are kept, and a dry
        run's `would_write`)."""
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}

    def audit_summary(self) -> dict:
        """The audit record's `after` of an import that is writing: its counts as they stand."""
        return {"rows": self.rows, **self.counts(), "rejected": self.rejected}

    def as_dict(self) -> dict:
        return {
            **import_summary(rows=self.rows, counts=self.counts(), rejected=self.rejected, dry_run=self.dry_run,
                             written=self.written),
            "errors": [error.as_dict() for error in sorted(self.errors, key=lambda e: (e.row, e.column))],
        }


class _DryRun(Exception):
    """Leaves a dry run's transaction, undoing the writes it made to count them."""


@contextmanager
def import_writes(report: ImportReport):
    """The writes of an import in one transaction, kept — and the report marked `written` — unless the report is a
    dry run's: a dry run makes the same writes, so its counts are the real run's to the record (references made
    on first use, updates that change nothing, replaced lists), then rolls them back, audit record included."""
    try:
        with transaction.atomic():
            yield
            if report.dry_run:
                raise _DryRun
    except _DryRun:
        return
    report.written = True
