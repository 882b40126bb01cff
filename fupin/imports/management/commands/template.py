from django.core.management.base import CommandError

from fupin.core.cli import FupinCommand
from fupin.registry.exporting import households_template


class Command(FupinCommand):
    help = "Write an empty import template with drop-down lists for every enumeration."
    has_subcommands = True

    def add_arguments(self, parser):
        super().add_arguments(parser)
        households = self.add_subcommand("households", "The 建档立卡 workbook template (one row per member).")
        households.add_argument("-o", "--output", required=True, help="FILE.xlsx")

    def handle_households(self, **options):
        if not options["output"].lower().endswith(".xlsx"):
            raise CommandError("The template is an .xlsx workbook.")
        households_template(options["output"])
        self.emit({"file": options["output"]})
