"""Map boundaries from a configured source: codes from `gb`, rounding and repeated points dropped, a village drawn
at its county, areas without a shape left out."""

import json

import pytest

from fupin.areas import boundaries


@pytest.fixture
def source(settings, tmp_path):
    def feature(gb, name, ring):
        return {"type": "Feature", "properties": {"gb": gb, "name": name},
                "geometry": {"type": "Polygon", "coordinates": [ring]}}

    square = [[100.0, 25.0], [101.0, 25.0], [101.0, 26.0], [100.0, 26.0], [100.0, 25.0]]
    county = [[100.111, 25.111], [100.112, 25.112], [100.5, 25.1], [100.5, 25.5], [100.1, 25.5], [100.111, 25.111]]
    files = {"province.geojson": [feature("156530000", "云南省", square)],
             "city.geojson": [feature("156533300", "怒江傈僳族自治州", square)],
             "district.geojson": [feature("156533301", "泸水市", county),
                                  feature("156533323", "福贡县", [[100, 25], [100.001, 25], [100, 25.001],
                                                                 [100, 25]])]}
    for name, features in files.items():
        (tmp_path / name).write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    settings.FUPIN_BOUNDARIES_DIR = str(tmp_path)
    boundaries._shapes.cache_clear()
    boundaries.point_of.cache_clear()
    yield
    boundaries._shapes.cache_clear()
    boundaries.point_of.cache_clear()


def test_shapes_from_the_configured_source(source):
    collection = boundaries.children_geojson(["533301000000", "533323000000", "533324000000"])
    # 福贡's triangle collapses to one point at 0.01° and is dropped; 贡山 (533324) has no shape at all.
    assert [f["properties"] for f in collection["features"]] == [{"code": "533301000000", "name": "泸水市"}]
    # Rounded to 0.01°, the repeated first point dropped, the ring kept closed.
    assert collection["features"][0]["geometry"] == {"type": "MultiPolygon", "coordinates": [[[
        [100.11, 25.11], [100.5, 25.1], [100.5, 25.5], [100.1, 25.5], [100.11, 25.11]]]]}


def test_a_point_for_any_area(source):
    assert boundaries.point_of("533301102201") == (100.3, 25.3)  # a village at its county's box centre
    assert boundaries.point_of("533323000000") == (100.5, 25.5)  # no county shape: its prefecture's
    assert boundaries.point_of("530000000000") == (100.5, 25.5)
    assert boundaries.point_of("440000000000") is None
