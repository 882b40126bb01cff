"""Incidence, counts and flows on the hand-built registry (scenario.py), with the expected figures worked out by
hand; and frozen snapshots staying put."""

import json
from fractions import Fraction

import pyarrow as pa
import pytest

from fupin.analytics import selectors, services
from fupin.analytics.engines import DuckDBEngine, get_engine
from fupin.analytics.extract import snapshot_fill
from fupin.analytics.metrics import StatsQuery, get_metric
from fupin.analytics.models import SnapshotPartition
from fupin.core.errors import PermissionDenied
from fupin.testing.factories import make_user, system_user

from . import scenario

pytestmark = pytest.mark.django_db

EXPECTED_INCIDENCE_2019 = {  # code: (population, poor persons)
    "530000000000": (1080, 11), "533300000000": (1080, 11),
    "533301000000": (1000, 9), "533323000000": (80, 2),
    "533301001000": (40, 1), "533301102000": (150, 8), "533323101000": (80, 2),
    scenario.SHUANGKUIDI: (40, 1), scenario.LUZHANG: (100, 4), scenario.SANHE: (50, 4), scenario.LAZHUDI: (80, 2),
    "440000000000": (30, 2), "441900000000": (30, 2), "441900003000": (30, 2), scenario.DONGTAI: (30, 2),
}


@pytest.fixture
def registry(settings, tmp_path):
    settings.ANALYTICS_DIR = tmp_path
    households = scenario.build()
    snapshot_fill()
    return households


def incidence(engine_name, **kwargs):
    return selectors.stats(actor=system_user(), metric="incidence", year=2019, engine=engine_name, **kwargs)


@pytest.mark.parametrize("engine_name", ["duckdb", "sql"])
def test_incidence_at_every_level(registry, engine_name):
    rows = incidence(engine_name)
    assert {r["code"]: (r["population"], r["poor"]) for r in rows} == EXPECTED_INCIDENCE_2019
    for row in rows:
        population, poor = EXPECTED_INCIDENCE_2019[row["code"]]
        assert row["incidence"] == poor / population
        assert list(row) == ["code", "name", "level", "year", "population", "poor", "incidence"]
    by_code = {r["code"]: r for r in rows}
    assert by_code["533301000000"]["name"] == "泸水市" and by_code["533301000000"]["level"] == 3
    # 东莞 has no county level: its townships hang under the prefecture, which appears once, at level 2.
    assert by_code["441900000000"]["level"] == 2


def test_incidence_of_one_level_and_area(registry):
    rows = incidence("duckdb", area_code="5333", level=3)
    assert [(r["code"], r["poor"], r["population"]) for r in rows] == [
        ("533301000000", 9, 1000), ("533323000000", 2, 80)]
    assert incidence("duckdb", area_code="533301", level=1) == []


def test_counts_and_breakdowns(registry):
    engine = DuckDBEngine()
    poor = {r["code"]: r for r in get_metric("poor").compute(engine, StatsQuery(year=2019, level=5))}
    assert (poor[scenario.LUZHANG]["households"], poor[scenario.LUZHANG]["persons"]) == (1, 4)
    exits = get_metric("exits").compute(engine, StatsQuery(year=2019, level=1))
    assert [(r["code"], r["households"], r["persons"]) for r in exits] == [("530000000000", 1, 2)]
    returns = get_metric("returns").compute(engine, StatsQuery(year=2019, level=4))
    assert [(r["code"], r["persons"]) for r in returns] == [("533301102000", 4)]
    new = get_metric("new").compute(engine, StatsQuery(year=2019, level=3))
    assert [(r["code"], r["persons"]) for r in new] == [("533301000000", 1)]
    by_sex = get_metric("poor").compute(engine, StatsQuery(year=2019, level=1, area="53", by="age_band"))
    assert sum(r["persons"] for r in by_sex) == 11
    assert {r["by"] for r in by_sex} >= {"0-15", "45-59"}


def test_flows_between_two_snapshots(registry):
    rows = get_metric("diff").compute(DuckDBEngine(), StatsQuery(year=2019, level=1))
    totals = {key: sum(r[key] for r in rows) for key in ("poor_from", "poor_to", "new", "returned",
                                                           "natural_increase", "exited", "natural_decrease")}
    assert totals == {"poor_from": 10, "poor_to": 13, "new": 1, "returned": 4, "natural_increase": 1,
                      "exited": 2, "natural_decrease": 1}
    for row in rows:
        assert row["poor_to"] == (row["poor_from"] + row["new"] + row["returned"] + row["natural_increase"]
                                  - row["exited"] - row["natural_decrease"])


def test_scoped_to_the_users_areas(registry):
    county_clerk = make_user(role="county_approver", area="533323000000")
    rows = selectors.stats(actor=county_clerk, metric="incidence", year=2019)
    assert {r["code"] for r in rows} == {"533323000000", "533323101000", scenario.LAZHUDI}
    from fupin.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        selectors.stats(actor=county_clerk, metric="incidence", year=2019, area_code="533301")
    with pytest.raises(PermissionDenied):
        selectors.stats(actor=make_user(), metric="poor", year=2019)


def test_measures_of_an_area(registry):
    result = selectors.stats(actor=system_user(), metric="measures", year=2019, area_code="53", line=3000)
    # Persons with their household's 2019 income per head: H1 (4), H2 (2), H3 (4), H4 (1), H5 (2).
    incomes = [3100] * 4 + [4200] * 2 + [2900] * 4 + [1800] + [3100] * 2
    assert result["n"] == len(incomes) == 13
    poor = [y for y in incomes if y < 3000]
    assert result["H"] == len(poor) / 13
    assert result["PG"] == pytest.approx(float(sum(Fraction(3000 - y, 3000) for y in poor) / 13), rel=1e-12)
    assert result["line"] == 3000


def test_frozen_snapshot_never_moves(registry):
    before = incidence("duckdb", level=3)
    services.snapshot_freeze(actor=system_user(), year=2019)
    h1 = registry["h1"]
    from fupin.registry.models import HouseholdYear

    # A later correction: H1 had in fact exited in 2019.
    scenario._year(h1, 2019, "1", income="4000")
    HouseholdYear.objects.filter(household=h1, year=2019).update(status="1")
    snapshot_fill()
    assert incidence("duckdb", level=3) == before
    live = get_metric("incidence").compute(get_engine("duckdb", use_frozen=False), StatsQuery(year=2019, level=3))
    assert {r["code"]: r["poor"] for r in live}["533301000000"] == 5
    assert {r["code"]: r["poor"] for r in incidence("sql", level=3)}["533301000000"] == 5


def test_fill_is_incremental_and_recovers(registry, settings):
    from fupin.analytics.engines import live_path
    from fupin.analytics.extract import sweep_retired

    assert snapshot_fill().partitions_written == 0
    scenario._year(registry["h6"], 2019, "0", income="3300")
    report = snapshot_fill()
    assert (report.partitions_written, report.years) == (1, [2019])
    # A fill killed after writing a file but before recording it: the record still holds the counter before the
    # change (and names the old file), so the next fill redoes it; the unrecorded file is never read.
    partition = SnapshotPartition.objects.get(county_code="441900", year=2019)
    SnapshotPartition.objects.filter(pk=partition.pk).update(mark=partition.mark - 1)
    assert snapshot_fill().partitions_written == 1
    # The replaced file stays for reads that listed it, and goes once its grace period has run.
    assert live_path(2019, partition.file).exists()
    settings.ANALYTICS_RETIRED_FILE_SECONDS = 0
    assert sweep_retired() >= 1 and not live_path(2019, partition.file).exists()
    # A missing file is refilled too.
    live_path(2019, SnapshotPartition.objects.get(county_code="533323", year=2019).file).unlink()
    assert snapshot_fill().partitions_written == 1
    # Files written under an older fact schema are refilled.
    SnapshotPartition.objects.filter(year=2018).update(signature="v1")
    assert snapshot_fill().partitions_written == 3
    assert {r["code"]: r["poor"] for r in incidence("duckdb", level=3)}["533323000000"] == 2


def test_cli_incidence_json_contract(registry, capsys):
    from django.core.management import call_command

    call_command("stats", "incidence", "--year", "2019", "--area", "533301", "--level", "county", "--format", "json")
    assert json.loads(capsys.readouterr().out) == [{
        "code": "533301000000", "name": "泸水市", "level": 3, "year": 2019, "population": 1000, "poor": 9,
        "incidence": 0.009}]
    call_command("stats", "incidence", "--year", "2019", "--level", "5", "--engine", "sql", "--format", "csv")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "code,name,level,year,population,poor,incidence"
    assert f"{scenario.SANHE},三河村委会,5,2019,50,4,0.08" in lines


def test_cli_measures_and_mpi_json_contract(registry, capsys):
    from django.core.management import call_command

    call_command("stats", "measures", "--year", "2019", "--area", "53", "--line", "3000", "--format", "json")
    result = json.loads(capsys.readouterr().out)
    assert {"H", "PG", "FGT2", "Watts", "Sen", "Gini", "n", "line"} <= set(result)
    assert (result["n"], result["line"], result["H"]) == (13, 3000, 5 / 13)
    # Without --line the year's line for the province applies (云南 2019: 3747 yuan).
    call_command("stats", "measures", "--year", "2019", "--area", "53", "--format", "json")
    assert json.loads(capsys.readouterr().out)["line"] == 3747
    call_command("stats", "mpi", "--year", "2019", "--area", "53", "--k", "1", "--line", "3000", "--format", "json")
    mpi = json.loads(capsys.readouterr().out)
    # Income is the only deprivation here (every indicator is met): the 5 persons below 3000 at k = 1, none at 2.
    assert (mpi["n"], mpi["q"], mpi["H"], mpi["A"]) == (13, 5, 5 / 13, 1 / 7)
    assert [d["id"] for d in mpi["dimensions"]] == ["food", "clothing", "education", "medical", "housing", "water",
                                                   "income"]


def test_cli_refuses_what_the_user_may_not_see(registry):
    from django.core.management import CommandError, call_command

    make_user(username="fugong", role="county_approver", area="533323000000")
    with pytest.raises(CommandError):
        call_command("stats", "incidence", "--year", "2019", "--area", "533301", "--user", "fugong")


def test_api_is_scoped(registry):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(make_user(role="county_approver", area="533323000000"))
    rows = client.get("/api/stats/incidence/", {"year": 2019, "level": 3}).json()
    assert rows == [{"code": "533323000000", "name": "福贡县", "level": 3, "year": 2019, "population": 80, "poor": 2,
                     "incidence": 0.025}]
    assert client.get("/api/stats/incidence/", {"year": 2019, "area": "5333"}).status_code == 403
    assert client.get("/api/stats/poor/", {"year": 2019, "by": "colour"}).status_code == 400
    assert client.get("/api/stats/nothing/", {"year": 2019}).status_code == 400
    by_sex = client.get("/api/stats/poor/", {"year": 2019, "by": "sex", "level": 3, "engine": "sql"}).json()
    assert sum(r["persons"] for r in by_sex) == 2


def test_refresh_writes_rollups_incrementally(registry):
    from fupin.analytics.models import Rollup

    summary = services.rollups_refresh(actor=system_user())
    assert summary["rollup_years"] == [2018, 2019]
    value = Rollup.objects.get(area_code="533301000000", year=2019, metric="incidence", breakdown="")
    assert float(value.value) == 0.009
    assert Rollup.objects.get(area_code=scenario.LUZHANG, year=2019, metric="poor.households").value == 1
    assert Rollup.objects.filter(year=2019, metric="poor.persons", breakdown__startswith="ethnicity:",
                                 area_code="530000000000").count() >= 1
    assert services.rollups_refresh(actor=system_user())["rollup_years"] == []
    scenario._year(registry["h6"], 2019, "1", income="5000")
    assert services.rollups_refresh(actor=system_user())["rollup_years"] == [2019]
    assert not Rollup.objects.filter(area_code="441900000000", year=2019, metric="poor.persons").exists()
    assert not Rollup.objects.filter(area_code="441900000000", year=2019, metric="poor.persons",
                                     breakdown__startswith="sex:").exists()
    with pytest.raises(PermissionDenied):
        services.rollups_refresh(actor=make_user(role="province_analyst", area="530000000000"))


def test_every_committed_change_queues_one_refresh(registry, settings, django_capture_on_commit_callbacks):
    from fupin.analytics.models import Rollup
    from fupin.jobs.models import Job

    settings.ANALYTICS_AUTO_REFRESH = True
    with django_capture_on_commit_callbacks(execute=True):
        scenario._year(registry["h6"], 2019, "0", income="3300")
    (job,) = Job.objects.filter(kind="analytics.refresh")
    assert job.status == "succeeded" and job.result["rollup_years"] == [2018, 2019]
    assert Rollup.objects.filter(year=2019, metric="incidence").exists()


def test_exit_evaluations_in_sets_agree_with_the_rules(registry):
    from fupin.areas.models import Area
    from fupin.rules import evaluation

    scenario._year(registry["h1"], 2019, "0", income="4000")  # above 云南's 2019 line of 3747
    snapshot_fill()
    rows = get_metric("exit_eligible").compute(DuckDBEngine(), StatsQuery(year=2019, level=1))
    yunnan = next(r for r in rows if r["code"] == "530000000000")
    assert (yunnan["poor_households"], yunnan["eligible_households"]) == (4, 1)
    assert (yunnan["poor_persons"], yunnan["eligible_persons"]) == (11, 4)
    by_rules = [v for v in evaluation.household_exits(year=2019) if v.area_code.startswith("53")]
    assert (len(by_rules), sum(v.eligible for v in by_rules)) == (4, 1)
    for level, name in ((5, "village"), (3, "county")):
        engine_rows = get_metric("area_exits").compute(DuckDBEngine(), StatsQuery(year=2019, level=level, area="53"))
        rules_rows = evaluation.area_exits(level=name, year=2019, visible=Area.objects.all(),
                                           within=Area.objects.get(code="530000000000"))
        assert [(r["code"], r["eligible"], r["poor"], r["population"]) for r in engine_rows] == [
            (v.code, v.eligible, v.poor, v.population) for v in rules_rows]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_fill_outside_a_transaction(settings, tmp_path):
    """Committed data, no caller transaction: on PostgreSQL counties are filled by worker threads on their own
    connections (SQLite fills them in order); the result is the same."""
    settings.ANALYTICS_DIR = tmp_path
    settings.ANALYTICS_FILL_WORKERS = 3
    scenario.build()
    report = snapshot_fill()
    assert (report.rows_written, report.partitions_written) == (14 + 15, 6)  # persons in 2018 and 2019
    assert {r["code"]: r["poor"] for r in incidence("duckdb", level=3)} == {
        "533301000000": 9, "533323000000": 2}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_sqlite_file_is_filled_by_worker_processes_as_by_the_cursor(settings, tmp_path):
    """A large fill from a SQLite file outside a transaction runs in worker processes reading with the ADBC driver:
    the same fact rows, of the same types, as Django's cursor reads (the test database is in memory, so its
    committed rows are copied to a file for the workers), recorded like any fill."""
    import sqlite3

    import pyarrow.parquet as pq
    from django.db import connection

    from fupin.analytics import extract

    if connection.vendor != "sqlite":
        pytest.skip("reads a SQLite file")
    settings.ANALYTICS_DIR = tmp_path / "snapshots"
    scenario.build()
    path = str(tmp_path / "copy.sqlite3")
    copy = sqlite3.connect(path)
    connection.connection.backup(copy)
    copy.close()
    marks = extract._marks(None)
    dirty: dict[int, set[str]] = {}
    for year, county in marks:
        dirty.setdefault(year, set()).add(county)
    filled = dict(extract._fill_in_processes(dirty, marks, path, None))
    assert filled == {2018: 14, 2019: 15}  # persons at each year's end
    for (year, county), mark in marks.items():
        through_cursor = pa.Table.from_batches(list(extract._sqlite_batches(extract._partition_sql(year, county))),
                                               schema=extract.ARROW_SCHEMA)
        partition = SnapshotPartition.objects.get(year=year, county_code=county)
        assert pq.read_table(extract.live_path(year, partition.file)).equals(through_cursor)
        assert partition.mark == mark
    assert {r["code"]: r["poor"] for r in incidence("duckdb", level=3)} == {"533301000000": 9, "533323000000": 2}

    # A county whose query fails stops the fill; what was recorded before still matches its file.
    SnapshotPartition.objects.all().delete()
    broken = extract._partition_sql

    def failing(year, county):
        return "SELECT no_such_column FROM registry_household" if county == "533323" else broken(year, county)

    extract._partition_sql = failing
    try:
        with pytest.raises(Exception, match="no_such_column"):
            dict(extract._fill_in_processes(dirty, marks, path, None))
    finally:
        extract._partition_sql = broken
    assert ("533323" not in set(SnapshotPartition.objects.values_list("county_code", flat=True)))
    for partition in SnapshotPartition.objects.filter(rows__gt=0):
        assert pq.read_table(extract.live_path(partition.year, partition.file)).num_rows == partition.rows


def test_worker_reads_text_after_a_first_batch_of_nulls(tmp_path):
    """The driver types a column from its first rows: a text column NULL for the first 2,000 rows still reads."""
    import sqlite3

    import pyarrow.parquet as pq

    from fupin.analytics.extract import ARROW_SCHEMA
    from fupin.analytics.facts import FACT_COLUMNS
    from fupin.analytics.partition_files import write_partition

    path = str(tmp_path / "nulls.sqlite3")
    sqlite3.connect(path).close()
    columns = ", ".join("CASE WHEN i = 2001 THEN 'x' END AS household_number" if name == "household_number" else
                        f"i AS {name}" if name == "member_id" else f"NULL AS {name}" for name in FACT_COLUMNS)
    sql = (f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2001) "
           f"SELECT {columns} FROM n")
    assert write_partition(path, sql, ARROW_SCHEMA, str(tmp_path / "out.parquet")) == 2001
    rows = pq.read_table(tmp_path / "out.parquet").to_pylist()
    assert rows[0]["member_id"] == 1 and [row["household_number"] for row in rows[-2:]] == [None, "x"]


@pytest.fixture
def ethnic_registry(settings, tmp_path):
    """The scenario with its members' groups set (彝族 07 in 鲁掌, 三河 and 腊竹底; 汉族 01 in 双奎地 and 东泰) and
    彝族 populations recorded for 鲁掌 40, 三河 20, 腊竹底 50 and 泸水市 300 (its own figure wins over its villages)."""
    from fupin.areas.models import AreaEthnicPopulation
    from fupin.registry.models import Member

    settings.ANALYTICS_DIR = tmp_path
    households = scenario.build()
    Member.objects.filter(household__in=[households[k] for k in ("h1", "h3", "h5")]).update(ethnicity="07")
    Member.objects.filter(household__in=[households[k] for k in ("h4", "h6")]).update(ethnicity="01")
    for code, population in {scenario.LUZHANG: 40, scenario.SANHE: 20, scenario.LAZHUDI: 50,
                             "533301000000": 300}.items():
        AreaEthnicPopulation.objects.create(area_id=code, year=2019, ethnicity="07", rural_population=population)
    snapshot_fill()
    return households


# (code, group): (population, poor persons), worked out by hand from the docstring above: a township or prefecture
# without its own figure adds up the nearest recorded ones below it; a group without a population has no incidence.
EXPECTED_ETHNIC_INCIDENCE_2019 = {
    (scenario.LUZHANG, "07"): (40, 4), (scenario.SANHE, "07"): (20, 4), ("533301102000", "07"): (60, 8),
    ("533301000000", "07"): (300, 8), (scenario.LAZHUDI, "07"): (50, 2), ("533323000000", "07"): (50, 2),
    ("533300000000", "07"): (350, 10), ("530000000000", "07"): (350, 10),
    (scenario.SHUANGKUIDI, "01"): (None, 1), ("533301000000", "01"): (None, 1), ("530000000000", "01"): (None, 1),
    (scenario.DONGTAI, "01"): (None, 2), ("440000000000", "01"): (None, 2),
}


def test_incidence_by_ethnic_group_divides_by_the_groups_own_population(ethnic_registry):
    rows = {(row["code"], row["by"]): row for row in incidence("duckdb", by="ethnicity")}
    for key, (population, poor) in EXPECTED_ETHNIC_INCIDENCE_2019.items():
        row = rows[key]
        assert (row["population"], row["poor"], row["share_of"]) == (population, poor, "group"), key
        assert row["incidence"] == (poor / population if population else None), key
    # One row per area and group: before, the last group's count silently replaced the others'.
    assert len(rows) == len(incidence("duckdb", by="ethnicity"))


def test_incidence_by_other_breakdowns_gives_each_groups_part_of_the_areas_incidence(ethnic_registry):
    whole = {row["code"]: row for row in incidence("duckdb")}
    parts: dict[str, list[dict]] = {}
    for row in incidence("duckdb", by="sex"):
        parts.setdefault(row["code"], []).append(row)
        population = whole[row["code"]]["population"]
        assert row["share_of"] == "area" and row["population"] == population
        assert row["incidence"] == (row["poor"] / population if population else None)
    for code, rows in parts.items():  # the parts add up to the whole
        assert sum(row["poor"] for row in rows) == whole[code]["poor"], code
