import datetime

from django.core.management.base import CommandError

from fupin.core.cli import FupinCommand, emit_report
from fupin.core.errors import ServiceError

from ... import selectors, services
from ...importing import department_list_import
from ...models import Finding


class Command(FupinCommand):
    help = "Data-quality rules: scan an area and year, list and explain findings."
    has_subcommands = True

    def add_arguments(self, parser):
        super().add_arguments(parser)
        scan = self.add_subcommand("scan", "Run the rules over an area and year; prints the open findings.")
        scan.add_argument("--area", help="An area code (2 to 12 digits); default: everywhere you may change.")
        scan.add_argument("--year", type=int, required=True)
        scan.add_argument("--rules", help="Only these rules (comma-separated codes).")
        summary = self.add_subcommand("summary", "Open findings by area and rule.")
        summary.add_argument("--area")
        summary.add_argument("--year", type=int)
        explain = self.add_subcommand("explain", "Explain a finding (it is not an error, and why).")
        explain.add_argument("finding", type=int)
        explain.add_argument("--reason", required=True)
        listed = self.add_subcommand("import-list", "Import a department list for comparison (数据比对).")
        listed.add_argument("source", help="death, vehicle, state_staff, property, business, dibao, tekun, "
                                           "medical, education or disability")
        listed.add_argument("file")
        listed.add_argument("--name", required=True, help="The list's name (re-importing a name replaces it).")
        listed.add_argument("--received", type=datetime.date.fromisoformat, default=datetime.date.today(),
                            help="The day it was received (YYYY-MM-DD; default today).")
        listed.add_argument("--dry-run", action="store_true")
        listed.add_argument("--skip-invalid", action="store_true")
        accept = self.add_subcommand("accept", "Accept (or --reject) the explanation of a finding.")
        accept.add_argument("finding", type=int)
        accept.add_argument("--reject", action="store_true")

    def _run(self, function, **kwargs):
        try:
            return function(actor=self.actor, **kwargs)
        except ServiceError as error:
            raise CommandError(str(error)) from None

    def handle_scan(self, **options):
        rules = [code.strip() for code in options["rules"].split(",")] if options["rules"] else None
        with self.progress("rules") as advance:
            scan = self._run(services.scan_run, year=options["year"], area_code=options["area"], rules=rules,
                             on_progress=advance)
        findings = selectors.finding_list(actor=self.actor, area_code=options["area"], year=options["year"])
        findings = findings.filter(rule_id__in=scan.rules).order_by("area_code", "rule_id", "household_id", "id")
        self.emit([selectors.as_contract(f) for f in findings],
                  columns=["rule", "household", "member", "area", "message"])

    def handle_summary(self, **options):
        self.emit(self._run(selectors.finding_summary, area_code=options["area"], year=options["year"]),
                  columns=["area", "rule", "open"])

    def _finding(self, pk) -> Finding:
        finding = selectors.finding_list(actor=self.actor, status=None).filter(pk=pk).first()
        if finding is None:
            raise CommandError(f"No finding {pk} in your areas.")
        return finding

    def handle_explain(self, **options):
        finding = self._run(services.finding_explain, finding=self._finding(options["finding"]),
                            explanation=options["reason"])
        self.emit({"finding": finding.pk, "status": finding.status})

    def handle_accept(self, **options):
        finding = self._run(services.finding_accept, finding=self._finding(options["finding"]),
                            accept=not options["reject"])
        self.emit({"finding": finding.pk, "status": finding.status})

    def handle_import_list(self, **options):
        report = self._run(department_list_import, source=options["source"], name=options["name"],
                           path=options["file"], received_on=options["received"], dry_run=options["dry_run"],
                           skip_invalid=options["skip_invalid"])
        emit_report(self, report)
