"""The field app in a real headless Chromium on a phone-sized screen (390 × 844), offline by Playwright's network
emulation: a cadre loads the app, goes offline, records two visits with a photo, a check-in, a member update and a
visit in a village whose grant is then withdrawn; closes and reopens the page offline (the service worker serves the
app, IndexedDB keeps the queue); comes back online, and the records appear once on the server with their audit, the
member update shows as a conflict with the office's newer value, and the withdrawn village's visit is refused with
the reason. The same entries sent again change nothing.

The test body reads the database between browser steps; Playwright's event loop runs in this thread, so Django's
async-safety check is lifted for the test (the live server runs in its own thread and is unaffected)."""

import io

import pytest
from PIL import Image

from fupin.accounts.models import AreaGrant
from fupin.assistance.models import HouseholdVisit
from fupin.audit.models import AuditEvent
from fupin.field.models import FieldEntry
from fupin.personnel.models import CheckIn
from fupin.registry import services as registry_services
from fupin.registry.models import Household
from fupin.testing.browser import BROWSER_TEST, log_in, screenshot
from fupin.testing.factories import system_user

from .world import NEAR, NEAR_METRES, SANHE, build_world, jpeg_file

pytestmark = BROWSER_TEST
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "en-US",
         "geolocation": {"latitude": float(NEAR[0]), "longitude": float(NEAR[1])}, "permissions": ["geolocation"]}
FIRST_LOAD_LIMIT = 500_000


@pytest.fixture
def world(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    built = build_world()
    # The cadre may also record in 三河村 — until the grant is withdrawn while the phone is offline.
    built.sanhe_grant = AreaGrant.objects.create(user=built.user, area_id=SANHE, actions=["view", "change"])
    return built


def wait_ready(page, households: int) -> None:
    page.wait_for_selector("#field-app[data-ready='1']")
    page.wait_for_function(f"document.querySelectorAll('#field-view li[data-search]').length === {households}")


def record_visit(page, household_id: int, notes: str, photo) -> None:
    page.goto(page.url.split("#")[0] + f"#household/{household_id}")
    page.click(f"a[href='#visit/{household_id}']")
    page.wait_for_function("document.querySelector('#visit-form [name=latitude]').value !== ''")
    page.fill("#visit-form textarea[name=notes]", notes)
    if photo:
        page.set_input_files("#visit-form input[name=photo]", str(photo))
    page.click("#visit-form button[type=submit]")
    page.wait_for_function("location.hash === '#queue'")


def waiting(page) -> int:
    return page.evaluate("""() => new Promise((resolve) => {
        const open = indexedDB.open('fupin-field');
        open.onsuccess = () => {
            const request = open.result.transaction('entries').objectStore('entries').getAll();
            request.onsuccess = () => resolve(request.result.filter((e) => e.state === 'queued').length);
        };
    })""")


RESEND = """() => new Promise((resolve, reject) => {
    const open = indexedDB.open('fupin-field');
    open.onsuccess = () => {
        const request = open.result.transaction('entries').objectStore('entries').getAll();
        request.onsuccess = () => {
            const entries = request.result;
            const token = document.cookie.match(/csrftoken=([^;]+)/)[1];
            fetch('/api/field/sync/', {method: 'POST', credentials: 'same-origin',
                headers: {'Content-Type': 'application/json', 'X-CSRFToken': token},
                body: JSON.stringify({entries: entries.map((e) => ({id: e.id, kind: e.kind, data: e.data,
                                                                  recorded_at: e.recorded_at}))})})
              .then((r) => r.json()).then((body) => resolve({sent: entries.map((e) => e.answer),
                                                               again: body.results})).catch(reject);
        };
    };
})"""


def test_offline_visits_sync_once_with_conflicts_and_refusals_shown(world, live_server, browser, tmp_path, settings):
    photo = jpeg_file(tmp_path / "camera.jpg")
    context = browser.new_context(**PHONE)
    page = context.new_page()
    log_in(page, live_server, "cadre")
    transferred = []
    page.on("requestfinished", lambda request: transferred.append(request.sizes()["responseBodySize"]
                                                                  + request.sizes()["responseHeadersSize"]))
    page.goto(f"{live_server.url}/field/")
    wait_ready(page, households=3)
    page.evaluate("navigator.serviceWorker.ready")
    page.wait_for_function("caches.keys().then((names) => names.length === 1)")
    page.wait_for_load_state("networkidle")
    first_load = sum(transferred)
    assert first_load <= FIRST_LOAD_LIMIT, first_load
    print(f"first load: {first_load} bytes in {len(transferred)} responses")
    screenshot(page, "field-households")

    context.set_offline(True)
    page.wait_for_selector("#field-network:has-text('offline')")
    first, second = world.households
    record_visit(page, first.pk, "First visit: the roof is mended.", photo)
    record_visit(page, second.pk, "Second visit: the son found work.", photo)
    record_visit(page, world.outside.pk, "Visit in Sanhe.", None)
    page.click("a[href='#checkin']")
    page.wait_for_function("document.querySelector('#checkin-form [name=latitude]').value !== ''")
    page.click("#checkin-form button[type=submit]")
    page.wait_for_function("location.hash === '#queue'")
    member = first.members.order_by("id").first()
    page.goto(page.url.split("#")[0] + f"#member/{first.pk}/{member.pk}")
    page.select_option("#member-form select[name=health]", "2")
    page.click("#member-form button[type=submit]")
    page.wait_for_function("location.hash === '#queue'")
    assert waiting(page) == 5
    assert not HouseholdVisit.objects.exists()

    # The browser closes; the page opens again still offline: the service worker serves the app, the queue is kept.
    page.close()
    page = context.new_page()
    page.goto(f"{live_server.url}/field/#queue")
    page.wait_for_selector("#field-app[data-ready='1']")
    page.wait_for_function("document.querySelectorAll('li.entry.queued').length === 5")
    assert waiting(page) == 5
    assert page.evaluate("fetch('/api/field/data/').then(() => 'reached', () => 'failed')") == "failed"
    assert page.evaluate("navigator.serviceWorker.controller !== null")  # the page came from the worker
    screenshot(page, "field-queue-offline")

    # Meanwhile the office changes the member (a newer version) and withdraws the 三河村 grant.
    household = Household.objects.get(pk=first.pk)
    registry_services.member_update(actor=system_user(), member=member, household_version=household.version,
                                    changes={"health": "3"})
    world.sanhe_grant.delete()
    audits = AuditEvent.objects.count()

    context.set_offline(False)
    page.wait_for_function("document.querySelectorAll('li.entry.queued').length === 0", timeout=30_000)
    visits = HouseholdVisit.objects.filter(recorded_by=world.user).order_by("id")
    assert [v.household_id for v in visits] == [first.pk, second.pk]
    for visit in visits:
        assert len(visit.photos) == 1
        with Image.open(io.BytesIO((settings.MEDIA_ROOT / visit.photos[0]).read_bytes())) as image:
            assert image.format == "JPEG" and image.size == (1280, 960)  # 2400 × 1800 resized on the phone
    check_in = CheckIn.objects.get()
    assert (check_in.membership_id, check_in.distance_m, check_in.far_from_village) == (
        world.membership.pk, NEAR_METRES, False)
    member.refresh_from_db()
    assert member.health == "3"  # the server's newer value won
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True)[audits:])
    assert actions.count("assistance.record_saved") == 2 and actions.count("personnel.check_in_saved") == 1
    # One event per entry: an applied entry's is its record's (above); the conflict and the refusal have their own.
    assert actions.count("field.entry_synced") == 2
    outcomes = sorted(FieldEntry.objects.values_list("outcome", flat=True))
    assert outcomes == ["applied", "applied", "applied", "conflict", "refused"]

    # The phone shows the conflict with the server's value, and why the visit in 三河村 was refused.
    conflict = page.locator("li.entry.conflict")
    assert "newer value" in conflict.inner_text()
    refused = page.locator("li.entry.refused")
    assert "not in the villages you may record for" in refused.inner_text()
    assert page.locator("li.entry.applied").count() == 3
    screenshot(page, "field-synced")

    # The same entries sent again: the same answers, nothing new.
    counts = (HouseholdVisit.objects.count(), CheckIn.objects.count(), AuditEvent.objects.count())
    result = page.evaluate(RESEND)
    assert sorted(result["again"], key=lambda a: a["id"]) == sorted(result["sent"], key=lambda a: a["id"])
    assert (HouseholdVisit.objects.count(), CheckIn.objects.count(), AuditEvent.objects.count()) == counts
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400
    context.close()
