"""What every import command prints: the report, and a failing exit status when rows were rejected."""

from django.core.management.base import CommandError


def emit_report(command, report) -> None:
    data = report.as_dict()
    if command.output_format == "json":
        command.emit(data)
    else:
        summary = {k: v for k, v in data.items() if k != "errors"}
        command.emit(summary, title="import")
        if report.errors:
            command.emit([e.as_dict() for e in report.errors], columns=["row", "column", "message"], title="errors")
    if report.errors and not report.written:
        raise CommandError(f"{report.rejected} row(s) rejected; nothing was written.")
