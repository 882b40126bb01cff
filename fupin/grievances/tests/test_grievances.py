"""Complaints: deadlines (exact dates), the lifecycle, routing (never to the reported cadre), scoping, the
confidentiality of the reporter, the public form's rate limit, objections as a channel, corrections and statistics.

Expected values are computed by hand in the comments."""

import datetime
import json

import pytest
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from fupin.audit.models import AuditEvent
from fupin.core import temporal
from fupin.core.errors import Conflict, PermissionDenied, ValidationFailed
from fupin.grievances import selectors, services
from fupin.grievances.models import CadreAccount, Category, Status, Ticket
from fupin.registry.models import Household
from fupin.testing.factories import (
    id_number,
    load_fixture_divisions,
    make_cadre,
    make_user,
    member_data,
    register_household,
)

COUNTY, TOWNSHIP, VILLAGE = "533301000000", "533301102000", "533301102201"  # 泸水市, 鲁掌镇, 鲁掌村
OTHER_COUNTY, OTHER_VILLAGE = "533323000000", "533323101201"  # 福贡县
SECRET_NAME, SECRET_PHONE = "李秘密", "13912345678"


class Day:
    """The system's day, set by the test (temporal.today patched)."""

    def __init__(self, monkeypatch):
        self.monkeypatch = monkeypatch

    def set(self, value: str) -> datetime.date:
        day = datetime.date.fromisoformat(value)
        self.monkeypatch.setattr(temporal, "today", lambda: day)
        return day


@pytest.fixture
def day(monkeypatch):
    return Day(monkeypatch)


@pytest.fixture
def world(db):
    load_fixture_divisions()
    users = {
        "admin": make_user(role="administrator", area=None),
        "county": make_user(actions=["view", "change", "export"], area=COUNTY, username="county"),
        "officer": make_user(role="grievance_officer", area=COUNTY, username="officer"),
        "township": make_user(actions=["view", "change"], area=TOWNSHIP, username="township"),
        "village": make_user(actions=["view", "change", "export"], area=VILLAGE, username="village"),
        "other": make_user(actions=["view", "change", "export"], area=OTHER_COUNTY, username="other"),
        "prefecture": make_user(actions=["view", "change"], area="533300000000", username="prefecture"),
        "cadre_user": make_user(actions=["view", "change", "export", "view_reporter"], area=COUNTY,
                                username="cadre_user"),
    }
    return users


def household(area: str, number: str, sequence: str) -> Household:
    """A household of one member with an ID number of its own."""
    return register_household(area=area, number=number, members=[
        member_data(id_number=id_number(birth="19800101", sequence=sequence))]).household


def category(code="identification") -> Category:
    return Category.objects.get(code=code)


def file(actor, *, received="2026-11-02", code="identification", area=VILLAGE, **extra) -> Ticket:
    from fupin.areas.models import Area

    data = {"channel": "hotline", "category": category(code), "area": Area.objects.get(code=area) if area else None,
            "summary": "反映错评", "content": "某户收入核算不实", "received_on": received,
            "reporter_name": SECRET_NAME, "reporter_phone": SECRET_PHONE, **extra}
    return services.ticket_file(actor=actor, data=data)


# Categories and deadlines ---------------------------------------------------------------------------------------
def test_categories_are_data_with_their_source(db):
    codes = list(Category.objects.values_list("code", flat=True))
    assert codes == ["identification", "favouritism", "funds_misuse", "project_quality", "cadre_conduct",
                     "work_style", "other"]
    for row in Category.objects.all():
        assert row.deadline_days == 60 and "信访工作条例" in row.source and row.certainty == "V"
        assert row.name_zh_hans and row.name_zh_hant and row.name_en
    with translation.override("en"):
        assert category("favouritism").label == "favouring relatives and friends (优亲厚友)"
    with translation.override("zh-hant"):
        assert category("funds_misuse").label == "扶貧資金違規使用"


def test_the_deadline_is_the_received_date_plus_the_categorys_days(world, day):
    day.set("2026-12-06")
    # 2026-11-02 + 60 days: 28 more in November (to 11-30), 31 in December (to 12-31), 1 → 2027-01-01.
    ticket = file(world["county"], received="2026-11-02")
    assert ticket.deadline == datetime.date(2027, 1, 1)
    # A category's days are data: 15 days from 2024-02-20 in a leap year: 9 to 02-29, 6 more → 2024-03-06.
    Category.objects.filter(code="other").update(deadline_days=15)
    day.set("2024-03-01")
    ticket = file(world["county"], received="2024-02-20", code="other")
    assert ticket.deadline == datetime.date(2024, 3, 6)
    # Received in the future: refused, nothing written.
    with pytest.raises(ValidationFailed):
        file(world["county"], received="2024-03-02")
    assert Ticket.objects.count() == 2


# Lifecycle -------------------------------------------------------------------------------------------------------
def test_the_lifecycle_runs_in_order_with_its_dates(world, day):
    county = world["county"]
    day.set("2026-11-02")
    ticket = file(county, received="2026-11-02")
    assert ticket.status == Status.RECEIVED and ticket.office_id == COUNTY
    with pytest.raises(Conflict):
        services.ticket_move(actor=county, ticket=ticket, step="reply", reply="x", finding="partly")
    day.set("2026-11-04")
    services.ticket_move(actor=county, ticket=ticket, step="accept")
    day.set("2026-11-10")
    services.ticket_move(actor=county, ticket=ticket, step="investigate", note="入户核查")
    day.set("2026-12-20")
    with pytest.raises(ValidationFailed):  # a reply needs its text and finding
        services.ticket_move(actor=county, ticket=ticket, step="reply", reply="", finding="partly")
    services.ticket_move(actor=county, ticket=ticket, step="reply", reply="已核实并纠正", finding="substantiated")
    with pytest.raises(ValidationFailed):
        services.ticket_move(actor=county, ticket=ticket, step="rate", satisfaction="maybe")
    services.ticket_move(actor=county, ticket=ticket, step="rate", satisfaction="satisfied")
    with pytest.raises(Conflict):  # investigated again only when the reporter is dissatisfied
        services.ticket_move(actor=county, ticket=ticket, step="reinvestigate")
    with pytest.raises(ValidationFailed):
        services.ticket_move(actor=county, ticket=ticket, step="close", outcome=" ")
    day.set("2026-12-22")
    services.ticket_move(actor=county, ticket=ticket, step="close", outcome="已更正识别结果")
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert (ticket.accepted_on, ticket.answered_on, ticket.closed_on) == (
        datetime.date(2026, 11, 4), datetime.date(2026, 12, 20), datetime.date(2026, 12, 22))
    # Answered 2026-12-20, due 2027-01-01: on time.
    assert list(ticket.events.values_list("status", "on")) == [
        ("received", datetime.date(2026, 11, 2)), ("accepted", datetime.date(2026, 11, 4)),
        ("investigating", datetime.date(2026, 11, 10)), ("replied", datetime.date(2026, 12, 20)),
        ("rated", datetime.date(2026, 12, 20)), ("closed", datetime.date(2026, 12, 22))]
    with pytest.raises(Conflict):
        services.ticket_move(actor=county, ticket=ticket, step="close", outcome="again")
    moved = AuditEvent.objects.filter(action="grievances.moved", object_id=str(ticket.pk)).count()
    assert moved == 5


def test_a_step_date_is_never_before_the_last_nor_in_the_past_outside_history(world, day):
    county = world["county"]
    day.set("2026-11-10")
    ticket = file(county, received="2026-11-02")
    with pytest.raises(ValidationFailed):  # a witnessed date: today, not a past day typed in
        services.ticket_move(actor=county, ticket=ticket, step="accept", on="2026-11-05")
    from fupin.accounts.history import entering_history

    with entering_history(actor=world["admin"], reason="补录测试"):
        with pytest.raises(ValidationFailed):  # before the complaint was received
            services.ticket_move(actor=world["admin"], ticket=ticket, step="accept", on="2026-11-01")
        services.ticket_move(actor=world["admin"], ticket=ticket, step="accept", on="2026-11-05")
    ticket.refresh_from_db()
    assert ticket.accepted_on == datetime.date(2026, 11, 5)


def test_not_accepted_needs_a_reason_and_counts_as_the_answer(world, day):
    day.set("2026-11-20")
    ticket = file(world["county"], received="2026-11-02")
    with pytest.raises(ValidationFailed):
        services.ticket_move(actor=world["county"], ticket=ticket, step="not_accept", reason="")
    services.ticket_move(actor=world["county"], ticket=ticket, step="not_accept", reason="不属于本部门职责")
    ticket.refresh_from_db()
    assert ticket.status == Status.NOT_ACCEPTED
    assert ticket.answered_on == ticket.closed_on == datetime.date(2026, 11, 20)


def test_a_dissatisfied_reporter_reopens_the_investigation(world, day):
    county = world["county"]
    day.set("2026-11-02")
    ticket = file(county, received="2026-11-02")
    for step, extra in (("accept", {}), ("investigate", {}), ("reply", {"reply": "答复", "finding": "partly"}),
                        ("rate", {"satisfaction": "dissatisfied"}), ("reinvestigate", {}),
                        ("reply", {"reply": "复查答复", "finding": "substantiated"})):
        services.ticket_move(actor=county, ticket=ticket, step=step, **extra)
    ticket.refresh_from_db()
    assert ticket.status == Status.REPLIED and ticket.reply == "复查答复"
    assert ticket.answered_on == datetime.date(2026, 11, 2)  # timeliness counts the first answer


# Routing and scoping ---------------------------------------------------------------------------------------------
def test_a_village_complaint_goes_to_the_county_office(world, day):
    day.set("2026-11-02")
    ticket = file(world["village"], received="2026-11-02")  # a village may file what it receives
    assert ticket.office_id == COUNTY
    names = [user.username for user in selectors.handlers_for(ticket)]
    # Holding `change` on exactly 泸水市: county, officer (by its role's grant… given on the user here) and the
    # cadre_user; never the township, the village, the prefecture above or another county.
    assert names == ["cadre_user", "county", "officer"]
    # Seen by the office and the levels above it, and by its filer; not by the township nor another county.
    for who, sees in (("county", True), ("prefecture", True), ("admin", True), ("village", True),
                      ("township", False), ("other", False)):
        assert selectors.ticket_list(actor=world[who]).filter(pk=ticket.pk).exists() is sees, who
    # Filed by the county: the village office does not see it.
    second = file(world["county"], received="2026-11-02")
    assert not selectors.ticket_list(actor=world["village"]).filter(pk=second.pk).exists()
    with pytest.raises(PermissionDenied):  # the village may not handle it
        services.ticket_move(actor=world["village"], ticket=ticket, step="accept")


def test_without_a_county_handler_the_ticket_goes_to_the_nearest_office_above(world, day):
    day.set("2026-11-02")
    ticket = file(world["other"], received="2026-11-02", area=OTHER_VILLAGE)
    assert [user.username for user in selectors.handlers_for(ticket)] == ["other"]
    world["other"].is_active = False
    world["other"].save()
    assert [user.username for user in selectors.handlers_for(ticket)] == ["prefecture"]


def test_a_report_about_a_cadre_never_reaches_that_cadre(world, day):
    day.set("2026-11-02")
    cadre = make_cadre(area=COUNTY, name="赵干部")
    services.cadre_account_link(actor=world["admin"], cadre=cadre, user=world["cadre_user"])
    about = file(world["county"], received="2026-11-02", code="cadre_conduct", cadre=cadre)
    other = file(world["county"], received="2026-11-02")
    assert [u.username for u in selectors.handlers_for(about)] == ["county", "officer"]
    assert [u.username for u in selectors.handlers_for(other)] == ["cadre_user", "county", "officer"]
    reads = selectors.ticket_list(actor=world["cadre_user"])
    assert list(reads.values_list("pk", flat=True)) == [other.pk]
    with pytest.raises(PermissionDenied):
        services.ticket_move(actor=world["cadre_user"], ticket=about, step="accept")
    # Not in the overdue inbox, the statistics' rows, the page, the API, nor the list.
    day.set("2027-03-01")
    assert list(selectors.overdue_for(world["cadre_user"]).values_list("pk", flat=True)) == [other.pk]
    assert selectors.statistics(actor=world["cadre_user"])["timeliness"]["total"] == 1
    client = Client()
    client.force_login(world["cadre_user"])
    assert client.get(f"/grievances/{about.pk}/").status_code == 404
    assert about.tracking_number not in client.get("/grievances/").content.decode()
    api = APIClient()
    api.force_authenticate(world["cadre_user"])
    assert api.get(f"/api/grievances/{about.pk}/").status_code == 404
    assert api.post(f"/api/grievances/{about.pk}/transition/", {"step": "accept"}, format="json").status_code == 404
    listed = api.get("/api/grievances/").json()
    assert [row["id"] for row in listed["results"]] == [other.pk]


def test_records_named_must_be_in_the_filers_areas(world, day):
    day.set("2026-11-02")
    home = household(VILLAGE, "533301102201001", "011")
    foreign = household(OTHER_VILLAGE, "533323101201001", "013")
    with pytest.raises(ValidationFailed) as refused:
        file(world["county"], household=foreign)
    assert refused.value.field == "household"
    # In the filer's areas but outside the area concerned.
    with pytest.raises(ValidationFailed):
        file(world["admin"], household=foreign)
    ticket = file(world["county"], household=home, area=None)
    assert ticket.area_id == VILLAGE and ticket.household_id == home.pk
    assert Ticket.objects.count() == 1


# Confidentiality -------------------------------------------------------------------------------------------------
def test_the_reporter_is_seen_only_with_the_right_and_every_look_is_audited(world, day):
    day.set("2026-11-02")
    ticket = file(world["county"], received="2026-11-02")
    registered = household(VILLAGE, "533301102201009", "015")
    shown = AuditEvent.objects.filter(action="grievances.reporter_shown")
    for who in ("county", "prefecture", "village"):
        client, api = Client(), APIClient()
        client.force_login(world[who])
        api.force_authenticate(world[who])
        bodies = [
            client.get("/grievances/").content, client.get(f"/grievances/{ticket.pk}/").content,
            client.get("/grievances/export.csv").content, client.get("/grievances/statistics/").content,
            api.get("/api/grievances/").content, api.get(f"/api/grievances/{ticket.pk}/").content,
            client.get(f"/households/{registered.pk}/card.pdf").content,
        ]
        for body in bodies:
            assert SECRET_NAME.encode() not in body and SECRET_PHONE.encode() not in body, who
        assert shown.count() == 0
    detail = APIClient()
    detail.force_authenticate(world["county"])
    data = detail.get(f"/api/grievances/{ticket.pk}/").json()
    assert data["reporter"] is None and data["reporter_given"] is True
    # The officer (grievance_officer role at the county) sees them on the ticket's page and its API detail.
    officer, officer_api = Client(), APIClient()
    officer.force_login(world["officer"])
    officer_api.force_authenticate(world["officer"])
    assert SECRET_NAME in officer.get(f"/grievances/{ticket.pk}/").content.decode()
    assert shown.count() == 1
    data = officer_api.get(f"/api/grievances/{ticket.pk}/").json()
    assert data["reporter"]["reporter_name"] == SECRET_NAME
    assert shown.count() == 2 and shown.last().actor_name == "officer"
    # Never in its lists, export or statistics, for the officer either.
    for body in (officer.get("/grievances/").content, officer_api.get("/api/grievances/").content,
                 officer.get("/grievances/statistics/").content):
        assert SECRET_NAME.encode() not in body
    assert shown.count() == 2
    # And never in the audit trail.
    for event in AuditEvent.objects.all():
        text = json.dumps([event.before, event.after], ensure_ascii=False)
        assert SECRET_NAME not in text and SECRET_PHONE not in text


# The public form -------------------------------------------------------------------------------------------------
def public_post(client, **fields):
    data = {"category": category().pk, "area": VILLAGE, "summary": "反映问题", "content": "具体情况", **fields}
    return client.post("/grievances/new/", data)


def test_the_public_form_files_without_an_account_and_is_rate_limited(world, settings):
    settings.FUPIN_GRIEVANCE_PUBLIC_LIMIT = {"per_address": 2, "per_phone": 1, "window_seconds": 3600}
    first, other = Client(REMOTE_ADDR="198.51.100.7"), Client(REMOTE_ADDR="198.51.100.8")
    assert first.get("/grievances/new/?area=533301102201").status_code == 200
    done = public_post(first, reporter_name=SECRET_NAME, reporter_phone="139 1234 5678")
    assert done.status_code == 200
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.office_id, ticket.created_by, ticket.reporter_phone) == (
        "online", COUNTY, None, SECRET_PHONE)
    assert ticket.tracking_number in done.content.decode()
    # The same phone from another address: over the phone's limit (1).
    refused = public_post(other, reporter_phone="13912345678")
    assert refused.status_code == 429 and Ticket.objects.count() == 1
    # The first address again with another phone: its second (limit 2); a third is refused.
    assert public_post(first, reporter_phone="13800000000").status_code == 200
    assert public_post(first).status_code == 429
    assert Ticket.objects.count() == 2
    # A robot filling the hidden field, and a bad area, write nothing (and count nothing).
    assert public_post(other, website="http://spam").status_code == 400
    assert public_post(other, area="999999").status_code == 400
    assert Ticket.objects.count() == 2
    # The status check shows the status and dates, never the reporter or the content.
    track = other.get("/grievances/track/", {"number": ticket.tracking_number.lower()})
    assert track.status_code == 200
    body = track.content.decode()
    assert ticket.tracking_number in body and SECRET_NAME not in body and "具体情况" not in body
    assert other.get("/grievances/track/", {"number": "XFAAAAAAAAAA"}).status_code == 404


# Objections to notices are a channel ------------------------------------------------------------------------------
def test_an_objection_to_a_notice_becomes_a_ticket_that_closes_after_it(db):
    from fupin.workflows.models import Objection
    from fupin.workflows.services import objection_resolve
    from tests.api_world import build_world

    world = build_world()
    objections = list(Objection.objects.order_by("pk"))
    assert len(objections) == 2
    tickets = list(Ticket.objects.filter(channel="notice_objection").order_by("objection_id"))
    assert [t.objection_id for t in tickets] == [o.pk for o in objections]
    ticket, objection = tickets[0], objections[0]
    assert (ticket.category.code, ticket.household_id, ticket.reporter_name, ticket.received_on) == (
        "identification", objection.case.household_id, "村民", objection.received_on)
    admin = world.admin
    for step, extra in (("accept", {}), ("investigate", {}), ("reply", {"reply": "答复", "finding": "partly"}),
                        ("rate", {"satisfaction": "unreachable"})):
        services.ticket_move(actor=admin, ticket=ticket, step=step, **extra)
    with pytest.raises(Conflict):
        services.ticket_move(actor=admin, ticket=ticket, step="close", outcome="结案")
    objection_resolve(actor=admin, objection=objection, resolution="dismissed", note="核实无误")
    services.ticket_move(actor=admin, ticket=Ticket.objects.get(pk=ticket.pk), step="close", outcome="结案")


# Corrections ------------------------------------------------------------------------------------------------------
def test_a_correction_is_the_audited_change_of_the_records_own_service(world, day):
    from fupin.registry.services import household_update

    today = temporal.today()
    home = household(VILLAGE, "533301102201002", "017")
    ticket = file(world["county"], received=today.isoformat(), household=home)
    household_update(actor=world["county"], household=home, changes={"phone": "13700000000"},
                     version=home.version)
    event = AuditEvent.objects.filter(object_type="registry.household", object_id=str(home.pk)).last()
    services.correction_link(actor=world["county"], ticket=ticket, event_id=event.pk, note="更正住址")
    assert list(ticket.corrections.values_list("event_id", flat=True)) == [event.pk]
    with pytest.raises(Conflict):
        services.correction_link(actor=world["county"], ticket=ticket, event_id=event.pk)
    filed = AuditEvent.objects.filter(action="grievances.filed").last()
    with pytest.raises(ValidationFailed):  # a complaint's own step is not a correction
        services.correction_link(actor=world["county"], ticket=ticket, event_id=filed.pk)
    other_ticket = file(world["other"], received=today.isoformat(), area=OTHER_VILLAGE)
    with pytest.raises(ValidationFailed):  # a change in 泸水市 is not a correction of a 福贡县 complaint
        services.correction_link(actor=world["other"], ticket=other_ticket, event_id=event.pk)


# Statistics and the inbox ------------------------------------------------------------------------------------------
def test_statistics_by_category_area_and_timeliness(world, day):
    county = world["county"]
    day.set("2026-09-01")
    on_time = file(county, received="2026-09-01")  # due 2026-10-31
    late = file(county, received="2026-09-01", code="funds_misuse", area="533301001201")
    pending = file(county, received="2026-09-01", code="funds_misuse")
    for ticket, reply_day in ((on_time, "2026-10-31"), (late, "2026-11-01")):
        day.set("2026-09-02")
        services.ticket_move(actor=county, ticket=ticket, step="accept")
        services.ticket_move(actor=county, ticket=ticket, step="investigate")
        day.set(reply_day)
        services.ticket_move(actor=county, ticket=ticket, step="reply", reply="答复", finding="partly")
    day.set("2026-11-15")  # 2026-09-01 + 60 = 2026-10-31: the unanswered one is overdue since 11-01
    stats = selectors.statistics(actor=county)
    assert stats["timeliness"] == {"total": 3, "on_time": 1, "late": 1, "pending": 0, "overdue": 1}
    rows = {row["category"].code: (row["total"], row["open"], row["overdue"], row["on_time"])
            for row in stats["by_category"]}
    assert rows["identification"] == (1, 0, 0, 1) and rows["funds_misuse"] == (2, 1, 1, 0)
    assert rows["other"] == (0, 0, 0, 0)
    by_area = selectors.statistics(actor=county, area=selectors.office_for(on_time.area, 3))["by_area"]
    # Below 泸水市: 鲁掌镇 (533301102: on_time and pending) and 六库街道 (533301001: late).
    assert [(row["code"], row["total"], row["overdue"], row["on_time"]) for row in by_area] == [
        ("533301001000", 1, 0, 0), ("533301102000", 2, 1, 1)]
    assert list(selectors.overdue_for(county).values_list("pk", flat=True)) == [pending.pk]
    assert not selectors.overdue_for(world["township"]).exists()
    client = Client()
    client.force_login(county)
    page = client.get("/grievances/", {"overdue": "true"})
    assert page.status_code == 200 and pending.tracking_number in page.content.decode()
    assert on_time.tracking_number not in page.content.decode()
    assert client.get("/grievances/", {"overdu": "1"}).status_code == 400


# API --------------------------------------------------------------------------------------------------------------
def test_the_api_files_and_moves_a_ticket_within_scope(world, day):
    day.set("2026-11-02")
    home = household(VILLAGE, "533301102201003", "019")
    foreign = household(OTHER_VILLAGE, "533323101201003", "021")
    api = APIClient()
    api.force_authenticate(world["county"])
    payload = {"channel": "letter", "category": "favouritism", "household": home.pk, "summary": "优亲厚友",
               "content": "村干部亲属被纳入", "received_on": "2026-10-30", "reporter_name": SECRET_NAME}
    made = api.post("/api/grievances/", payload, format="json")
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["area"], body["office"], body["deadline"], body["reporter"], body["reporter_given"]) == (
        VILLAGE, COUNTY, "2026-12-29", None, True)  # 2026-10-30 + 60: 1 to 10-31, 30 in Nov, 29 → 12-29
    refused = api.post("/api/grievances/", {**payload, "household": foreign.pk}, format="json")
    assert refused.status_code == 400 and "household" in refused.json()
    moved = api.post(f"/api/grievances/{body['id']}/transition/", {"step": "accept"}, format="json")
    assert moved.status_code == 200 and moved.json()["status"] == "accepted"
    wrong = api.post(f"/api/grievances/{body['id']}/transition/", {"step": "close", "outcome": "x"}, format="json")
    assert wrong.status_code == 409
    viewer = APIClient()
    viewer.force_authenticate(world["other"])
    assert viewer.get(f"/api/grievances/{body['id']}/").status_code == 404
    assert viewer.get("/api/grievances/").json()["count"] == 0
    assert Household.objects.count() == 2


# Pages ------------------------------------------------------------------------------------------------------------
def test_an_office_files_and_handles_a_complaint_on_its_pages(world, day):
    from django.template import Context, Template
    from django.test import RequestFactory

    day.set("2026-11-02")
    client = Client()
    client.force_login(world["county"])
    assert client.get("/grievances/file/").status_code == 200
    posted = client.post("/grievances/file/", {
        "channel": "letter", "category": category("project_quality").pk, "area": "533301102202",
        "summary": "饮水工程漏水", "content": "管道漏水", "received_on": "2026-10-20"})
    assert posted.status_code == 302, posted.content.decode()[:2000]
    ticket = Ticket.objects.get()
    assert (ticket.office_id, ticket.deadline) == (COUNTY, datetime.date(2026, 12, 19))  # 10-20 + 60: 11 + 30 + 19
    page = client.get(f"/grievances/{ticket.pk}/").content.decode()
    assert 'id="step-accept"' in page and 'id="step-not_accept"' in page and 'id="step-reply"' not in page
    assert client.post(f"/grievances/{ticket.pk}/", {"step": "accept"}).status_code == 302
    refused = client.post(f"/grievances/{ticket.pk}/", {"step": "close", "close-outcome": "x"})
    assert refused.status_code == 400
    ticket.refresh_from_db()
    assert ticket.status == Status.ACCEPTED
    # A form the office posts with an error shows it and writes nothing.
    client.post(f"/grievances/{ticket.pk}/", {"step": "investigate"})
    bad = client.post(f"/grievances/{ticket.pk}/", {"step": "reply", "reply-finding": "partly", "reply-reply": ""})
    assert bad.status_code == 400 and Ticket.objects.get().status == Status.INVESTIGATING
    # The township may not open it; the statistics page and the dashboard's and inbox's panels render.
    township = Client()
    township.force_login(world["township"])
    assert township.get(f"/grievances/{ticket.pk}/").status_code == 404
    assert client.get("/grievances/statistics/", {"area": "533301", "year": "2026"}).status_code == 200
    request = RequestFactory().get("/")
    request.user = world["officer"]  # the panels are a complaints role's (test_panels.py)
    day.set("2027-01-05")
    html = Template('{% include "grievances/_dashboard.html" %}{% include "grievances/_inbox.html" %}').render(
        Context({"request": request}))
    assert 'id="grievance-statistics"' in html and ticket.tracking_number in html


def test_anonymous_reaches_only_the_public_pages(world):
    anonymous = Client()
    for url in ("/grievances/new/", "/grievances/track/"):
        assert anonymous.get(url).status_code == 200, url
    for url in ("/grievances/", "/grievances/export.csv", "/grievances/file/", "/grievances/statistics/",
                "/grievances/1/"):
        response = anonymous.get(url)
        assert response.status_code == 302 and "login" in response["Location"], url
    api = APIClient()
    assert api.get("/api/grievances/").status_code in (401, 403)
    assert api.post("/api/grievances/", {"channel": "hotline"}, format="json").status_code in (401, 403)


def test_lists_cost_the_same_queries_whatever_their_rows(world, day):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    day.set("2026-11-02")
    client, api = Client(), APIClient()
    client.force_login(world["county"])
    api.force_authenticate(world["county"])
    urls = [(client, "/grievances/"), (client, "/grievances/export.csv"), (api, "/api/grievances/"),
            (client, "/grievances/statistics/")]

    def counts():
        result = []
        for who, url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert who.get(url).status_code == 200
            result.append(len(queries))
        return result

    file(world["county"])
    first = counts()
    cadre = make_cadre(area=COUNTY, name="钱干部")
    for code in ("favouritism", "funds_misuse", "project_quality", "cadre_conduct"):
        file(world["county"], code=code, area="533301001201", cadre=cadre)
    assert counts() == first


def test_categories_and_cadre_links_change_through_their_audited_services(world):
    other = category("other")
    other.deadline_days = 0
    with pytest.raises(ValidationFailed):
        services.category_save(actor=world["admin"], category=other, is_new=False)
    other.deadline_days = 30
    with pytest.raises(PermissionDenied):  # a county's user is no nationwide administrator
        services.category_save(actor=world["county"], category=other, is_new=False)
    services.category_save(actor=world["admin"], category=other, is_new=False)
    assert Category.objects.get(code="other").deadline_days == 30
    cadre, second = make_cadre(area=COUNTY, name="孙干部"), make_cadre(area=COUNTY, name="周干部")
    link = services.cadre_account_link(actor=world["admin"], cadre=cadre, user=world["cadre_user"])
    with pytest.raises(ValidationFailed):  # one account, one cadre
        services.cadre_account_link(actor=world["admin"], cadre=second, user=world["cadre_user"])
    with pytest.raises(PermissionDenied):
        services.cadre_account_link(actor=world["county"], cadre=second, user=world["village"])
    services.cadre_account_unlink(actor=world["admin"], link=link)
    assert not CadreAccount.objects.exists()
    actions = list(AuditEvent.objects.filter(action__startswith="grievances.").values_list("action", flat=True))
    assert actions == ["grievances.category_saved", "grievances.cadre_linked", "grievances.cadre_unlinked"]
