"""The statistics API answers counts and incidence from the rollups when they are fresh (issue 23: p95 ≤ 300 ms),
and from the snapshot when they are not: the two give the same rows for every query they can both answer, and a
change since the refresh sends the next answer to the snapshot instead of passing the rollup off as current."""

import pytest

from fupin.analytics import selectors, services
from fupin.analytics.metrics.counts import ROLLUP_COUNTS
from fupin.registry.services import household_year_save
from fupin.testing.factories import make_user, system_user

from . import scenario

pytestmark = pytest.mark.django_db

QUERIES = [{}, {"level": 5}, {"level": 3}, {"area_code": "53"}, {"area_code": "533301"},
           {"area_code": "533301", "level": 4}, {"area_code": "441900"}, {"area_code": "5333", "level": 2}]


@pytest.fixture
def refreshed(settings, tmp_path):
    settings.ANALYTICS_DIR = tmp_path
    households = scenario.build()
    services.rollups_refresh(actor=system_user())
    return households


def answers(actor, metric, year=2019, **options):
    from_rollups, answered_by = selectors.stats_answer(actor=actor, metric=metric, year=year, engine="rollups",
                                                       **options)
    computed = selectors.stats(actor=actor, metric=metric, year=year, engine="duckdb", **options)
    return from_rollups, answered_by, computed


@pytest.mark.parametrize("metric", [*ROLLUP_COUNTS, "incidence"])
def test_rollups_answer_what_the_snapshot_computes(refreshed, metric):
    for actor in (system_user(), make_user(role="county_approver", area="533301000000")):
        for options in QUERIES:
            if options.get("area_code", "533301").startswith("533301") or actor.is_superuser:
                from_rollups, answered_by, computed = answers(actor, metric, **options)
                assert answered_by == "rollups", (metric, options)
                assert from_rollups == computed, (metric, options)


def test_hand_computed_figures_from_the_rollups(refreshed):
    rows, answered_by = selectors.stats_answer(actor=system_user(), metric="incidence", year=2019, engine="rollups",
                                               area_code="533301", level=3)
    assert answered_by == "rollups"
    # 泸水市 2019: H1 (4 with the baby), H3 returned (4) and H4 new (1) are poor; its own population figure is 1000.
    assert rows == [{"code": "533301000000", "name": "泸水市", "level": 3, "year": 2019, "population": 1000,
                     "poor": 9, "incidence": 0.009}]


def test_what_rollups_do_not_hold_is_computed(refreshed):
    actor = system_user()
    for metric, options in (("poor", {"by": "sex"}), ("measures", {}), ("exit_eligible", {}), ("poor", {"year": 2016})):
        year = options.pop("year", 2019)
        _rows, answered_by = selectors.stats_answer(actor=actor, metric=metric, year=year, engine="rollups",
                                                    **options)
        assert answered_by == "duckdb", (metric, options)


def test_a_change_since_the_refresh_is_never_answered_from_the_rollups(refreshed):
    actor = system_user()
    h5 = refreshed["h5"]
    household_year_save(actor=actor, household=h5, year=2019, data={"status": "1", "exit_year": 2019})
    from_rollups, answered_by, computed = answers(actor, "poor", area_code="533323", level=3)
    assert answered_by == "duckdb"
    assert from_rollups == computed == selectors.stats(actor=actor, metric="poor", year=2019, engine="sql",
                                                       area_code="533323", level=3)
    # Areas the change did not touch still read their rollups.
    assert answers(actor, "poor", area_code="533301", level=3)[1] == "rollups"


def test_the_api_says_what_answered(refreshed, client):
    client.force_login(system_user())
    response = client.get("/api/stats/poor/", {"year": 2019, "level": 3})
    assert response.status_code == 200
    assert response["X-Fupin-Answered-By"] == "rollups"
    assert response.json() == selectors.stats(actor=system_user(), metric="poor", year=2019, engine="sql", level=3)
    response = client.get("/api/stats/poor/", {"year": 2019, "level": 3, "engine": "sql"})
    assert response["X-Fupin-Answered-By"] == "sql"
