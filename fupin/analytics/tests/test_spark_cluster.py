"""The Spark engine on a real standalone cluster: a master and two workers, each its own JVM on this machine
(fupin.testing.spark_cluster), every metric computed there and equal to DuckDB's answer, and the statistics
refresh computing a year's rollups there (`ANALYTICS_REFRESH_ENGINE = "spark"`), equal to DuckDB's rollups.
The executors read the snapshot at `ANALYTICS_SNAPSHOT_URL` — here another path (a symlink) to the same folder,
so the test sees that they open the shared address and not the driver's folder.

Java is required, not optional: without it the test fails and says how to install it."""

import dataclasses
import time

import pytest

from fupin.analytics import services
from fupin.analytics.engines import SparkEngine, executor_url, get_engine
from fupin.analytics.extract import snapshot_fill
from fupin.analytics.metrics import REGISTRY, get_metric
from fupin.analytics.models import Rollup
from fupin.testing.factories import system_user
from fupin.testing.spark_cluster import SparkCluster, java_missing

from . import scenario
from .test_parity import QUERIES

pytestmark = pytest.mark.django_db

# Every metric once: its first query in the parity test (which asks each on local Spark in more ways).
CLUSTER_QUERIES = list({name: (name, query) for name, query in reversed(QUERIES)}.values())


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A master and two workers (1 core, 1 GiB each), started when the module starts and stopped, by pid, when it
    ends — they start while the test builds its registry."""
    reason = java_missing()
    if reason:
        pytest.fail(reason)
    cluster = SparkCluster(tmp_path_factory.mktemp("spark-cluster"), workers=2).start()
    try:
        yield cluster
    finally:
        SparkEngine.stop(master=cluster.url)  # a later test's local session starts afresh
        cluster.stop()


@pytest.fixture
def registry(settings, tmp_path):
    settings.ANALYTICS_DIR = tmp_path / "analytics"
    settings.ANALYTICS_DIR.mkdir()
    households = scenario.build()
    # The same variations as the parity test, so the MPI's indicator sums are not trivially equal.
    from fupin.registry.models import HouseholdYear

    HouseholdYear.objects.filter(household__area_id=scenario.LAZHUDI).update(housing_secure=False,
                                                                            water_secure=False)
    HouseholdYear.objects.filter(household__area_id=scenario.SANHE).update(medical_secure=False)
    HouseholdYear.objects.filter(household__area_id=scenario.DONGTAI, year=2019).update(monitoring_category="1")
    snapshot_fill()
    return households


def rollup_table() -> list[tuple]:
    return sorted(Rollup.objects.values_list("area_code", "level", "year", "metric", "breakdown", "value"))


def rollup_value(code: str, metric: str) -> int | None:
    row = Rollup.objects.filter(area_code=code, year=2019, metric=metric, breakdown="").first()
    return row.value if row else None


class Phases:
    """Wall time of each phase, printed at the end (docs/spark.md quotes them)."""

    def __init__(self):
        self.last = self.first = time.monotonic()
        self.times = []

    def __call__(self, name: str) -> None:
        now = time.monotonic()
        self.times.append(f"{name} {now - self.last:.1f} s")
        self.last = now

    def __str__(self) -> str:
        return f"{'; '.join(self.times)}; body {time.monotonic() - self.first:.1f} s"


def test_every_metric_is_asked_on_the_cluster():
    assert {name for name, _query in CLUSTER_QUERIES} == set(REGISTRY)


def test_metrics_and_rollups_on_a_standalone_cluster(cluster, registry, settings, tmp_path):
    phase = Phases()
    actor = system_user()
    queries = [(name, dataclasses.replace(query, actor=actor)) for name, query in CLUSTER_QUERIES]
    # DuckDB's answers and rollups first, while the cluster's JVMs are still starting.
    duckdb = get_engine("duckdb")
    expected = [get_metric(name).compute(duckdb, query) for name, query in queries]
    services.rollups_refresh(actor=actor, full=True, engine="duckdb")
    expected_rollups = rollup_table()
    # Hand figures of the scenario (2019): 泸水市 H1 4 poor + H3 returned 4 + H4 new 1, 福贡县 H5 2 → 怒江州 11.
    assert (rollup_value("533300000000", "poor.persons"), rollup_value("530000000000", "poor.persons")) == (11, 11)
    phase("duckdb")

    ready = cluster.wait_ready()
    phase("waiting for the cluster")
    assert cluster.alive_workers() == 2
    # Executors open the snapshot through its shared address: another path to the same folder.
    shared = tmp_path / "shared-snapshots"
    shared.symlink_to(settings.ANALYTICS_DIR, target_is_directory=True)
    settings.ANALYTICS_SNAPSHOT_URL = f"file://{shared}"
    settings.ANALYTICS_SPARK_MASTER = cluster.url
    settings.ANALYTICS_SPARK_CONF = {
        "spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1",
        "spark.executor.memory": "512m", "spark.executor.cores": "1",
        # The first job waits until both executors have registered (up to a minute), so both take part.
        "spark.scheduler.minRegisteredResourcesRatio": "1.0",
        "spark.scheduler.maxRegisteredResourcesWaitingTime": "60s",
        # A small registry: two shuffle partitions, no adaptive re-planning, a light JIT in the executors.
        "spark.sql.shuffle.partitions": "2", "spark.sql.adaptive.enabled": "false",
        "spark.executor.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
    }
    spark = get_engine("spark")
    assert spark.spark.sparkContext.master == cluster.url
    phase("session")

    # Every metric on the cluster, equal to DuckDB's answer.
    for (name, query), answer in zip(queries, expected, strict=True):
        assert answer, (name, query)
        assert get_metric(name).compute(spark, query) == answer, (name, query)
    views = [table.name for table in spark.spark.catalog.listTables() if table.name.startswith("facts_")]
    files = spark.spark.table(views[-1]).inputFiles()
    assert files and all(file.startswith(f"file://{shared}/snapshots/") for file in files), files
    # Both workers ran an executor for this application: the master's own account.
    applications = cluster.state()["activeapps"]
    assert [(app["name"], app["cores"]) for app in applications] == [("fupin", 2)]
    executors = spark.spark.sparkContext._jsc.sc().getExecutorMemoryStatus().size()
    assert executors == 3  # the driver's block manager and the two executors'
    phase(f"{len(queries)} metrics")

    # The refresh computes its rollups on the cluster (the setting, as a background refresh reads it): the same
    # rows as DuckDB's. One year (its nine queries); the other year's rows stay DuckDB's.
    settings.ANALYTICS_REFRESH_ENGINE = "spark"
    Rollup.objects.filter(year=2019).delete()
    summary = services.rollups_refresh(actor=actor, full=True, years=[2019])
    assert summary["rollup_years"] == [2019]
    assert rollup_table() == expected_rollups
    assert (rollup_value("533300000000", "poor.persons"), rollup_value("530000000000", "poor.persons")) == (11, 11)
    phase("rollups")
    print(f"\nSpark cluster: workers registered {ready:.1f} s after start; {phase}")


def test_local_sessions_are_unaffected(settings):
    """After the cluster test (same process), the engine is back in local mode on the default settings."""
    spark = get_engine("spark")
    assert settings.ANALYTICS_SPARK_MASTER.startswith("local")
    assert spark.spark.sparkContext.master == settings.ANALYTICS_SPARK_MASTER
    assert spark.spark.range(3).count() == 3


@pytest.mark.django_db(databases=[])
def test_executors_read_the_snapshot_at_its_shared_address(settings, tmp_path):
    settings.ANALYTICS_DIR = tmp_path / "analytics"
    file = settings.ANALYTICS_DIR / "snapshots" / "db1" / "live" / "year=2019" / "county=533301.ab12.parquet"
    settings.ANALYTICS_SNAPSHOT_URL = ""
    assert executor_url(file) == f"file://{file}"
    settings.ANALYTICS_SNAPSHOT_URL = "s3a://fupin-statistics/analytics/"
    assert executor_url(file) == "s3a://fupin-statistics/analytics/snapshots/db1/live/year=2019/county=533301.ab12.parquet"
    settings.ANALYTICS_SNAPSHOT_URL = "file:///mnt/fupin-analytics"
    assert executor_url(file) == "file:///mnt/fupin-analytics/snapshots/db1/live/year=2019/county=533301.ab12.parquet"
    with pytest.raises(ValueError, match="not under ANALYTICS_DIR"):
        executor_url(tmp_path / "elsewhere.parquet")
