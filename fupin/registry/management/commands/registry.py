from django.core.management.base import CommandError

from fupin.areas.selectors import area_by_code
from fupin.core.cli import FupinCommand
from fupin.core.errors import NotFound, ServiceError
from fupin.registry import services


class Command(FupinCommand):
    help = "Registry maintenance: the yearly dynamic adjustment (动态调整)."
    has_subcommands = True

    def add_arguments(self, parser):
        super().add_arguments(parser)
        roll = self.add_subcommand("roll-forward", "Create year-Y records from year Y−1 and list the households "
                                                   "to re-evaluate.")
        roll.add_argument("--to", type=int, required=True, dest="year", help="The new year Y.")
        roll.add_argument("--area", help="Only this area's subtree.")

    def handle_roll_forward(self, **options):
        area = None
        if options["area"]:
            try:
                area = area_by_code(options["area"])
            except NotFound:
                raise CommandError(f"No area has the code {options['area']}.") from None
        try:
            result = services.registry_roll_forward(actor=self.actor, year=options["year"], area=area)
        except ServiceError as exc:
            raise CommandError(str(exc)) from exc
        self.log(f"{result.created} records created for {result.year}; {result.already} existed; "
                 f"{len(result.to_review)} households to re-evaluate.")
        self.emit({"year": result.year, "created": result.created, "already": result.already,
                   "to_review": result.to_review} if self.output_format == "json" else result.to_review,
                  columns=["household", "area", "reasons", "size_before", "size_now"])
