"""Distances and containment on the Earth for positions phones report (WGS-84 degrees).

The haversine great-circle distance on a sphere of the mean Earth radius is within 0.5 % of the ellipsoidal
distance, far finer than a phone's GPS in a valley; point-in-polygon works on degrees as planar coordinates, which
is exact enough for a village's few kilometres.
"""

import math

EARTH_RADIUS_M = 6_371_008.8  # IUGG mean radius


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _in_ring(lon: float, lat: float, ring) -> bool:
    """Ray casting: a point is inside when a ray from it crosses the ring an odd number of times."""
    inside = False
    count = len(ring)
    for index in range(count):
        x1, y1 = ring[index][0], ring[index][1]
        x2, y2 = ring[index - 1][0], ring[index - 1][1]
        if (y1 > lat) != (y2 > lat) and lon < (x2 - x1) * (lat - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def _polygons(geometry: dict) -> list:
    if geometry.get("type") == "Feature":
        geometry = geometry.get("geometry") or {}
    kind = geometry.get("type")
    if kind == "Polygon":
        return [geometry["coordinates"]]
    if kind == "MultiPolygon":
        return list(geometry["coordinates"])
    raise ValueError(kind)


def valid_boundary(geometry) -> bool:
    """A GeoJSON Polygon or MultiPolygon (or a Feature of one) whose rings have at least four positions."""
    try:
        polygons = _polygons(geometry)
        return bool(polygons) and all(
            len(ring) >= 4 and all(len(point) >= 2 and all(isinstance(c, int | float) for c in point[:2])
                                   for point in ring)
            for polygon in polygons for ring in polygon)
    except (AttributeError, KeyError, TypeError, ValueError):
        return False


def contains(geometry: dict, lat: float, lon: float) -> bool:
    """Whether the point is inside the polygon(s): inside an outer ring and in none of its holes."""
    for outer, *holes in _polygons(geometry):
        if _in_ring(lon, lat, outer) and not any(_in_ring(lon, lat, hole) for hole in holes):
            return True
    return False
