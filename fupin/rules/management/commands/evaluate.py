from django.core.management.base import CommandError

from fupin.core.cli import FupinCommand
from fupin.core.errors import NotFound
from fupin.rules import selectors


class Command(FupinCommand):
    help = "Evaluate households, villages or counties against the rules of a year."
    has_subcommands = True

    def add_arguments(self, parser):
        super().add_arguments(parser)
        exits = self.add_subcommand("exits", "Exit eligibility of households, villages or designated poor counties.")
        exits.add_argument("--year", type=int, required=True)
        exits.add_argument("--level", choices=selectors.LEVELS, required=True)
        exits.add_argument("--area", help="Only this area's subtree (a code of 2 to 12 digits).")
        monitoring = self.add_subcommand("monitoring", "Households in a monitoring category (2021 on).")
        monitoring.add_argument("--year", type=int, required=True)
        monitoring.add_argument("--area", help="Only this area's subtree.")

    def _emit(self, data, columns):
        if self.output_format == "table":
            for item in data:
                item["reasons"] = "; ".join(r["message"] for r in item["reasons"])
        self.emit(data, columns=columns)

    def handle_exits(self, **options):
        try:
            data = selectors.exit_report(actor=self.actor, year=options["year"], level=options["level"],
                                         area_code=options["area"])
        except NotFound:
            raise CommandError(f"No area has the code {options['area']}.") from None
        columns = ["code", "name", "level", "year", "eligible", "reasons"]
        if options["level"] != "household":
            columns[5:5] = ["incidence", "poor", "population"]
        self._emit(data, columns)

    def handle_monitoring(self, **options):
        try:
            data = selectors.monitoring_report(actor=self.actor, year=options["year"], area_code=options["area"])
        except NotFound:
            raise CommandError(f"No area has the code {options['area']}.") from None
        self._emit(data, ["code", "name", "level", "year", "category", "reasons"])
