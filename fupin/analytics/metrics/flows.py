"""Flows between two year-end snapshots (新增 / 退出 / 返贫 / 自然增减), person by person.

For persons poor at the end of the later year (PB) but not the earlier (PA): returned (返贫: out of poverty in the
earlier year), new (新识别: their household was identified after the earlier year), or natural increase (born or
married into a poor household). For persons in PA but not PB: exited (out of poverty in the later year) or natural
decrease (died, moved out, or removed from the register). So PB = PA + new + returned + increase − exited −
decrease holds for every area by construction."""

import ibis
from django.utils.translation import gettext_lazy as _

from fupin.registry import codelists as cl

from .base import Metric, StatsQuery, area_names, area_rows, area_sums, register, sort_rows

FLOWS = ("poor_from", "poor_to", "new", "returned", "natural_increase", "exited", "natural_decrease")


@register
class SnapshotDiff(Metric):
    name = "diff"
    label = _("changes between two year-end snapshots")
    columns = ("code", "name", "level", "from_year", "year", *FLOWS)

    def compute(self, engine, query: StatsQuery, from_year: int | None = None) -> list[dict]:
        earlier_year = from_year if from_year is not None else query.year - 1
        earlier = self.facts(engine, query, [earlier_year])
        later = self.facts(engine, query, [query.year])
        poor = sorted(cl.POOR_STATUSES)
        exited = sorted(cl.EXITED_STATUSES)
        a = earlier.select(a_member=earlier.member_id, a_status=earlier.status, a_village=earlier.village)
        b = later.select(b_member=later.member_id, b_status=later.status, b_identified=later.identified_year,
                         b_village=later.village)
        joined = a.outer_join(b, a.a_member == b.b_member)
        in_a = joined.a_status.isin(poor).fill_null(False)
        in_b = joined.b_status.isin(poor).fill_null(False)
        was_exited = joined.a_status.isin(exited).fill_null(False)
        is_exited = joined.b_status.isin(exited).fill_null(False)
        entering = in_b & ~in_a
        leaving = in_a & ~in_b
        returned = entering & was_exited
        new = entering & ~was_exited & (joined.b_identified > earlier_year).fill_null(False)
        flags = {
            "poor_from": in_a, "poor_to": in_b, "new": new, "returned": returned,
            "natural_increase": entering & ~returned & ~new,
            "exited": leaving & is_exited, "natural_decrease": leaving & ~is_exited,
        }
        table = joined.select(
            village=ibis.coalesce(joined.b_village, joined.a_village),
            **{name: ibis.ifelse(flag, 1, 0).cast("int64") for name, flag in flags.items()},
        )
        measures = {name: (lambda t, name=name: t[name].sum()) for name in FLOWS}
        rows = area_rows(engine, query, area_sums(table, query, measures))
        names = area_names(row["code"] for row in rows)
        return sort_rows([{"code": row["code"], "name": names.get(row["code"], ""), "level": row["level"],
                           "from_year": earlier_year, "year": query.year,
                           **{name: int(row[name] or 0) for name in FLOWS}} for row in rows])
