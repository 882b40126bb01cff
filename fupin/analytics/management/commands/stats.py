from django.core.management.base import CommandError

from fupin.core.areacodes import Level
from fupin.core.cli import FupinCommand
from fupin.core.errors import ServiceError

from ... import selectors, services
from ...engines import ENGINES, get_engine
from ...metrics import REGISTRY
from ...metrics.base import BREAKDOWNS

LEVEL_NAMES = {"province": Level.PROVINCE, "prefecture": Level.PREFECTURE, "county": Level.COUNTY,
               "township": Level.TOWNSHIP, "village": Level.VILLAGE}


def level_argument(text: str) -> int:
    if text in LEVEL_NAMES:
        return LEVEL_NAMES[text]
    if text.isdigit() and 1 <= int(text) <= 5:
        return int(text)
    raise ValueError(text)


level_argument.__name__ = "level"  # argparse names the type in its error message


class Command(FupinCommand):
    help = "Statistics: a metric by area and year, poverty measures, snapshots and rollups."
    has_subcommands = True

    def add_arguments(self, parser):
        super().add_arguments(parser)
        for name, metric in sorted(REGISTRY.items()):
            sub = self.add_subcommand(name, str(metric.label))
            sub.add_argument("--year", type=int, required=True)
            sub.add_argument("--area", required=not metric.area_rows,
                             help="An area code (2 to 12 digits); default: every area you may see.")
            sub.add_argument("--engine", choices=ENGINES, default="duckdb")
            if metric.area_rows:
                sub.add_argument("--level", type=level_argument,
                                 help="Only this level (province … village or 1–5); default: all levels.")
                if name not in selectors.METRICS_WITHOUT_BREAKDOWN:
                    sub.add_argument("--by", choices=sorted(BREAKDOWNS))
            if name in ("measures", "mpi"):
                sub.add_argument("--line", type=float, help="Poverty line in yuan; default: the year's line.")
            if name == "mpi":
                sub.add_argument("--k", type=float, default=1.0,
                                 help="Deprivation cutoff (weighted dimensions, 1 … number of dimensions).")
            if name == "diff":
                sub.add_argument("--from", dest="from_year", type=int, help="Earlier year (default: year − 1).")
        extract = self.add_subcommand("extract", "Bring the Parquet snapshot up to date with the registry.")
        extract.add_argument("--year", type=int, action="append", help="Only these years (repeatable).")
        extract.add_argument("--full", action="store_true", help="Rewrite every partition.")
        refresh = self.add_subcommand("refresh", "Fill the snapshot and recompute the rollups that moved.")
        refresh.add_argument("--year", type=int, action="append", help="Only these years (repeatable).")
        refresh.add_argument("--full", action="store_true", help="Recompute every year.")
        refresh.add_argument("--engine", choices=ENGINES,
                             help="Engine of the rollups (default: FUPIN_ANALYTICS_REFRESH_ENGINE, duckdb).")
        freeze = self.add_subcommand("freeze", "Freeze a year-end snapshot (年度台账); its figures never move again.")
        freeze.add_argument("--year", type=int, required=True)

    def handle(self, *args, **options):
        name = options["subcommand"]
        if name in REGISTRY:
            return self.handle_metric(name, **options)
        return super().handle(*args, **options)

    def handle_metric(self, name, **options):
        metric = REGISTRY[name]
        try:
            query = selectors.stats_query(
                actor=self.actor, year=options["year"], area_code=options["area"], level=options.get("level"),
                by=options.get("by"), line=options.get("line"), k=options.get("k"))
            engine = get_engine(options["engine"])
            if name == "diff":
                data = metric.compute(engine, query, from_year=options.get("from_year"))
            else:
                data = metric.compute(engine, query)
        except ServiceError as error:
            raise CommandError(str(error)) from None
        except ValueError as error:
            raise CommandError(f"Cannot compute {name}: {error}.") from None
        columns = list(metric.columns)
        if options.get("by"):
            columns.insert(3, "by")
            if name == "incidence":
                columns.append("share_of")  # the group's own population, or the area's (metrics/incidence.py)
        self.emit(data, columns=columns if metric.area_rows else None)

    def handle_extract(self, **options):
        try:
            with self.progress("extracting") as advance:
                report = services.snapshot_extract(actor=self.actor, years=options["year"], full=options["full"],
                                                   on_progress=advance)
        except ServiceError as error:
            raise CommandError(str(error)) from None
        self.emit(report.as_dict())

    def handle_refresh(self, **options):
        try:
            with self.progress("refreshing") as advance:
                summary = services.rollups_refresh(actor=self.actor, full=options["full"], years=options["year"],
                                                   engine=options["engine"], on_progress=advance)
        except ServiceError as error:
            raise CommandError(str(error)) from None
        self.emit(summary)

    def handle_freeze(self, **options):
        try:
            snapshot = services.snapshot_freeze(actor=self.actor, year=options["year"])
        except ServiceError as error:
            raise CommandError(str(error)) from None
        self.emit({"year": snapshot.year, "rows": snapshot.rows, "files": len(snapshot.manifest),
                   "frozen_at": snapshot.frozen_at})
