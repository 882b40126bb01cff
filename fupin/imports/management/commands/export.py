from django.core.management.base import CommandError

from fupin.areas.selectors import area_by_code
from fupin.core.cli import FupinCommand
from fupin.core.errors import NotFound, ServiceError
from fupin.registry.exporting import households_export

LANGUAGES = ("zh-hans", "zh-hant", "en")


class Command(FupinCommand):
    help = "Export records to .xlsx or .csv (streamed; masked unless your role may see ID numbers)."
    has_subcommands = True

    def add_arguments(self, parser):
        super().add_arguments(parser)
        households = self.add_subcommand("households", "Households and members of a year, one row per member.")
        households.add_argument("--area", help="Only this area's subtree.")
        households.add_argument("--year", type=int, required=True)
        households.add_argument("-o", "--output", required=True, help="FILE.xlsx or FILE.csv")
        households.add_argument("--language", choices=LANGUAGES,
                                help="The headers' language (default: the one in force, zh-hans); the import reads "
                                     "any of them.")

    def handle_households(self, **options):
        area = None
        if options["area"]:
            try:
                area = area_by_code(options["area"])
            except NotFound:
                raise CommandError(f"No area has the code {options['area']}.") from None
        if not options["output"].lower().endswith((".xlsx", ".csv")):
            raise CommandError("The output file must end in .xlsx or .csv.")
        try:
            rows = households_export(actor=self.actor, path=options["output"], year=options["year"], area=area,
                                     language=options["language"])
        except ServiceError as exc:
            raise CommandError(str(exc)) from exc
        self.emit({"rows": rows, "file": options["output"]})
