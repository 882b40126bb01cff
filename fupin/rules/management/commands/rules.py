from django.core.management.base import CommandError

from fupin.core.cli import FupinCommand, emit_report
from fupin.core.errors import ServiceError
from fupin.rules import services


class Command(FupinCommand):
    help = "Policy data: import lines, thresholds, parameters and exit conditions from a table."
    has_subcommands = True

    def add_arguments(self, parser):
        super().add_arguments(parser)
        load = self.add_subcommand(
            "import", "Import policy rows (kind, code, year, province_code, value, certainty, source).")
        load.add_argument("file")
        load.add_argument("--dry-run", action="store_true", help="Validate only; write nothing.")

    def handle_import(self, **options):
        try:
            report = services.policy_import(actor=self.actor, path=options["file"], dry_run=options["dry_run"])
        except ServiceError as exc:
            raise CommandError(str(exc)) from exc
        emit_report(self, report)
