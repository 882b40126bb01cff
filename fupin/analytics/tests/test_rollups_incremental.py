"""Incremental rollups: after a county's change only that county's rows are recomputed (its villages, townships
and itself) and its prefecture's and province's rows are re-summed from county rows in SQL — and the table is
exactly what a full recompute writes, including the figures that are not sums (population, incidence)."""

import os
from decimal import Decimal

import pytest

from fupin.analytics import services
from fupin.analytics.models import Rollup
from fupin.areas.models import Area
from fupin.areas.services import area_year_save
from fupin.testing.factories import system_user

from . import scenario

pytestmark = pytest.mark.django_db


@pytest.fixture
def refreshed(settings, tmp_path):
    settings.ANALYTICS_DIR = tmp_path
    households = scenario.build()
    services.rollups_refresh(actor=system_user())
    return households


def table() -> list[tuple]:
    return sorted(Rollup.objects.values_list("area_code", "level", "year", "metric", "breakdown", "value"))


def value(code: str, metric: str, breakdown: str = "") -> Decimal | None:
    row = Rollup.objects.filter(area_code=code, year=2019, metric=metric, breakdown=breakdown).first()
    return row.value if row else None


def incremental_then_full(counties: int) -> list[tuple]:
    """Refresh incrementally (asserting it went county by county), then recompute everything: the same table."""
    summary = services.rollups_refresh(actor=system_user())
    assert summary["rollup_years"] == [2019]
    assert summary["rollup_counties"] == {"2019": counties}
    incremental = table()
    # Every stored metric is either re-summed or re-derived (a new one would be neither).
    assert {row[3] for row in incremental} <= set(services.ADDITIVE) | set(services.NOT_ADDITIVE)
    full = services.rollups_refresh(actor=system_user(), full=True)
    assert full["rollup_counties"] == {}
    assert table() == incremental
    return incremental


def test_a_county_change_recomputes_that_county_and_resums_its_ancestors(refreshed):
    other = dict(Rollup.objects.filter(year=2019, area_code__startswith="533301").values_list(
        "pk", "computed_at"))
    assert (value("533300000000", "poor.persons"), value("530000000000", "poor.persons")) == (11, 11)
    # 腊竹底村's household (福贡县) exits: its county, prefecture and province move; 泸水市's rows stay untouched.
    scenario._year(refreshed["h5"], 2019, "1", income="5000")
    summary = services.rollups_refresh(actor=system_user())
    assert summary["rollup_counties"] == {"2019": 1}
    assert dict(Rollup.objects.filter(year=2019, area_code__startswith="533301").values_list(
        "pk", "computed_at")) == other
    assert value("533323000000", "poor.persons") is None  # nobody poor is not stored
    assert value("533300000000", "poor.persons") == value("530000000000", "poor.persons") == 9
    assert value("530000000000", "poor.persons", "sex:1") + value("530000000000", "poor.persons", "sex:2") == 9
    # Incidence is re-derived from the re-summed poor persons over the prefecture's population (泸水 1,000 by its
    # own figure, 福贡 80 from its village), never added up from the counties' incidences.
    assert value("533300000000", "population") == 1080
    assert float(value("533300000000", "incidence")) == pytest.approx(9 / 1080)
    incremental = table()
    services.rollups_refresh(actor=system_user(), full=True)
    assert table() == incremental


def test_a_population_change_is_re_derived_not_summed(refreshed):
    actor = system_user()
    # A village's population in 福贡县: its county, prefecture and province denominators move.
    area_year_save(actor=actor, area=Area.objects.get(code=scenario.LAZHUDI), year=2019, rural_population=120,
                   instance=Area.objects.get(code=scenario.LAZHUDI).years.get(year=2019))
    incremental_then_full(1)
    assert value("533300000000", "population") == 1120
    assert float(value("533323000000", "incidence")) == pytest.approx(2 / 120, abs=1e-10)
    # 怒江州 gets a figure of its own: it wins over its counties' sum, at the prefecture and the province above it.
    area_year_save(actor=actor, area=Area.objects.get(code="533300000000"), year=2019, rural_population=5000)
    incremental_then_full(1)
    assert value("533300000000", "population") == value("530000000000", "population") == 5000
    assert float(value("533300000000", "incidence")) == pytest.approx(11 / 5000, abs=1e-10)
    assert value("533301000000", "population") == 1000  # the counties keep theirs
    assert float(value("533300000000", "incidence")) != float(value("533301000000", "incidence")) + float(
        value("533323000000", "incidence"))


def test_a_city_without_counties_is_resummed_from_its_townships(refreshed):
    """东莞 has townships straight under the prefecture (its county row would be its own code): its province is
    re-summed from those townships' rows."""
    assert value("440000000000", "poor.persons") == 2
    scenario._year(refreshed["h6"], 2019, "1", income="5000")
    rows = incremental_then_full(1)
    assert value("440000000000", "poor.persons") is None
    assert value("441900000000", "registered.persons") == value("440000000000", "registered.persons") == 2
    assert any(row[0] == "441900003000" and row[3] == "registered.persons" for row in rows)


def test_many_counties_moved_recompute_the_whole_year(refreshed):
    for name in ("h1", "h5", "h6"):
        scenario._year(refreshed[name], 2019, "1", income="5000")
    summary = services.rollups_refresh(actor=system_user())
    assert (summary["rollup_years"], summary["rollup_counties"]) == ([2019], {})
    assert value("533300000000", "poor.persons") == 5  # H1 (4) and H5 (2) out; 三河 and 双奎地 still poor


def test_the_years_list_follows_every_write_of_the_rollups(refreshed):
    """The dashboard's years and "as of" are read from RollupYear (a scan of the rollups takes seconds at national
    size): each refresh that writes a year records its time, an incremental one too, and a year whose snapshot is
    gone leaves the list with its rows."""
    from django.db.models import Max

    from fupin.analytics import selectors
    from fupin.analytics.models import RollupYear, SnapshotPartition
    from fupin.core.models import ChangeMark

    def recorded():
        return {year: at for year, at in RollupYear.objects.values_list("year", "computed_at")}

    def latest_rows():
        return dict(Rollup.objects.values("year").order_by().annotate(at=Max("computed_at")).values_list(
            "year", "at"))

    assert recorded() == latest_rows() and set(recorded()) == {2018, 2019}
    board = selectors.dashboard(actor=system_user(), area_code="533301000000")
    assert (board["years"], board["year"], board["as_of"]) == ([2018, 2019], 2019, recorded()[2019])
    before = recorded()[2019]
    scenario._year(refreshed["h5"], 2019, "1", income="5000")
    assert services.rollups_refresh(actor=system_user())["rollup_counties"] == {"2019": 1}
    assert recorded() == latest_rows() and recorded()[2019] > before
    assert selectors.dashboard(actor=system_user(), area_code="533301000000")["as_of"] == recorded()[2019]
    # A year without records any more (no change marks): its partitions, its rollups and its entry go.
    ChangeMark.objects.filter(year=2018).delete()
    services.rollups_refresh(actor=system_user())
    assert not SnapshotPartition.objects.filter(year=2018).exists()
    assert set(recorded()) == {2019} and not Rollup.objects.filter(year=2018).exists()
    assert selectors.dashboard(actor=system_user())["years"] == [2019]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_read_that_refills_does_not_wait_for_a_held_sqlite_write_lock(settings, tmp_path):
    """On SQLite a long import holds the write lock for minutes. A read whose county changed before it refills the
    partition into its own file and answers the fresh figure at once; the partition is recorded by the next read
    after the lock is released (the test database is in memory, so its rows are copied to a WAL file first)."""
    import sqlite3
    import time

    from django.db import connection, connections

    from fupin.analytics import selectors
    from fupin.analytics.extract import live_path, pending_records
    from fupin.analytics.models import SnapshotPartition
    from fupin.core.changes import change_versions
    from fupin.registry.models import Household

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's write lock")
    settings.ANALYTICS_DIR = tmp_path / "analytics"
    households = scenario.build()
    path = str(tmp_path / "registry.sqlite3")
    copy = sqlite3.connect(path)
    connection.connection.backup(copy)
    copy.close()
    original = connections["default"]
    on_file = original.__class__({**original.settings_dict, "NAME": path}, "default")
    connections["default"] = on_file
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        def poor_in_fugong() -> int:
            rows = selectors.stats(actor=system_user(), metric="poor", year=2019, area_code="533323", level=3)
            return rows[0]["persons"] if rows else 0

        assert poor_in_fugong() == 2
        scenario._year(Household.objects.get(pk=households["h5"].pk), 2019, "1", income="5000")  # committed
        version = change_versions(years=[2019], prefixes=["533323"])[("533323", 2019)]
        holder.execute("BEGIN IMMEDIATE")  # an import's transaction, holding the write lock
        started = time.monotonic()
        assert poor_in_fugong() == 0  # fresh, not the stale 2
        assert time.monotonic() - started < 10  # the busy timeout is 30 s
        recorded = SnapshotPartition.objects.get(year=2019, county_code="533323")
        assert recorded.mark < version  # not recorded: the lock is held
        waiting = next(state for key, state in pending_records.items() if key[1:] == (2019, "533323"))
        assert waiting.mark == version and live_path(2019, waiting.file).exists()
        assert poor_in_fugong() == 0  # read again from the pending file, not refilled a second time
        assert next(state for key, state in pending_records.items() if key[1:] == (2019, "533323")) == waiting
        holder.execute("ROLLBACK")  # the import ends
        assert poor_in_fugong() == 0
        recorded.refresh_from_db()
        assert (recorded.mark, recorded.file) == (version, waiting.file)
        assert not any(key[1:] == (2019, "533323") for key in pending_records)
    finally:
        holder.close()
        on_file.close()
        connections["default"] = original


def test_a_fill_never_replaces_the_record_of_a_later_change(refreshed):
    """Two fills of one partition (a read's pending fill recorded late, two processes): the later change's record
    stays, and the earlier fill's file is retired — kept for the grace period (another thread's read may be reading
    it: the load test's 500s), then swept."""
    from fupin.analytics.extract import live_path, record_partition, sweep_retired
    from fupin.analytics.models import SnapshotPartition

    partition = SnapshotPartition.objects.get(year=2019, county_code="533323")
    earlier = live_path(2019, "county=533323.earlierfill.parquet")
    earlier.write_bytes(b"an earlier fill")
    assert record_partition(2019, "533323", partition.mark - 1, 3, earlier.name) is True
    assert SnapshotPartition.objects.values_list("mark", "file").get(pk=partition.pk) == (
        partition.mark, partition.file)
    assert earlier.exists() and live_path(2019, partition.file).exists()
    os.utime(earlier, (0, 0))  # the grace period has run
    assert sweep_retired() == 1
    assert not earlier.exists() and live_path(2019, partition.file).exists()
