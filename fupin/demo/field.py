"""The field app in the demo county: the village operator's phone synced a fortnight of visits to the village's
households (one made from a neighbouring hamlet, so flagged as far from the village) and the work team's
check-ins, through the same sync service a phone uses (fupin.field.services), so each has its entry, its record
made by the owning service and its audit.

Villages have no surveyed positions in the demo data: the demo village gets an approximate centroid (泸水市's
seat, 六库, about 25.85 N 98.85 E — a demo choice, marked as such in the location's source).
"""

import base64
import datetime
import io
import random
import uuid

from django.contrib.auth import get_user_model

from fupin.areas.locations import location_save
from fupin.areas.models import Area, AreaLocation
from fupin.assistance.models import Responsibility
from fupin.core.temporal import today
from fupin.field import services as field_services
from fupin.personnel.models import TeamMembership

from .users import demo_users

CENTRE = (25.85, 98.85)
VISITS = 12
CHECK_IN_DAYS = 10
NOTES = ("入户走访：了解务工收入，宣讲小额信贷政策", "核实饮水和住房安全，查看厨房改造", "查看养殖情况，联系技术员上门",
         "子女就学情况了解，指导雨露计划申请", "帮助联系县城务工岗位", "核对家庭成员健康状况和医保缴费")


def _photo(rng: random.Random) -> str:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (rng.randint(60, 200), rng.randint(60, 200), rng.randint(60, 200))).save(
        buffer, "JPEG", quality=70)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()


def _client_id(seed: int, *parts) -> str:
    """Deterministic client ids: a second build re-sends the same entries and the sync answers them from its
    table, making nothing new."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "fupin-demo-field/" + "/".join(map(str, (seed, *parts)))))


def build(*, actor, county_code: str, seed: int = 2026, log=print) -> dict:
    village = next((spec.area_code for spec in demo_users() if spec.username == "village_operator"), None)
    operator = get_user_model().objects.filter(username="village_operator").first()
    if not village or operator is None or not village.startswith(county_code[:6]):
        return {}
    rng = random.Random(seed)
    now = today()
    if not AreaLocation.objects.filter(area_id=village).exists():
        location_save(actor=actor, area=Area.objects.get(code=village), latitude=CENTRE[0], longitude=CENTRE[1],
                      source="demo: approximate, 泸水市六库 (not surveyed)")
    duties = list(Responsibility.objects.filter(household__area_id=village, end_date__isnull=True)
                  .select_related("household").order_by("household__number", "id")[:VISITS])
    entries = []
    for k, duty in enumerate(duties):
        # One visit in five is made from a hamlet ~5 km up the valley: flagged, not refused.
        far = k % 5 == 4
        latitude = CENTRE[0] + (0.045 if far else rng.uniform(-0.004, 0.004))
        longitude = CENTRE[1] + rng.uniform(-0.004, 0.004)
        entries.append({"id": _client_id(seed, "visit", duty.household_id), "kind": "visit",
                        "recorded_at": f"{now - datetime.timedelta(days=k)}T09:30:00+08:00", "data": {
                            "household": duty.household_id, "cadre": duty.cadre_id,
                            "visited_on": (now - datetime.timedelta(days=k)).isoformat(),
                            "notes": NOTES[k % len(NOTES)], "photos": [_photo(rng)] if k < 4 else [],
                            "latitude": f"{latitude:.6f}", "longitude": f"{longitude:.6f}"}})
    membership = (TeamMembership.objects.serving_on(now).filter(team__village_id=village).order_by("id").first())
    if membership is not None:
        for day in range(CHECK_IN_DAYS):
            on = now - datetime.timedelta(days=day + 1)
            if on < membership.start_date:
                break
            entries.append({"id": _client_id(seed, "check_in", membership.pk, on), "kind": "check_in",
                            "recorded_at": f"{on}T08:10:00+08:00", "data": {
                                "membership": membership.pk, "day": on.isoformat(),
                                "latitude": f"{CENTRE[0] + rng.uniform(-0.003, 0.003):.6f}",
                                "longitude": f"{CENTRE[1] + rng.uniform(-0.003, 0.003):.6f}"}})
    if not entries:
        return {}
    from fupin.field.models import FieldEntry

    before = FieldEntry.objects.filter(user=operator).count()
    answers = field_services.sync(actor=operator, entries=entries)
    made = FieldEntry.objects.filter(user=operator).count() - before
    counts = {"entries": made, "applied": sum(a["outcome"] == "applied" for a in answers),
              "far": sum(bool(a["far_from_village"]) for a in answers)}
    log(f"Field app in {village}: {made} entries synced from the village operator's phone "
        f"({counts['applied']} applied, {counts['far']} far from the village).")
    return counts if made else {}
