"""What an import tells its user: counts, and each rejected row with its row number, column and reason
in Chinese and in English."""

from dataclasses import dataclass, field

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

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "dry_run": self.dry_run,
            "written": self.written,
            "errors": [error.as_dict() for error in sorted(self.errors, key=lambda e: (e.row, e.column))],
        }
