"""Village locations: the distance and containment maths against hand-computed values, and the import command."""

import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from fupin.areas.geo import contains, haversine_m, valid_boundary
from fupin.areas.locations import locations_read_once, position_check
from fupin.areas.models import AreaLocation
from fupin.audit.models import AuditEvent
from fupin.testing.factories import load_fixture_divisions

LUZHANG, SANHE = "533301102201", "533301102202"


def write_csv(tmp_path, name, rows):
    """A CSV with quoted cells (a boundary's GeoJSON holds commas)."""
    import csv

    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def test_haversine_on_a_meridian_and_the_equator():
    # On a meridian the distance is R·Δφ: 6,371,008.8 m × 1° × π/180 = 111,195.08 m.
    assert haversine_m(25.0, 98.0, 26.0, 98.0) == pytest.approx(111_195.08, abs=0.01)
    # Along the equator R·Δλ likewise; a point to itself is 0.
    assert haversine_m(0.0, 0.0, 0.0, 0.5) == pytest.approx(55_597.54, abs=0.01)
    assert haversine_m(25.85, 98.85, 25.85, 98.85) == 0


def test_point_in_polygon_with_a_hole():
    outer = [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]
    hole = [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]]
    polygon = {"type": "Polygon", "coordinates": [outer, hole]}
    assert contains(polygon, lat=2, lon=2)
    assert not contains(polygon, lat=5, lon=5)  # in the hole
    assert not contains(polygon, lat=11, lon=5)
    multi = {"type": "MultiPolygon", "coordinates": [[outer], [[[20, 20], [21, 20], [21, 21], [20, 20]]]]}
    assert contains(multi, lat=20.2, lon=20.8)
    assert valid_boundary({"type": "Feature", "geometry": polygon})
    assert not valid_boundary({"type": "Point", "coordinates": [1, 2]})
    assert not valid_boundary({"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]})


@pytest.mark.django_db
def test_locations_import_all_or_nothing_and_idempotent(tmp_path, settings):
    load_fixture_divisions()
    square = json.dumps({"type": "Polygon", "coordinates": [[[98.84, 25.84], [98.86, 25.84], [98.86, 25.86],
                                                             [98.84, 25.86], [98.84, 25.84]]]})
    bad = write_csv(tmp_path, "bad.csv", [["行政区划代码", "纬度", "经度", "边界"],
                                          [LUZHANG, "25.85", "98.85", square], [SANHE, "95", "98.8", ""],
                                          ["999999999999", "25", "98", ""]])
    with pytest.raises(CommandError):
        call_command("area_locations", str(bad))
    assert not AreaLocation.objects.exists()
    good = write_csv(tmp_path, "good.csv", [["行政区划代码", "纬度", "经度", "边界"],
                                           [LUZHANG, "25.85", "98.85", square], [SANHE, "25.80", "98.80", ""]])
    call_command("area_locations", str(good))
    assert AreaLocation.objects.get(area_id=SANHE).latitude == Decimal("25.800000")
    audits = AuditEvent.objects.count()
    call_command("area_locations", str(good))  # again: nothing changes but the import's own audit record
    assert AreaLocation.objects.count() == 2 and AuditEvent.objects.count() == audits + 1
    # LUZHANG has a boundary (containment decides); SANHE a centroid only (3 km decides, configurable).
    assert position_check(LUZHANG, "25.859", "98.841").far is False
    assert position_check(LUZHANG, "25.861", "98.85").far is True
    assert position_check(SANHE, "25.82", "98.80").distance_m == 2224  # 0.02° × 111,195.08 m
    assert position_check(SANHE, "25.82", "98.80").far is False
    settings.FUPIN_FIELD_FAR_METRES = 2000
    assert position_check(SANHE, "25.82", "98.80").far is True
    assert position_check(SANHE, None, None).known is False


@pytest.mark.django_db
def test_locations_read_once_per_block(tmp_path, django_assert_num_queries):
    """Inside `locations_read_once`, the areas named are read in one query and every check answers from it (the
    same distances as outside); an area not named is read once, when first checked, an area with no location
    too; outside the block every check reads again."""
    load_fixture_divisions()
    call_command("area_locations", str(write_csv(tmp_path, "places.csv", [["行政区划代码", "纬度", "经度"],
                                                                          [SANHE, "25.80", "98.80"]])))
    with django_assert_num_queries(1), locations_read_once([SANHE]):
        for _ in range(3):
            assert position_check(SANHE, "25.82", "98.80").distance_m == 2224
    with django_assert_num_queries(1), locations_read_once():
        for _ in range(3):
            assert position_check(LUZHANG, "25.82", "98.80").known is False
    with django_assert_num_queries(2):
        position_check(SANHE, "25.82", "98.80"), position_check(SANHE, "25.82", "98.80")
