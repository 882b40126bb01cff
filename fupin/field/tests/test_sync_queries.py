"""The sync's cost per entry: queries for a batch of visits and check-ins, read once per batch where they can be
(the user's grants, the batch's households and their responsible cadres, the villages' locations), so the count per
entry stays what the entry itself writes."""

import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .test_sync import client_for, sync
from .world import NEAR, TODAY, build_world

pytestmark = pytest.mark.django_db


def _entries(world, count: int, start: int = 0) -> list[dict]:
    made = []
    for k in range(start, start + count):
        if k % 4 == 3:
            made.append({"id": str(uuid.uuid4()), "kind": "check_in", "data": {
                "membership": world.membership.pk, "day": (TODAY - datetime.timedelta(days=k // 4)).isoformat(),
                "latitude": NEAR[0], "longitude": NEAR[1]}})
        else:
            made.append({"id": str(uuid.uuid4()), "kind": "visit", "data": {
                "household": world.households[k % 2].pk, "cadre": world.cadre.pk,
                "visited_on": (TODAY - datetime.timedelta(days=k)).isoformat(), "notes": f"走访 {k}",
                "latitude": NEAR[0], "longitude": NEAR[1]}})
    return made


def queries_for(client, entries) -> int:
    with CaptureQueriesContext(connection) as captured:
        answers = sync(client, *entries)
    assert {a["outcome"] for a in answers} == {"applied"}, answers
    return len(captured.captured_queries)


def test_queries_per_entry():
    world = build_world()
    client = client_for(world.user)
    sync(client, *_entries(world, 1))  # the first request's one-off reads (session, user)
    eight, forty = queries_for(client, _entries(world, 8, 4)), queries_for(client, _entries(world, 40, 12))
    # Per entry, counted by hand from the queries: a visit is its savepoint, the visit's insert in the service's
    # savepoint, its audit event (savepoint, chain head, insert, head update, release), the entry's row and the
    # release: 11. A check-in adds the service's one-a-day check: 12. (Before the batch reads: 21, with the grants
    # read twice, the household, its cadres, a second audit event and the village's location per entry; the
    # location is now read once per request, with the batch's households and memberships.)
    # The 32 more entries are 24 visits and 8 check-ins; the batch's own reads do not grow with it.
    assert forty - eight == 24 * 11 + 8 * 12
    assert eight - (6 * 11 + 2 * 12) <= 10


def test_a_village_without_a_location_is_read_once_per_request():
    """A village with no location (none imported yet) is remembered as such for the request, not read again for
    every entry; the answers say nothing about distance."""
    from fupin.areas.models import AreaLocation

    world = build_world()
    AreaLocation.objects.all().delete()
    client = client_for(world.user)
    sync(client, *_entries(world, 1))
    eight, forty = queries_for(client, _entries(world, 8, 4)), queries_for(client, _entries(world, 40, 12))
    assert forty - eight == 24 * 11 + 8 * 12
    answers = sync(client, *_entries(world, 4, 60))
    assert {(a["distance_m"], a["far_from_village"]) for a in answers} == {(None, False)}
