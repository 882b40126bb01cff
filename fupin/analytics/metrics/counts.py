"""Registered persons and households by area and year: the poor, exits, returns, new identifications and
monitoring objects. Each is a filter on the fact table; adding another count is one more subclass here or in a
file of its own."""

from abc import abstractmethod

from django.utils.translation import gettext_lazy as _

from fupin.registry import codelists as cl

from .base import PERSONS_AND_HOUSEHOLDS, Metric, StatsQuery, area_names, area_rows, area_sums, register, sort_rows

# The counts a refresh precomputes as rollups ("<name>.persons" and "<name>.households" per area and year), and so
# the ones the statistics API answers from the rollups when they are fresh.
ROLLUP_COUNTS = ("poor", "registered", "exits", "returns", "new", "monitored")


class CountMetric(Metric):
    columns = ("code", "name", "level", "year", "households", "persons")

    @abstractmethod
    def condition(self, table, year: int):
        """Which fact rows the count takes (an Ibis boolean expression)."""

    def compute(self, engine, query: StatsQuery) -> list[dict]:
        table = self.facts(engine, query)
        table = table.filter(self.condition(table, query.year))
        rows = area_rows(engine, query, area_sums(table, query, PERSONS_AND_HOUSEHOLDS))
        names = area_names(row["code"] for row in rows)
        result = []
        for row in rows:
            item = {"code": row["code"], "name": names.get(row["code"], ""), "level": row["level"],
                    "year": query.year, "households": int(row["households"]), "persons": int(row["persons"])}
            if query.by:
                item["by"] = row["by"]
            result.append(item)
        return sort_rows(result)


@register
class Poor(CountMetric):
    name = "poor"
    label = _("registered poor at year end")

    def condition(self, table, year):
        return table.status.isin(sorted(cl.POOR_STATUSES))


@register
class Registered(CountMetric):
    name = "registered"
    label = _("registered poor and out of poverty (建档立卡)")

    def condition(self, table, year):
        return table.status.isin(sorted(cl.POOR_STATUSES | cl.EXITED_STATUSES))


@register
class Exits(CountMetric):
    name = "exits"
    label = _("out of poverty in the year")

    def condition(self, table, year):
        return (table.exit_year == year) & table.status.isin(sorted(cl.EXITED_STATUSES))


@register
class Returns(CountMetric):
    name = "returns"
    label = _("returned to poverty in the year")

    def condition(self, table, year):
        return table.return_year == year


@register
class NewlyIdentified(CountMetric):
    name = "new"
    label = _("newly identified in the year")

    def condition(self, table, year):
        return (table.identified_year == year) & (table.status != cl.ORDINARY)


@register
class Monitored(CountMetric):
    name = "monitored"
    label = _("monitoring objects (2021 on)")

    def condition(self, table, year):
        return table.monitoring_category != ""
