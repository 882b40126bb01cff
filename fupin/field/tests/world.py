"""A small county for the field app's tests: a village cadre granted 鲁掌村 (LUZHANG) with two households there
(each with a responsible cadre), a household in 三河村 (SANHE, same county, not granted), a work team in LUZHANG
with the cadre as member, and LUZHANG's centroid. Everything through the owning services."""

import base64
import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal

from fupin.areas.locations import location_save
from fupin.areas.models import Area
from fupin.assistance import services as assistance_services
from fupin.cooperation.models import Party
from fupin.personnel import services as personnel_services
from fupin.testing.factories import (
    load_fixture_divisions,
    make_cadre,
    make_user,
    register_poor_household,
    system_user,
)

LUZHANG, SANHE = "533301102201", "533301102202"
# LUZHANG's centroid (made up for the tests). 0.05° north of it is, on a meridian, R·Δφ = 6,371,008.8 m × 0.05 ×
# π/180 = 5,559.75 m away: far at the 3 km default. 0.001° north is 111.19 m: near.
CENTRE = (Decimal("25.850000"), Decimal("98.850000"))
NEAR = ("25.851000", "98.850000")
FAR = ("25.900000", "98.850000")
NEAR_METRES, FAR_METRES = 111, 5560
TODAY = datetime.date.today()


@dataclass
class World:
    user: object
    cadre: object
    households: list = field(default_factory=list)
    outside: object = None
    membership: object = None


def jpeg_data_url(width: int = 64, height: int = 48) -> str:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 120, 40)).save(buffer, "JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()


def jpeg_file(path, width: int = 2400, height: int = 1800):
    """A large photo as a phone's camera makes it (the app resizes it before queueing)."""
    from PIL import Image

    Image.new("RGB", (width, height), (30, 140, 90)).save(path, "JPEG", quality=90)
    return path


def build_world(*, username: str = "cadre") -> World:
    load_fixture_divisions()
    system = system_user()
    user = make_user(username=username, actions=["view", "change"], area=LUZHANG, display_name="鲁掌村干部")
    cadre = make_cadre(name="和志强")
    start = datetime.date(2019, 1, 1)
    households = [register_poor_household(area=LUZHANG, size=2) for _ in range(2)]
    outside = register_poor_household(area=SANHE, size=1)
    for household in [*households, outside]:
        assistance_services.record_save(actor=system, kind="responsibility", data={
            "household": household, "cadre": cadre, "level": "village", "start_date": start})
    unit = Party.objects.create(kind="provincial_unit", name="省农业农村厅", area=Area.objects.get(code="533300000000"))
    team = personnel_services.team_save(actor=system, data={
        "village": Area.objects.get(code=LUZHANG), "unit": unit, "dispatch_level": "county", "start_date": start})
    membership = personnel_services.membership_save(actor=system, data={
        "team": team, "cadre": cadre, "role": "member", "start_date": start})
    location_save(actor=system, area=Area.objects.get(code=LUZHANG), latitude=CENTRE[0], longitude=CENTRE[1],
                  source="test")
    return World(user=user, cadre=cadre, households=households, outside=outside, membership=membership)
