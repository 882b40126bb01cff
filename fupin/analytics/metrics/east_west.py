"""The East–West cooperation report card as a metric: the year of the query is the period (or the query's own
start and end). It reads the cooperation records of the operational database on every engine."""

import datetime

from django.utils.translation import gettext_lazy as _

from fupin.cooperation.report import east_west_card

from .base import Metric, StatsQuery, register


@register
class EastWest(Metric):
    name = "east_west"
    label = _("East–West cooperation report card")
    columns = ("key", "value")
    area_rows = False

    def compute(self, engine, query: StatsQuery) -> dict:
        start = query.start or datetime.date(query.year, 1, 1)
        end = query.end or datetime.date(query.year, 12, 31)
        return east_west_card(actor=query.actor, area_code=query.area or "", start=start, end=end)
