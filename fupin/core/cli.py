"""The shape shared by every `fupin` command: `--user`, `--format`, machine-readable stdout, progress on stderr."""

import csv
import datetime
import json
import sys
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .context import reset_request_id, set_request_id
from .files.spreadsheets import csv_cell

FORMATS = ("table", "json", "csv")


def date_argument(text: str) -> datetime.date:
    """An ISO date on the command line (argparse shows the type's name in errors: "invalid date value")."""
    return datetime.date.fromisoformat(text)


date_argument.__name__ = "date"


def add_common_arguments(parser) -> None:
    parser.add_argument(
        "--user",
        default=settings.FUPIN_SYSTEM_USERNAME,
        help="Act (and be audited) as this user; default: the built-in system account.",
    )
    parser.add_argument("--format", choices=FORMATS, default="table", help="Output format (default: table).")


class FupinCommand(BaseCommand):
    """Base for project commands. Subclasses with subcommands call `self.add_subcommand`."""

    has_subcommands = False

    def add_arguments(self, parser):
        if self.has_subcommands:
            self.subparsers = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        else:
            add_common_arguments(parser)

    def add_subcommand(self, name: str, help_text: str):
        sub = self.subparsers.add_parser(name, help=help_text, description=help_text)
        add_common_arguments(sub)
        return sub

    def execute(self, *args, **options):
        self.stderr_console = Console(file=sys.stderr)
        self.output_format = options.get("format", "table")
        self.actor = self.resolve_actor(options.get("user"))
        token = set_request_id(None)  # every invocation gets its own request id for the audit trail
        try:
            return super().execute(*args, **options)
        finally:
            reset_request_id(token)

    def handle(self, *args, **options):
        """Commands with subcommands dispatch to `handle_<subcommand>`; the others override this method."""
        return getattr(self, "handle_" + options["subcommand"].replace("-", "_"))(**options)

    @staticmethod
    def resolve_actor(username: str | None):
        if username is None:
            return None
        user_model = get_user_model()
        try:
            return user_model.objects.get(username=username, is_active=True)
        except user_model.DoesNotExist:
            raise CommandError(f"No active user named {username!r}.") from None

    # Output ----------------------------------------------------------------------------------------------
    def emit(self, data, *, columns: list[str] | None = None, title: str | None = None) -> None:
        """Write the result to stdout in the chosen format. `data` is a dict or a list of dicts."""
        if self.output_format == "json":
            self.stdout.write(json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2))
            return
        rows = data if isinstance(data, list) else [{"key": k, "value": v} for k, v in data.items()]
        columns = columns or (list(rows[0].keys()) if rows else ["key", "value"])
        if self.output_format == "csv":
            writer = csv.DictWriter(self.stdout, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
            writer.writeheader()
            writer.writerows({key: csv_cell(value) for key, value in row.items()} for row in rows)
            return
        table = Table(title=title)
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*(_cell(row.get(column)) for column in columns))
        Console(file=self.stdout, width=200).print(table)

    def log(self, message: str) -> None:
        """Human progress notes go to stderr so that stdout stays parseable."""
        self.stderr_console.print(message)

    @contextmanager
    def progress(self, description: str, total: int | None = None):
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.stderr_console,
            transient=False,
        ) as bar:
            task_id = bar.add_task(description, total=total)

            def advance(step: int = 1, *, description: str | None = None, total: int | None = None):
                bar.update(task_id, advance=step, description=description or bar.tasks[0].description,
                           total=total if total is not None else bar.tasks[0].total)

            yield advance


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)
    return str(value)


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
