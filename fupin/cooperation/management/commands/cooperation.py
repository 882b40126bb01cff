from django.core.management.base import CommandError

from fupin.core.cli import FupinCommand, date_argument
from fupin.core.errors import ServiceError

from ... import report, selectors

PAIRING_COLUMNS = ["programme", "helper", "helped", "start_date", "end_date", "status", "agreements",
                   "funds_arrived", "workshops", "talents", "labour_transfers", "purchases"]


class Command(FupinCommand):
    help = "The helping side: pairings from either end, and the East–West cooperation report card."
    has_subcommands = True

    def add_arguments(self, parser):
        super().add_arguments(parser)
        helping = self.add_subcommand("helping", "Whom the helpers in an area help (e.g. 东莞 4419).")
        helped = self.add_subcommand("helped-by", "Who helps an area (e.g. 怒江 5333), and with what.")
        for sub in (helping, helped):
            sub.add_argument("area", help="An area code (2 to 12 digits).")
            sub.add_argument("--on", type=date_argument, help="Only pairings in force on this day (YYYY-MM-DD).")
            sub.add_argument("--programme", help="Only this programme (e.g. east_west, hand_in_hand).")
        assessment = self.add_subcommand("assessment", "The annual assessment in the six areas of the 2017 考核办法.")
        assessment.add_argument("--area", required=True)
        assessment.add_argument("--year", type=int, required=True)
        card = self.add_subcommand("card", "The East–West cooperation report card of a helped area.")
        card.add_argument("--area", required=True)
        card.add_argument("--from", dest="start", type=date_argument, required=True)
        card.add_argument("--to", dest="end", type=date_argument, required=True)

    def _pairings(self, side, options):
        try:
            rows = selectors.pairings_of(actor=self.actor, area_code=options["area"], side=side, on=options["on"],
                                         programme=options["programme"])
        except ServiceError as error:
            raise CommandError(str(error)) from None
        self.emit(rows, columns=PAIRING_COLUMNS)

    def handle_helping(self, **options):
        self._pairings("helper", options)

    def handle_helped_by(self, **options):
        self._pairings("helped", options)

    def handle_card(self, **options):
        try:
            card = report.east_west_card(actor=self.actor, area_code=options["area"], start=options["start"],
                                         end=options["end"])
        except ServiceError as error:
            raise CommandError(str(error)) from None
        if self.output_format == "json":
            self.emit(card)
        else:
            self.emit([{"figure": f["key"], "value": f["value"], "source": f["how"]["source"]}
                       for f in card["figures"]], columns=["figure", "value", "source"])

    def handle_assessment(self, **options):
        try:
            rows = report.assessment(actor=self.actor, area_code=options["area"], year=options["year"])
        except ServiceError as error:
            raise CommandError(str(error)) from None
        self.emit(rows, columns=["area", "indicator", "value", "target", "met"])
