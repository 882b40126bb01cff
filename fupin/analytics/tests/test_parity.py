"""Every metric gives identical results on every engine for the same data: DuckDB and Spark over the Parquet
snapshot, and SQL on the operational database (SQLite, or PostgreSQL when the suite runs on it)."""

import dataclasses

import pytest

from fupin.analytics.engines import get_engine
from fupin.analytics.extract import snapshot_fill
from fupin.analytics.metrics import REGISTRY, StatsQuery, get_metric
from fupin.testing.factories import system_user

from . import scenario

pytestmark = pytest.mark.django_db

QUERIES = [
    *[(name, StatsQuery(year=2019)) for name, metric in sorted(REGISTRY.items()) if metric.area_rows],
    ("poor", StatsQuery(year=2019, by="ethnicity")),
    ("poor", StatsQuery(year=2019, by="age_band", level=3)),
    ("registered", StatsQuery(year=2018, by="sex", area="5333")),
    ("exits", StatsQuery(year=2019, by="cause")),
    ("incidence", StatsQuery(year=2019, area="533301", level=5)),
    ("diff", StatsQuery(year=2019, area="53")),
    ("measures", StatsQuery(year=2019, area="53", line=3000)),
    ("east_west", StatsQuery(year=2019, area="5333")),
    *[(card, StatsQuery(year=2019, area="5333")) for card in ("assistance", "funds", "projects", "personnel")],
    ("measures", StatsQuery(year=2018, area="44", line=2995)),
    *[("mpi", StatsQuery(year=2019, area="53", line=3000, k=k)) for k in range(1, 8)],
]


@pytest.fixture
def registry(settings, tmp_path):
    settings.ANALYTICS_DIR = tmp_path
    scenario.build()
    # Make the indicator dimensions differ between households, so the AF sums are not trivially equal.
    from fupin.registry.models import HouseholdYear

    HouseholdYear.objects.filter(household__area_id=scenario.LAZHUDI).update(housing_secure=False,
                                                                            water_secure=False)
    HouseholdYear.objects.filter(household__area_id=scenario.SANHE).update(medical_secure=False)
    HouseholdYear.objects.filter(household__area_id=scenario.DONGTAI, year=2019).update(monitoring_category="1")
    snapshot_fill()


def test_every_metric_is_asked():
    assert {name for name, _query in QUERIES} == set(REGISTRY)


def test_engines_agree(registry):
    engines = [get_engine(name) for name in ("duckdb", "sql", "spark")]
    for name, query in QUERIES:
        query = dataclasses.replace(query, actor=system_user())
        results = [get_metric(name).compute(engine, query) for engine in engines]
        assert results[0], (name, query)
        assert results[0] == results[1] == results[2], (name, query)
