"""Where villages are (AreaLocation): its import from a table and the check of a phone's position against it.

A position far from its village is a fact to show, not a reason to refuse: cadres walk to fields and neighbouring
hamlets, and a GPS fix in a valley can be off by hundreds of metres. The distance that counts as far is a setting
(FUPIN_FIELD_FAR_METRES), and a village with a boundary is judged by containment instead of distance.
"""

import json
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import can, require
from fupin.audit import registry
from fupin.audit.services import audit_record
from fupin.core import areacodes as codes
from fupin.core.errors import ValidationFailed
from fupin.core.files.reports import ImportReport, import_writes
from fupin.core.files.tabular import Column, open_table

from .geo import contains, haversine_m, valid_boundary
from .models import Area, AreaLocation

LOCATIONS_IMPORTED = registry.register("areas.locations_imported", _("imported area locations"))

LOCATION_COLUMNS = [
    Column("code", ("行政区划代码", "行政區劃代碼", "区划代码", "code", "area_code", "division code")),
    Column("latitude", ("纬度", "緯度", "latitude", "lat")),
    Column("longitude", ("经度", "經度", "longitude", "lon", "lng")),
    Column("boundary", ("边界", "邊界", "boundary", "geojson"), required=False),
    Column("source", ("来源", "來源", "source"), required=False),
]
DEFAULT_FAR_METRES = 3000


@dataclass(frozen=True)
class PositionCheck:
    distance_m: int | None  # to the centroid; None when the village has no location or no position was given
    far: bool  # outside the boundary where there is one, else farther than the setting from the centroid
    known: bool  # whether the village has a location to compare with


def far_metres() -> int:
    return int(getattr(settings, "FUPIN_FIELD_FAR_METRES", DEFAULT_FAR_METRES))


# Within `locations_read_once()`, each area's location is read once (a batch of writes, such as the field app's sync
# of hundreds of visits and check-ins in a few villages, checks every entry against the same villages); outside it,
# every check reads it.
_locations_read: ContextVar[dict | None] = ContextVar("fupin_locations_read", default=None)


@contextmanager
def locations_read_once(area_codes=()):
    """Inside the block, `position_check` reads each area's location at most once; the `area_codes` the block is
    known to check are read together, in one query."""
    read = dict.fromkeys(area_codes)
    if read:
        read.update({row.area_id: row for row in AreaLocation.objects.filter(area_id__in=list(read))})
    token = _locations_read.set(read)
    try:
        yield
    finally:
        _locations_read.reset(token)


def _location(area_code: str) -> AreaLocation | None:
    read = _locations_read.get()
    if read is not None and area_code in read:
        return read[area_code]
    location = AreaLocation.objects.filter(area_id=area_code).first()
    if read is not None:
        read[area_code] = location
    return location


def position_check(area_code: str, latitude, longitude) -> PositionCheck:
    """How far a position is from its village (a system check, not a read on anyone's behalf: the caller has
    already been allowed to write in the village)."""
    if latitude is None or longitude is None:
        return PositionCheck(None, False, False)
    location = _location(area_code)
    if location is None:
        return PositionCheck(None, False, False)
    lat, lon = float(latitude), float(longitude)
    distance = round(haversine_m(lat, lon, float(location.latitude), float(location.longitude)))
    # A boundary, where one is configured, decides; otherwise the distance to the centroid does.
    far = not contains(location.boundary, lat, lon) if location.boundary else distance > far_metres()
    return PositionCheck(distance, far, True)


def _coordinate(report, number, column, text, limit):
    try:
        value = Decimal(text)
    except InvalidOperation:
        report.error(number, column, _("%(value)s is not a coordinate."), value=text)
        return None
    if not value.is_finite() or abs(value) > limit:
        report.error(number, column, _("%(value)s is not a coordinate."), value=text)
        return None
    return value.quantize(Decimal("0.000001"))


def _boundary(report, number, column, text):
    if not text:
        return None
    try:
        geometry = json.loads(text)
    except ValueError:
        geometry = None
    if not valid_boundary(geometry):
        report.error(number, column, _("The boundary is not a GeoJSON Polygon or MultiPolygon."))
        return None
    return geometry


def _code(text: str) -> str:
    try:
        return codes.normalise_code(text)
    except ValueError:
        return text.strip()


def locations_import(*, actor, path: str | Path, dry_run: bool = False, skip_invalid: bool = False) -> ImportReport:
    """Import centroids and optional boundaries (行政区划代码, 纬度, 经度, 边界, 来源). All or nothing unless
    `skip_invalid`; re-importing the same file changes nothing."""
    table = open_table(path, LOCATION_COLUMNS)
    header = {key: column.header for key, column in table.columns.items()}
    rows = list(table.records())
    report = ImportReport(rows=len(rows), dry_run=dry_run)
    known = set(Area.objects.filter(code__in={_code(values["code"]) for _n, values in rows}).values_list(
        "code", flat=True))
    parsed: dict[str, tuple] = {}
    for number, values in rows:
        code = _code(values["code"])
        lat = _coordinate(report, number, header["latitude"], values["latitude"], 90)
        lon = _coordinate(report, number, header["longitude"], values["longitude"], 180)
        boundary = _boundary(report, number, header["boundary"], values.get("boundary", ""))
        if code not in known:
            report.error(number, header["code"], _("Unknown area code “%(value)s”."), value=code)
            continue
        if not can(actor, Action.IMPORT, code):
            report.error(number, header["code"], _("You may not import data for area %(value)s."), value=code)
            continue
        if code in parsed:
            report.error(number, header["code"], _("The same area is given again in row %(other)s."),
                         other=parsed[code][0])
            continue
        if lat is None or lon is None or (values.get("boundary") and boundary is None):
            continue
        parsed[code] = (number, lat, lon, boundary, values.get("source", "")[:200])
    if report.errors and not (skip_invalid or dry_run):
        return report
    rejected = {error.row for error in report.errors}
    items = {code: item for code, item in parsed.items() if item[0] not in rejected}
    with import_writes(report):
        existing = {row.area_id: row for row in AreaLocation.objects.filter(area_id__in=list(items))}
        new = []
        for code, (_number, lat, lon, boundary, source) in items.items():
            current = existing.get(code)
            if current is None:
                new.append(AreaLocation(area_id=code, latitude=lat, longitude=lon, boundary=boundary, source=source))
                report.created += 1
            elif (current.latitude, current.longitude, current.boundary, current.source) != (lat, lon, boundary,
                                                                                             source):
                current.latitude, current.longitude, current.boundary, current.source = lat, lon, boundary, source
                current.save()
                report.updated += 1
            else:
                report.unchanged += 1
        AreaLocation.objects.bulk_create(new, batch_size=1000)
        audit_record(actor=actor, action=LOCATIONS_IMPORTED, object_type="import", object_id=Path(path).name,
                     after=report.audit_summary())
    return report


def location_save(*, actor, area: Area, latitude, longitude, boundary=None, source: str = "") -> AreaLocation:
    """Set one area's location (the demo and tests; the import is the usual way)."""
    require(actor, Action.CHANGE, area.code)
    if boundary is not None and not valid_boundary(boundary):
        raise ValidationFailed(_("The boundary is not a GeoJSON Polygon or MultiPolygon."), field="boundary")
    with transaction.atomic():
        row, _created = AreaLocation.objects.update_or_create(
            area=area, defaults={"latitude": Decimal(str(latitude)).quantize(Decimal("0.000001")),
                                 "longitude": Decimal(str(longitude)).quantize(Decimal("0.000001")),
                                 "boundary": boundary, "source": source})
        audit_record(actor=actor, action=LOCATIONS_IMPORTED, obj=row, area_code=area.code,
                     after={"latitude": str(row.latitude), "longitude": str(row.longitude),
                            "boundary": boundary is not None})
    return row
