from django.core.management.base import CommandError

from fupin.areas.locations import locations_import
from fupin.core.cli import FupinCommand, emit_report
from fupin.core.errors import ServiceError


class Command(FupinCommand):
    help = ("Import where areas are: a CSV/xlsx of 行政区划代码, 纬度, 经度 and optionally 边界 (GeoJSON Polygon or "
            "MultiPolygon) and 来源. Field check-ins and visits are compared with it.")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Validate only; write nothing.")
        parser.add_argument("--skip-invalid", action="store_true", help="Write the valid rows, report the rest.")

    def handle(self, *args, **options):
        try:
            report = locations_import(actor=self.actor, path=options["file"], dry_run=options["dry_run"],
                                      skip_invalid=options["skip_invalid"])
        except ServiceError as exc:
            raise CommandError(str(exc)) from exc
        emit_report(self, report)
