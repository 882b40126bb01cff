from django.core.management.base import CommandError

from fupin.core.cli import FupinCommand, date_argument
from fupin.core.errors import ServiceError

from ... import selectors, services
from ...models import VisitTask

WARNING_COLUMNS = ["id", "rule", "household", "area", "raised_on", "due_on", "cadre", "message"]
TASK_COLUMNS = ["id", "household", "area", "rule", "cadre", "due_on", "status", "outcome", "case"]
REPORT_COLUMNS = ["area", "name", *selectors.FIGURES]


class Command(FupinCommand):
    help = "Early warning against return to poverty: scan for warnings, list visit tasks, the monthly report."
    has_subcommands = True

    def add_arguments(self, parser):
        super().add_arguments(parser)
        warnings = self.add_subcommand("warnings", "Run the warning rules; prints the new warnings.")
        warnings.add_argument("--year", type=int, required=True)
        warnings.add_argument("--area", help="An area code (2 to 12 digits); default: everywhere you may change.")
        warnings.add_argument("--on", type=date_argument, help="The day of the scan (YYYY-MM-DD; default today).")
        warnings.add_argument("--rules", help="Only these rules (comma-separated codes).")
        tasks = self.add_subcommand("tasks", "Home-visit tasks (to visit by default).")
        tasks.add_argument("--area")
        tasks.add_argument("--overdue", action="store_true", help="Only tasks past their deadline.")
        tasks.add_argument("--unassigned", action="store_true", help="Only tasks with no cadre.")
        tasks.add_argument("--all", action="store_true", help="Also the tasks already done.")
        tasks.add_argument("--on", type=date_argument, help="The day overdue is judged on (default today).")
        complete = self.add_subcommand("complete", "Record the visit of a task.")
        complete.add_argument("task", type=int)
        outcome = complete.add_mutually_exclusive_group(required=True)
        outcome.add_argument("--confirmed", action="store_true", help="The risk is confirmed.")
        outcome.add_argument("--not-confirmed", dest="not_confirmed", action="store_true")
        complete.add_argument("--visited", type=date_argument, required=True, help="The day of the visit (YYYY-MM-DD).")
        complete.add_argument("--notes", default="")
        complete.add_argument("--reason", default="", help="Why the risk is not confirmed.")
        complete.add_argument("--category", default="", help="Monitoring category 1, 2 or 3 (default: the rules').")
        report = self.add_subcommand("report", "The monthly monitoring report by the areas below one.")
        report.add_argument("--area", required=True)
        report.add_argument("--month", required=True, help="YYYY-MM")
        disaster = self.add_subcommand("disaster", "Record a natural disaster in an area.")
        disaster.add_argument("--area", required=True)
        disaster.add_argument("--kind", required=True,
                              help="flood, geological, drought, biological, weather, earthquake or other")
        disaster.add_argument("--on", type=date_argument, required=True, help="The day it occurred (YYYY-MM-DD).")
        disaster.add_argument("--title", required=True)

    def _run(self, function, **kwargs):
        try:
            return function(actor=self.actor, **kwargs)
        except ServiceError as error:
            raise CommandError(str(error)) from None

    def handle_warnings(self, **options):
        rules = [code.strip() for code in options["rules"].split(",")] if options["rules"] else None
        run = self._run(services.warnings_run, year=options["year"], area_code=options["area"], on=options["on"],
                        rules=rules)
        warnings = selectors.warning_list(actor=self.actor).filter(pk__in=[w.pk for w in run.warnings])
        self.emit([selectors.warning_contract(w) for w in warnings], columns=WARNING_COLUMNS)

    def handle_tasks(self, **options):
        tasks = self._run(selectors.task_list, area_code=options["area"], overdue=options["overdue"],
                          unassigned=options["unassigned"], on=options["on"],
                          status=None if options["all"] else "open")
        self.emit([selectors.task_contract(t) for t in tasks], columns=TASK_COLUMNS)

    def handle_complete(self, **options):
        task = selectors.task_list(actor=self.actor).filter(pk=options["task"]).first()
        if task is None:
            raise CommandError(f"No task {options['task']} in your areas.")
        task = self._run(services.task_complete, task=task, confirmed=options["confirmed"],
                         visited_on=options["visited"], notes=options["notes"], reason=options["reason"],
                         category=options["category"])
        self.emit(selectors.task_contract(VisitTask.objects.get(pk=task.pk)))

    def handle_report(self, **options):
        report = self._run(selectors.monitoring_report, area_code=options["area"], month=options["month"])
        if self.output_format == "json":
            self.emit(report)
        else:
            self.emit([*report["rows"], {"area": report["area"], "name": "Σ", **report["total"]}],
                      columns=REPORT_COLUMNS, title=f"{report['name']} {report['month']}")

    def handle_disaster(self, **options):
        disaster = self._run(services.disaster_record, area_code=options["area"], kind=options["kind"],
                             occurred_on=options["on"], title=options["title"])
        self.emit({"disaster": disaster.pk, "area": disaster.area_id, "kind": disaster.kind,
                   "occurred_on": disaster.occurred_on})
