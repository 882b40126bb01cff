"""The sync endpoint and the phone's data: idempotence per client id, conflicts by version, scoping, refusals the
phone can show, the village distance check and the audit. Expected values are computed by hand (see world.py)."""

import datetime
import uuid

import pytest
from django.core.files.storage import default_storage
from django.utils import translation
from rest_framework.test import APIClient

from fupin.assistance.models import HouseholdVisit
from fupin.audit.models import AuditEvent
from fupin.field.models import FieldEntry
from fupin.personnel.models import CheckIn
from fupin.registry import services as registry_services
from fupin.registry.models import HouseholdYear, Member
from fupin.testing.factories import make_user, register_poor_household, system_user

from .world import FAR, FAR_METRES, LUZHANG, NEAR, NEAR_METRES, SANHE, TODAY, build_world, jpeg_data_url

pytestmark = pytest.mark.django_db
SYNC, DATA = "/api/field/sync/", "/api/field/data/"


@pytest.fixture
def world():
    return build_world()


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def visit(household, cadre, *, position=NEAR, photos=1, client_id=None, **extra) -> dict:
    return {"id": str(client_id or uuid.uuid4()), "kind": "visit", "recorded_at": "2026-12-01T08:00:00Z", "data": {
        "household": household.pk, "cadre": cadre.pk, "visited_on": TODAY.isoformat(), "notes": "走访：家中有人",
        "photos": [jpeg_data_url() for _ in range(photos)], "latitude": position[0] if position else None,
        "longitude": position[1] if position else None, **extra}}


def sync(client, *entries):
    response = client.post(SYNC, {"entries": list(entries)}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_the_phone_holds_only_the_granted_villages_without_identity_numbers(world, django_assert_max_num_queries):
    client = client_for(world.user)
    body = client.get(DATA).json()
    assert [h["id"] for h in body["households"]] == sorted(h.pk for h in world.households)
    assert [v["code"] for v in body["villages"]] == [LUZHANG]
    assert body["memberships"][0]["id"] == world.membership.pk
    text = client.get(DATA).content.decode()
    for member in Member.objects.all():
        assert member.id_number not in text
    assert world.outside.number not in text
    # Labels, not codes: the members' relation reads 户主 / 之子 (zh-Hans default).
    assert {m["relation"] for h in body["households"] for m in h["members"]} == {"户主", "之子"}
    # Constant queries: three more households cost no query.
    with django_assert_max_num_queries(40) as few:
        client.get(DATA)
    for _ in range(3):
        register_poor_household(area=LUZHANG, size=3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(DATA).json()["households"]) == 5


def test_a_visit_is_stored_once_with_its_photo_and_audit(world):
    client = client_for(world.user)
    household = world.households[0]
    entry = visit(household, world.cadre)
    audits = AuditEvent.objects.count()
    first = sync(client, entry)
    assert first[0]["outcome"] == "applied", first
    stored = HouseholdVisit.objects.get(household=household)
    assert stored.recorded_by == world.user and stored.cadre == world.cadre and stored.notes == "走访：家中有人"
    assert len(stored.photos) == 1 and default_storage.exists(stored.photos[0])
    assert first[0]["record"] == {"type": "assistance.householdvisit", "id": str(stored.pk)}
    assert first[0]["distance_m"] == NEAR_METRES and first[0]["far_from_village"] is False
    # One event: the assistance service's (the entry's row links the client id to the record it made).
    assert list(AuditEvent.objects.order_by("pk").values_list("action", flat=True)[audits:]) == [
        "assistance.record_saved"]
    # Sent again (the phone lost the answer), even twice in one batch: the same answer, nothing new.
    again = sync(client, entry, entry)
    assert again == [first[0], first[0]]
    assert HouseholdVisit.objects.filter(household=household).count() == 1
    assert AuditEvent.objects.count() == audits + 1
    assert FieldEntry.objects.get().far_from_village is False


def test_a_far_position_is_flagged_not_refused(world):
    client = client_for(world.user)
    answer = sync(client, visit(world.households[0], world.cadre, position=FAR, photos=0))[0]
    assert answer["outcome"] == "applied"
    assert answer["distance_m"] == FAR_METRES and answer["far_from_village"] is True
    with translation.override("en"):
        assert "5560 m from the village" in answer["message"]
    check_in = sync(client, {"id": str(uuid.uuid4()), "kind": "check_in", "data": {
        "membership": world.membership.pk, "day": TODAY.isoformat(), "latitude": FAR[0], "longitude": FAR[1]}})[0]
    assert check_in["outcome"] == "applied" and check_in["far_from_village"] is True
    stored = CheckIn.objects.get()
    assert (stored.distance_m, stored.far_from_village) == (FAR_METRES, True)


def test_a_boundary_decides_instead_of_the_distance(world):
    from fupin.areas.locations import location_save
    from fupin.areas.models import Area

    # A long valley: the square 25.84–25.92 N, 98.84–98.86 E holds the far point (5.56 km from the centroid).
    square = {"type": "Polygon", "coordinates": [[[98.84, 25.84], [98.86, 25.84], [98.86, 25.92], [98.84, 25.92],
                                                   [98.84, 25.84]]]}
    location_save(actor=system_user(), area=Area.objects.get(code=LUZHANG), latitude="25.85", longitude="98.85",
                  boundary=square)
    client = client_for(world.user)
    inside = sync(client, visit(world.households[0], world.cadre, position=FAR, photos=0))[0]
    assert (inside["distance_m"], inside["far_from_village"]) == (FAR_METRES, False)
    outside = sync(client, visit(world.households[1], world.cadre, position=("25.850000", "98.870000"),
                                 photos=0))[0]
    assert outside["far_from_village"] is True


def test_a_visit_outside_the_grant_is_refused_and_says_why(world):
    client = client_for(world.user)
    entry = visit(world.outside, world.cadre)
    answer = sync(client, entry)[0]
    assert answer["outcome"] == "refused"
    assert "not in the villages you may record for" in answer["message"]
    assert not HouseholdVisit.objects.exists()
    assert not default_storage.exists(f"field/photos/{entry['id']}-1.jpg")
    # The refusal is kept: asked again, the same answer.
    assert sync(client, entry)[0] == answer
    assert FieldEntry.objects.get().outcome == "refused"


def test_refusals_by_the_rules_name_the_field(world):
    client = client_for(world.user)
    tomorrow = (TODAY + datetime.timedelta(days=1)).isoformat()
    answer = sync(client, visit(world.households[0], world.cadre, visited_on=tomorrow))[0]
    assert answer["outcome"] == "refused" and answer["field"] == "visited_on"
    assert "in the future" in answer["message"]
    not_jpeg = visit(world.households[0], world.cadre, photos=0)
    not_jpeg["data"]["photos"] = ["data:image/png;base64,iVBORw0KGgo="]
    assert sync(client, not_jpeg)[0]["field"] == "photos"
    assert sync(client, {"id": "not-a-uuid", "kind": "visit", "data": {}})[0]["outcome"] == "refused"
    assert not HouseholdVisit.objects.exists()


def test_a_member_update_applies_with_the_version_read_and_conflicts_with_a_newer_one(world):
    client = client_for(world.user)
    household = world.households[0]
    member = household.members.order_by("id").first()
    read_version = household.version
    applied = sync(client, {"id": str(uuid.uuid4()), "kind": "member", "data": {
        "member": member.pk, "household_version": read_version, "changes": {"health": "2"}}})[0]
    assert applied["outcome"] == "applied", applied
    member.refresh_from_db()
    assert member.health == "2"
    # The office changes the member meanwhile (version + 1); the phone's edit made on the old version conflicts.
    household.refresh_from_db()
    registry_services.member_update(actor=system_user(), member=member, household_version=household.version,
                                    changes={"health": "3"})
    stale = sync(client, {"id": str(uuid.uuid4()), "kind": "member", "data": {
        "member": member.pk, "household_version": household.version, "changes": {"health": "1"}}})[0]
    assert stale["outcome"] == "conflict"
    assert stale["server"]["values"]["health"] == "3"
    assert stale["server"]["household_version"] == household.version + 1
    member.refresh_from_db()
    assert member.health == "3"  # the server's newer value wins


def test_incomes_conflict_when_the_year_changed_after_the_phone_read_it(world):
    client = client_for(world.user)
    household = world.households[0]
    row = HouseholdYear.objects.get(household=household, year=2019)
    read_at = row.updated_at.isoformat()
    applied = sync(client, {"id": str(uuid.uuid4()), "kind": "income", "data": {
        "household": household.pk, "year": 2019, "read_at": read_at,
        "values": {"wage_income": "8000", "business_income": "1000"}}})[0]
    assert applied["outcome"] == "applied", applied
    # 2 members: (8000 + 1000) / 2 = 4500.00 per head.
    assert applied["net_income_per_capita"] == "4500.00"
    stale = sync(client, {"id": str(uuid.uuid4()), "kind": "income", "data": {
        "household": household.pk, "year": 2019, "read_at": read_at, "values": {"wage_income": "1"}}})[0]
    assert stale["outcome"] == "conflict"
    assert stale["server"]["values"]["wage_income"] == "8000.00"
    assert HouseholdYear.objects.get(household=household, year=2019).wage_income == 8000


def test_a_check_in_once_a_day(world):
    client = client_for(world.user)
    entry = {"id": str(uuid.uuid4()), "kind": "check_in", "data": {
        "membership": world.membership.pk, "day": TODAY.isoformat(), "latitude": NEAR[0], "longitude": NEAR[1]}}
    assert sync(client, entry)[0]["outcome"] == "applied"
    assert sync(client, entry)[0]["outcome"] == "applied"  # the same entry: the same answer
    second = sync(client, {**entry, "id": str(uuid.uuid4())})[0]  # another entry for the same day
    assert second["outcome"] == "refused" and "already checked in" in second["message"]
    assert CheckIn.objects.get().distance_m == NEAR_METRES


def test_who_may_sync(world):
    anonymous = APIClient()
    assert anonymous.post(SYNC, {"entries": []}, format="json").status_code in (401, 403)
    assert anonymous.get(DATA).status_code in (401, 403)
    viewer = client_for(make_user(actions=["view"], area=LUZHANG))
    refused = viewer.post(SYNC, {"entries": [visit(world.households[0], world.cadre)]}, format="json")
    assert refused.status_code == 403
    assert not FieldEntry.objects.exists()
    client = client_for(world.user)
    assert client.post(SYNC, {"entries": []}, format="json").status_code == 400
    assert client.post(SYNC, {"entries": [{}] * 501}, format="json").status_code == 400
    other = client_for(make_user(actions=["view", "change"], area=SANHE))
    assert [h["id"] for h in other.get(DATA).json()["households"]] == [world.outside.pk]


def test_a_session_needs_the_csrf_token(world):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.user)
    response = client.post(SYNC, {"entries": [visit(world.households[0], world.cadre)]}, format="json")
    assert response.status_code == 403
    assert not HouseholdVisit.objects.exists()


def test_the_app_shell_worker_and_manifest(world):
    client = client_for(world.user)
    page = client.get("/field/")
    assert page.status_code == 200 and b'rel="manifest"' in page.content
    worker = client.get("/field/sw.js")
    assert worker["Service-Worker-Allowed"] == "/field/"
    assert b"/static/field/app.js" in worker.content
    manifest = client.get("/field/manifest.webmanifest").json()
    assert manifest["scope"] == manifest["start_url"] == "/field/"
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}
    assert APIClient().get("/field/").status_code == 302


def _open_task():
    """A flood in 2023 warns an exited household of LUZHANG (monitoring covers 2021 on); its task goes to the
    household's responsible cadre."""
    from fupin.assistance import services as assistance_services
    from fupin.monitoring import services as monitoring_services

    household = register_poor_household(area=LUZHANG, size=2, year=2023, status="1")
    cadre = FieldEntry._meta.apps.get_model("personnel", "Cadre").objects.get(name="和志强")
    assistance_services.record_save(actor=system_user(), kind="responsibility", data={
        "household": household, "cadre": cadre, "level": "village", "start_date": datetime.date(2021, 1, 1)})
    monitoring_services.disaster_record(actor=system_user(), area_code=LUZHANG, kind="flood",
                                        occurred_on=datetime.date(2023, 6, 1), title="山洪")
    run = monitoring_services.warnings_run(actor=system_user(), year=2023, area_code=LUZHANG,
                                           on=datetime.date(2023, 6, 10), rules=["disaster"])
    return household, next(w.task for w in run.warnings if w.household_id == household.pk)


def test_a_warning_follow_up_completes_the_task_once(world):
    household, task = _open_task()
    assert task.cadre == world.cadre
    client = client_for(world.user)
    bundle = client.get(DATA).json()
    assert [t["id"] for h in bundle["households"] if h["id"] == household.pk for t in h["tasks"]] == [task.pk]
    entry = {"id": str(uuid.uuid4()), "kind": "follow_up", "data": {
        "task": task.pk, "confirmed": False, "reason": "房屋未受损，收入稳定", "visited_on": TODAY.isoformat(),
        "notes": "入户核实", "photos": [jpeg_data_url()], "latitude": NEAR[0], "longitude": NEAR[1]}}
    answer = sync(client, entry)[0]
    assert answer["outcome"] == "applied", answer
    task.refresh_from_db()
    assert (task.status, task.outcome, task.completed_by) == ("done", "not_confirmed", world.user)
    assert task.visit.photos == [f"field/photos/{entry['id']}-1.jpg"]
    assert task.warning.status == "closed"
    # Another phone's follow-up of the same warning, made before it synced: a conflict showing the outcome kept.
    late = sync(client, {**entry, "id": str(uuid.uuid4())})[0]
    assert late["outcome"] == "conflict" and late["server"]["task"] == task.pk
    assert HouseholdVisit.objects.filter(household=household).count() == 1
