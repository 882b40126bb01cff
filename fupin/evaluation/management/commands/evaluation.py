from django.core.management.base import CommandError

from fupin.core.cli import FupinCommand, emit_report
from fupin.core.errors import ServiceError

from ... import selectors, services
from ...importing import roster_import
from ...report import render_pdf, write_xlsx

REPORT_FORMATS = ("pdf", "xlsx")


class Command(FupinCommand):
    help = "Third-party evaluation (第三方评估): draw a county's sample, compute 三率一度, write the report."
    has_subcommands = True

    def add_arguments(self, parser):
        super().add_arguments(parser)
        frame = self.add_subcommand("frame", "Create an evaluation of a county and draw its sample from a seed.")
        frame.add_argument("--area", required=True, help="The county's code (6 or 12 digits).")
        frame.add_argument("--year", type=int, required=True)
        frame.add_argument("--seed", type=int, required=True, help="The same seed draws the same sample.")
        frame.add_argument("--villages", type=int, help="Villages to sample (default: every village).")
        frame.add_argument("--ordinary-per-village", type=int, default=10,
                           help="Ordinary households to sample in each sampled village (default 10).")
        frame.add_argument("--questionnaire", default="household", help="Questionnaire code (latest version).")
        figures = self.add_subcommand("figures", "错退率, 漏评率, 群众认可度 and 综合贫困发生率 with 95 % intervals, "
                                                 "and the verdict.")
        figures.add_argument("evaluation", type=int)
        report = self.add_subcommand("report", "The evaluation report as PDF or xlsx.")
        report.add_argument("evaluation", type=int)
        report.add_argument("-o", "--output", required=True, help="The file to write.")
        roster = self.add_subcommand("roster-import", "Import village household rosters (农户花名册): CSV or xlsx.")
        roster.add_argument("path")
        roster.add_argument("--dry-run", action="store_true")
        roster.add_argument("--skip-invalid", action="store_true", help="Write the valid rows, report the others.")
        survey = self.add_subcommand("roster-draw", "Draw a roster survey of a county from its imported rosters.")
        survey.add_argument("--area", required=True, help="The county's code (6 or 12 digits).")
        survey.add_argument("--year", type=int, required=True)
        survey.add_argument("--seed", type=int, required=True, help="The same seed draws the same sample.")
        survey.add_argument("--villages", type=int, help="Villages to sample (default: every village).")
        survey.add_argument("--per-village", type=int, default=10, help="Roster households per village (10).")
        estimates = self.add_subcommand("roster-estimates", "漏评 and 漏监测 of a roster survey with 95 % intervals.")
        estimates.add_argument("survey", type=int)
        for action in report._actions:  # the report's own formats replace the common --format choices
            if action.dest == "format":
                action.choices, action.default = REPORT_FORMATS, "pdf"

    def _run(self, function, **kwargs):
        try:
            return function(actor=self.actor, **kwargs)
        except ServiceError as error:
            raise CommandError(str(error)) from None

    def handle_frame(self, **options):
        evaluation = self._run(services.evaluation_create, area_code=options["area"], year=options["year"],
                               seed=options["seed"], villages=options["villages"],
                               ordinary_per_village=options["ordinary_per_village"],
                               questionnaire=options["questionnaire"])
        contract = selectors.frame_contract(evaluation)
        if self.output_format == "json":
            self.emit(contract)
        else:
            self.emit(contract["households"], columns=["household", "village", "stratum", "weight"],
                      title=f"evaluation {evaluation.pk}")

    def _evaluation(self, pk):
        return self._run(selectors.evaluation_get, pk=pk)

    def handle_figures(self, **options):
        evaluation = self._evaluation(options["evaluation"])
        result = self._run(selectors.evaluation_figures, evaluation=evaluation)
        if self.output_format == "json":
            self.emit(result)
            return
        rows = [{"indicator": key, **{k: item[k] for k in ("estimate", "ci_low", "ci_high", "comparison",
                                                            "threshold", "passed")}}
                for key, item in result["indicators"].items()]
        self.emit(rows, title=f"passed: {result['verdict']['passed']}")

    def handle_report(self, **options):
        evaluation = self._evaluation(options["evaluation"])
        result = self._run(selectors.evaluation_figures, evaluation=evaluation)
        if options["format"] == "xlsx":
            write_xlsx(evaluation, result, options["output"])
        else:
            with open(options["output"], "wb") as handle:
                handle.write(render_pdf(evaluation, result))

    def handle_roster_import(self, **options):
        report = self._run(roster_import, kind="roster", path=options["path"], dry_run=options["dry_run"],
                           skip_invalid=options["skip_invalid"])
        emit_report(self, report)

    def handle_roster_draw(self, **options):
        survey = self._run(services.roster_survey_create, area_code=options["area"], year=options["year"],
                           seed=options["seed"], villages=options["villages"],
                           households_per_village=options["per_village"])
        self.emit({"survey": survey.pk, "villages_total": survey.villages_total,
                   "households": survey.entries.count()}, title=f"roster survey {survey.pk}")

    def handle_roster_estimates(self, **options):
        survey = self._run(selectors.roster_survey_get, pk=options["survey"])
        result = selectors.roster_estimates(survey)
        result.pop("estimates")
        self.emit(result)
