"""`fupin lowincome import|reevaluate`: a department's list into the register; the yearly re-evaluation's diff."""

from django.core.management.base import CommandError

from fupin.core import areacodes
from fupin.core.cli import FupinCommand, date_argument, emit_report
from fupin.core.errors import ServiceError

from ... import exports, importing, reevaluation, selectors


class Command(FupinCommand):
    help = "The low-income register: import a department's list; re-evaluate a year against every category."
    has_subcommands = True

    def add_arguments(self, parser):
        super().add_arguments(parser)
        list_import = self.add_subcommand("import", "Import a department's list of one category (by ID number).")
        list_import.add_argument("file")
        list_import.add_argument("--category", required=True,
                                 help="dibao, tekun, monitoring, edge, rigid or other (or the Chinese name)")
        list_import.add_argument("--department", required=True, help="The deciding department, e.g. 泸水市民政局.")
        list_import.add_argument("--date", type=date_argument, required=True,
                                 help="Identification date of rows that give none (YYYY-MM-DD).")
        list_import.add_argument("--procedure", default="", help="The procedure the list went through (text).")
        list_import.add_argument("--check-year", type=int, help="Year of the economic checks the list carries.")
        list_import.add_argument("--dry-run", action="store_true")
        list_import.add_argument("--skip-invalid", action="store_true")
        run = self.add_subcommand("reevaluate", "Re-evaluate everyone checked in a year: who enters, who leaves.")
        run.add_argument("--year", type=int, required=True)
        run.add_argument("--area", required=True, help="An area code (2 to 12 digits).")
        run.add_argument("--export", help="Also write the findings to this .csv or .xlsx file.")
        run.add_argument("--open-cases", action="store_true",
                         help="Open the procedure case of each finding a procedure here acts on.")
        findings = self.add_subcommand("findings", "Act on a re-evaluation's findings.")
        findings.add_argument("action", choices=["open-cases"],
                              help="open-cases: open the procedure case of each open finding one acts on "
                                   "(monitoring identification, risk elimination); idempotent.")
        findings.add_argument("--year", type=int, required=True)
        findings.add_argument("--area", required=True, help="The area code the re-evaluation was run for.")

    def handle_import(self, **options):
        try:
            report = importing.list_import(
                actor=self.actor, path=options["file"], category=options["category"],
                department=options["department"], identified_on=options["date"], procedure=options["procedure"],
                check_year=options["check_year"], dry_run=options["dry_run"], skip_invalid=options["skip_invalid"])
        except ServiceError as error:
            raise CommandError(str(error)) from None
        emit_report(self, report)

    def handle_reevaluate(self, **options):
        try:
            run = reevaluation.reevaluate(actor=self.actor, year=options["year"], area_code=options["area"],
                                          open_cases=options["open_cases"] or None)
        except ServiceError as error:
            raise CommandError(str(error)) from None
        findings = selectors.finding_list(actor=self.actor).filter(reevaluation=run)
        if options["export"]:
            exports.write_findings(findings, options["export"], actor=self.actor)
        rows = [dict(zip(["name", "id_number", "village", "category", "change", "why", "income_per_capita",
                          "household_size", "property_passed", "spending", "status"], row, strict=True))
                for row in exports.finding_rows(findings, actor=self.actor)]
        counts = {key: value for key, value in run.counts.items() if key not in ("thresholds",)}
        if self.output_format == "json":
            self.emit({"year": run.year, "area": run.area_id, "counts": counts,
                       "thresholds": run.counts.get("thresholds", {}), "findings": rows})
        else:
            self.emit(rows, columns=["name", "id_number", "village", "category", "change", "why"])

    def handle_findings(self, **options):
        try:
            code = areacodes.normalise_code(options["area"])
        except ValueError:
            raise CommandError(f"No area has the code {options['area']}.") from None
        run = selectors.reevaluation_list(actor=self.actor).filter(area_id=code, year=options["year"]).first()
        if run is None:
            raise CommandError(f"No re-evaluation of {code} for {options['year']}: run `fupin lowincome reevaluate` "
                               "first.")
        try:
            counts = reevaluation.open_finding_cases(actor=self.actor, run=run)
        except ServiceError as error:
            raise CommandError(str(error)) from None
        cases = list(selectors.finding_list(actor=self.actor).filter(reevaluation=run, case__isnull=False)
                     .order_by("id").values_list("id", "case_id", "case__procedure__code"))
        if self.output_format == "json":
            self.emit({"year": run.year, "area": run.area_id, **counts,
                       "cases": [{"finding": f, "case": c, "procedure": p} for f, c, p in cases]})
        else:
            self.emit([{"finding": f, "case": c, "procedure": p} for f, c, p in cases],
                      columns=["finding", "case", "procedure"])
