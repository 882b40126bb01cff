from django.core.management.base import CommandError

from fupin.areas import services as area_services
from fupin.core.cli import FupinCommand
from fupin.core.errors import ServiceError
from fupin.imports.cli import emit_report


class Command(FupinCommand):
    help = "Import a workbook or CSV file. All or nothing unless --skip-invalid; --dry-run validates only."
    has_subcommands = True

    IMPORTERS = {
        "population": (area_services.population_import,
                       "Rural registered population per area and year (行政区划代码, 年度, 乡村人口, 户数)."),
    }

    def add_arguments(self, parser):
        super().add_arguments(parser)
        for name, (_importer, help_text) in self.IMPORTERS.items():
            sub = self.add_subcommand(name, help_text)
            sub.add_argument("file")
            sub.add_argument("--dry-run", action="store_true", help="Validate only; write nothing.")
            sub.add_argument("--skip-invalid", action="store_true", help="Write the valid rows, report the rest.")

    def handle(self, *args, **options):
        importer, _help = self.IMPORTERS[options["subcommand"]]
        try:
            report = importer(actor=self.actor, path=options["file"], dry_run=options["dry_run"],
                              skip_invalid=options["skip_invalid"])
        except ServiceError as exc:
            raise CommandError(str(exc)) from exc
        emit_report(self, report)
