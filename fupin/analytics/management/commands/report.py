import json
from decimal import Decimal

from django.core.management.base import CommandError
from django.core.serializers.json import DjangoJSONEncoder

from fupin.core.cli import FupinCommand, date_argument
from fupin.core.errors import ServiceError
from fupin.core.files.workbooks import SheetWriter

from ...engines import ENGINES
from ...report import as_markdown, east_west_report, render_pdf, report_card, write_xlsx
from ...report_today import as_markdown as today_markdown
from ...report_today import report_today, table

CARD_FORMATS = ("md", "xlsx", "pdf", "json")


class Command(FupinCommand):
    help = "Reports built from the statistics."
    has_subcommands = True

    def add_arguments(self, parser):
        super().add_arguments(parser)
        card = self.add_subcommand("card", "The report card (成绩单) of an area for a year.")
        card.add_argument("--year", type=int, required=True)
        card.add_argument("--area", required=True, help="An area code (2 to 12 digits).")
        card.add_argument("--baseline", type=int, help="The year to compare with (default: the first year held).")
        card.add_argument("--until", type=date_argument,
                          help="End of the period of the cooperation figures (default: the end of --year).")
        card.add_argument("--engine", choices=ENGINES, default="duckdb")
        east_west = self.add_subcommand("east-west", "The East–West cooperation card of a helped area for a period.")
        east_west.add_argument("--area", required=True, help="An area code (2 to 12 digits).")
        east_west.add_argument("--from", dest="start", type=date_argument, required=True)
        east_west.add_argument("--to", dest="end", type=date_argument, required=True)
        today = self.add_subcommand("today", "The report card of today (2021–): monitoring objects, industry "
                                    "measures, incomes, linked funds and assets, with provenance.")
        today.add_argument("--area", required=True, help="An area code (2 to 12 digits).")
        today.add_argument("--year", type=int, required=True, help="A year from 2021 to this year.")
        for sub in (card, east_west, today):
            sub.add_argument("-o", "--output", help="Write to this file (required for xlsx and pdf).")
            # The card's own formats replace the common --format choices.
            for action in sub._actions:
                if action.dest == "format":
                    action.choices, action.default = CARD_FORMATS, "md"

    def handle_card(self, **options):
        self._write(options, lambda: report_card(
            actor=self.actor, year=options["year"], area_code=options["area"], baseline=options["baseline"],
            engine=options["engine"], until=options["until"]))

    def handle_east_west(self, **options):
        self._write(options, lambda: east_west_report(actor=self.actor, area_code=options["area"],
                                                      start=options["start"], end=options["end"]))

    def handle_today(self, **options):
        self._write(options, lambda: report_today(actor=self.actor, area_code=options["area"],
                                                  year=options["year"]), today=True)

    def _write(self, options, make, today: bool = False) -> None:
        kind = options["format"]
        if kind in ("xlsx", "pdf") and not options["output"]:
            raise CommandError(f"--format {kind} writes a file: give -o FILE.")
        if kind == "pdf" and today:
            raise CommandError("The report card of today is written as md, json or xlsx.")
        try:
            card = make()
        except ServiceError as error:
            raise CommandError(str(error)) from None
        if kind == "xlsx" and today:
            header, rows = table(card)
            writer = SheetWriter(options["output"], [str(cell) for cell in header], title=str(card["title"]))
            for row in rows:
                writer.write([float(cell) if isinstance(cell, Decimal) else cell for cell in row])
            writer.close()
            return
        if kind == "xlsx":
            write_xlsx(card, options["output"])
            return
        if kind == "pdf":
            with open(options["output"], "wb") as handle:
                handle.write(render_pdf(card))
            return
        text = json.dumps(card, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2) if kind == "json" \
            else (today_markdown if today else as_markdown)(card)
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as handle:
                handle.write(text)
        else:
            self.stdout.write(text)
