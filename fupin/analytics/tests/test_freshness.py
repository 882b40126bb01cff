"""Statistics are never stale and never another database's: every registry write marks what it changed, every
snapshot read refills what moved first, rollups say when they were computed and whether they are being refreshed,
and a snapshot folder belongs to its database."""

import datetime
import json
import shutil

import pytest
from django.core.management import call_command
from django.db import connections

from fupin.analytics import selectors, services
from fupin.analytics.extract import snapshot_fill
from fupin.analytics.models import SnapshotPartition
from fupin.areas.models import Area
from fupin.areas.services import area_year_save
from fupin.core.changes import change_versions, database_identity
from fupin.core.models import ChangeMark, DatabaseIdentity
from fupin.registry import services as registry
from fupin.registry.importing import households_import
from fupin.registry.models import DuplicateCandidate, Household
from fupin.testing.factories import id_number, member_data, system_user

from . import scenario

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry_filled(settings, tmp_path):
    settings.ANALYTICS_DIR = tmp_path
    households = scenario.build()
    services.rollups_refresh(actor=system_user())
    return households


def figures(year=2019) -> dict:
    """What the snapshot engine answers (no fill asked for), checked against the live registry (the `sql` engine)."""
    actor = system_user()
    asked = {"poor": {"level": 5}, "registered": {}}
    result = {}
    for metric, options in asked.items():
        for by in (None, "ethnicity", "attribute"):
            snapshot = selectors.stats(actor=actor, metric=metric, year=year, engine="duckdb", by=by, **options)
            live = selectors.stats(actor=actor, metric=metric, year=year, engine="sql", by=by, **options)
            assert snapshot == live, (metric, by)
            result[(metric, by)] = snapshot
    return result


def poor_in(code: str, year=2019) -> int:
    rows = selectors.stats(actor=system_user(), metric="poor", year=year, area_code=code, level=3)
    return rows[0]["persons"] if rows else 0


def fresh(h: Household) -> Household:
    return Household.objects.get(pk=h.pk)


def test_every_registry_write_moves_the_statistics_read_next(registry_filled, tmp_path):
    """Each write service of the registry (forms, API, procedures and imports all call them), then a statistic
    read from the Parquet snapshot without any refresh asked for: it has moved, to what the live registry says."""
    actor = system_user()
    h = registry_filled
    county = "533301"

    def write(description, action, moves=True):
        before = figures()
        version = change_versions(years=[2019], prefixes=[county]).get((county, 2019), 0)
        action()
        assert change_versions(years=[2019], prefixes=[county])[(county, 2019)] > version, description
        after = figures()
        assert (after != before) == moves, description

    assert poor_in(county) == 9
    write("register", lambda: registry.household_register(
        actor=actor, area_code=scenario.LUZHANG, year=2019,
        household={"number": "533301102201999", "attribute": "一般贫困户", "main_cause": "缺技术", "status": "0",
                   "identified_year": 2019},
        members=[member_data(name="新户主", relation="户主", id_number=id_number("533301", "19700101", "901"))],
        year_data={"size_end": 1, "status": "0", "wage_income": "1000"}))
    assert poor_in(county) == 10
    write("update", lambda: registry.household_update(
        actor=actor, household=fresh(h["h1"]), version=fresh(h["h1"]).version, changes={"attribute": "低保贫困户"}))
    member = fresh(h["h1"]).members.filter(relation="01").first()
    write("member update", lambda: registry.member_update(
        actor=actor, member=member, household_version=fresh(h["h1"]).version, changes={"ethnicity": "怒族"}))
    write("join", lambda: registry.member_join(
        actor=actor, household=fresh(h["h4"]), household_version=fresh(h["h4"]).version, kind="birth",
        date=datetime.date(2019, 5, 1), data=member_data(name="新生", relation="之子",
                                                         id_number=id_number("533301", "20190501", "903"))))
    assert poor_in(county) == 11
    leaving = fresh(h["h1"]).members.exclude(relation="01").order_by("pk").first()
    write("leave", lambda: registry.member_leave(
        actor=actor, member=leaving, household_version=fresh(h["h1"]).version, kind="death",
        date=datetime.date(2019, 2, 1)))
    assert poor_in(county) == 10
    moving = fresh(h["h1"]).members.filter(is_active=True).exclude(relation="01").order_by("pk").first()
    write("split", lambda: registry.household_split(
        actor=actor, household=fresh(h["h1"]), household_version=fresh(h["h1"]).version, member_ids=[moving.pk],
        new_number="533301102201998", relations={moving.pk: "01"}, date=datetime.date(2019, 7, 1)))
    assert poor_in(county) == 9  # the new household has no 2019 record yet
    write("transition", lambda: registry.household_transition(
        actor=actor, household=fresh(h["h1"]), version=fresh(h["h1"]).version, to_status="1",
        effective_date=datetime.date(2019, 12, 1), reason="脱贫"))
    write("merge", lambda: registry.household_merge(
        actor=actor, source=fresh(h["h4"]), source_version=fresh(h["h4"]).version, target=fresh(h["h1"]),
        target_version=fresh(h["h1"]).version, relations={}, date=datetime.date(2019, 8, 1)))
    write("year", lambda: scenario._year(fresh(h["h3"]), 2019, "1", income="6000"))
    a, b = fresh(h["h3"]).members.order_by("pk")[:2]
    candidate = DuplicateCandidate.objects.create(member=a, other=b)
    # Closed today (2026): 2019's figures stay, but the county-year is marked all the same.
    write("duplicate", lambda: registry.duplicate_decide(actor=actor, candidate=candidate, decision="merged"),
          moves=False)
    village = Area.objects.get(code=scenario.LUZHANG)
    write("population", lambda: area_year_save(actor=actor, area=village, year=2019, rural_population=150,
                                                instance=village.years.get(year=2019)), moves=False)
    incidence = selectors.stats(actor=actor, metric="incidence", year=2019, area_code=scenario.LUZHANG)
    assert incidence[0]["population"] == 150


def test_roll_forward_and_imports_are_marked(registry_filled, tmp_path):
    actor = system_user()
    assert selectors.stats(actor=actor, metric="registered", year=2020, level=1) == []
    registry.registry_roll_forward(actor=actor, year=2020)
    # Everyone at the end of 2019 (广东 2, 云南 13: tests/test_statistics.py), carried into 2020.
    assert [row["persons"] for row in figures(2020)[("registered", None)] if row["level"] == 1] == [2, 13]

    from fupin.core.files.tabular import csv_text

    header = ["行政区划代码", "户编号", "年度", "姓名", "证件号码", "性别", "与户主关系", "民族", "贫困户属性",
              "主要致贫原因", "识别年度", "脱贫标志", "工资性收入"]
    rows = [[scenario.LUZHANG, "H9001", "2019", "导入户主", id_number("533301", "19650101", "905"), "男", "户主",
             "傈僳族", "一般贫困户", "缺技术", "2019", "未脱贫", "1000"]]
    path = tmp_path / "h.csv"
    path.write_bytes(csv_text([header, *rows]).encode())
    assert poor_in("533301") == 9
    households_import(actor=actor, path=path)  # the bulk path
    assert poor_in("533301") == 10
    rows[0][11] = "已脱贫"
    path.write_bytes(csv_text([header, *rows]).encode())
    report = households_import(actor=actor, path=path)  # the bulk update path
    assert report.households_updated == 1
    assert poor_in("533301") == 9


def test_a_dashboard_says_when_its_figures_are_being_refreshed(registry_filled, settings):
    actor = system_user()
    data = selectors.dashboard(actor=actor, area_code="533301", year=2019)
    assert (data["refreshing"], data["frozen"]) == (False, False)
    assert data["as_of"] is not None
    assert data["headline"]["poor.persons"] == 9
    scenario._year(registry_filled["h1"], 2019, "1", income="5000")
    data = selectors.dashboard(actor=actor, area_code="533301", year=2019)
    assert data["refreshing"] is True  # the rollups are not passed off as current
    assert data["headline"]["poor.persons"] == 9
    # Another county's change does not make this one stale.
    services.rollups_refresh(actor=actor)
    scenario._year(registry_filled["h6"], 2019, "0", income="3300")
    data = selectors.dashboard(actor=actor, area_code="533301", year=2019)
    assert (data["refreshing"], data["headline"]["poor.persons"]) == (False, 5)
    assert selectors.dashboard(actor=actor, area_code="441900", year=2019)["refreshing"] is True
    # A refresh recomputes only the years that moved.
    assert services.rollups_refresh(actor=actor)["rollup_years"] == [2019]
    assert selectors.dashboard(actor=actor, area_code="441900", year=2019)["refreshing"] is False


def test_a_stale_dashboard_queues_one_refresh(registry_filled, settings, client):
    from fupin.jobs.models import Job

    settings.ANALYTICS_AUTO_REFRESH = True
    scenario._year(registry_filled["h1"], 2019, "1", income="5000")
    client.force_login(system_user())
    for _ in range(2):
        page = client.get("/dashboard/533301000000/?year=2019")
        assert page.status_code == 200
        assert 'class="refreshing"' in page.content.decode()
    assert Job.objects.filter(kind="analytics.refresh").count() == 1
    assert client.get("/dashboard/999/").status_code == 404


def test_two_databases_never_share_a_snapshot_folder(registry_filled, settings, tmp_path):
    identity = database_identity()
    files = {p.file for p in SnapshotPartition.objects.all()}
    assert all((tmp_path / "snapshots" / identity / "live").rglob(name) for name in files)
    # Another database (another identity) in the same checkout starts from an empty folder of its own and never
    # reads these files.
    DatabaseIdentity.objects.all().delete()
    DatabaseIdentity.objects.create(uuid="11111111-2222-3333-4444-555555555555")
    vars(connections["default"]).pop("_fupin_identity", None)
    assert database_identity() == "11111111-2222-3333-4444-555555555555"
    assert poor_in("533301") == 9  # refilled into its own folder
    assert {p.parent.parent.parent.name for p in (tmp_path / "snapshots").rglob("*.parquet")} >= {
        identity, "11111111-2222-3333-4444-555555555555"}
    vars(connections["default"]).pop("_fupin_identity", None)


def test_a_database_restored_on_another_machine_refills_and_its_card_is_the_same(registry_filled, settings,
                                                                                 tmp_path, capsys):
    """The database comes back with its partition records, but the snapshot folder is empty: the report card
    refills and prints the same figures (exit 0, no traceback)."""
    call_command("report", "card", "--area", "533301", "--year", "2019", "--format", "json")
    before = json.loads(capsys.readouterr().out)
    shutil.rmtree(tmp_path / "snapshots")
    settings.ANALYTICS_DIR = tmp_path / "elsewhere"
    call_command("report", "card", "--area", "533301", "--year", "2019", "--format", "json")
    after = json.loads(capsys.readouterr().out)

    def values(card):
        return [(figure["label"], figure["display"]) for figure in card["figures"]]

    assert values(after) == values(before)
    assert any((tmp_path / "elsewhere").rglob("*.parquet"))


def test_a_frozen_year_missing_its_files_says_so(registry_filled, tmp_path):
    from fupin.core.errors import Conflict

    services.snapshot_freeze(actor=system_user(), year=2019)
    shutil.rmtree(tmp_path / "snapshots" / database_identity() / "frozen")
    with pytest.raises(Conflict, match="2019"):
        poor_in("533301")


def test_the_migration_marks_what_existed_before_marks(registry_filled):
    """Every county-year holding records has a mark (the migration made them for databases that predate marks)."""
    marked = set(ChangeMark.objects.values_list("county_code", "year"))
    held = set(Household.objects.filter(years__isnull=False).values_list("county_code", "years__year"))
    assert held <= marked
    assert snapshot_fill().partitions_written == 0


def test_a_replaced_file_outlives_reads_that_listed_it(settings, tmp_path):
    """A read lists its partition files, then opens them; a refill in another process meanwhile must not delete
    the file it lists (the load test's "No files found" 500): a replaced file stays for the grace period and is
    swept after it."""
    import os
    import time

    from fupin.analytics.engines import live_path
    from fupin.analytics.extract import retire_file, sweep_retired

    settings.ANALYTICS_DIR = tmp_path
    settings.ANALYTICS_RETIRED_FILE_SECONDS = 600
    path = live_path(2019, "county=533301.old.parquet")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"listed by a read")
    retire_file(2019, "county=533301.old.parquet")
    assert sweep_retired() == 0 and path.exists()
    stamp = time.time() - 601
    os.utime(path, (stamp, stamp))
    assert sweep_retired() == 1 and not path.exists()
