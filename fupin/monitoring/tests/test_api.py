"""The monitoring API: the permission matrix on tasks (PATCH assigns a cadre), completing a task, warnings and
the report scoped to the user's areas, and list endpoints whose query count does not grow with their rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from fupin.audit.models import AuditEvent
from fupin.monitoring import services
from fupin.monitoring.models import RiskWarning, VisitTask
from fupin.testing.factories import load_fixture_divisions, make_cadre, make_user, system_user
from fupin.testing.permission_matrix import PermissionMatrix
from fupin.workflows.models import Case

from .helpers import LUZHANG, D, household, responsible

pytestmark = pytest.mark.django_db


def make_task(area: str) -> VisitTask:
    """A flood in the village warns a household there; its task, through the services."""
    target = household(area)
    services.disaster_record(actor=system_user(), area_code=area, kind="flood", occurred_on=D(2023, 6, 1),
                             title="山洪")
    run = services.warnings_run(actor=system_user(), year=2023, area_code=area, on=D(2023, 6, 10),
                                rules=["disaster"])
    return next(w.task for w in run.warnings if w.household_id == target.pk)


class TestTaskPermissions(PermissionMatrix):
    basename = "visit-task"
    model = VisitTask
    supports_create = False
    supports_delete = False

    def make_object(self, area_code):
        return make_task(area_code)

    def update_payload(self):
        return {"cadre": make_cadre(name="指派干部").pk}


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def task():
    load_fixture_divisions()
    made = make_task(LUZHANG)
    responsible(made.household)
    VisitTask.objects.filter(pk=made.pk).update(cadre=make_cadre(name="责任干部"))
    made.refresh_from_db()
    return made


def test_complete_through_the_api_opens_the_case(task):
    operator = make_user(role="village_operator", area=LUZHANG)
    url = reverse("api:visit-task-complete", args=[task.pk])
    response = client_for(operator).post(url, {"confirmed": True, "visited_on": "2023-06-12", "category": "3",
                                               "notes": "山洪冲毁部分耕地"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    case = Case.objects.get()
    assert (body["status"], body["outcome"], body["case"], body["case_step"]) == ("done", "confirmed", case.pk,
                                                                                   "clue")
    assert case.params == {"category": "3"}


def test_denied_complete_changes_nothing(task):
    viewer = make_user(actions=["view"], area="533301000000")
    before = (list(VisitTask.objects.values()), list(RiskWarning.objects.values()), AuditEvent.objects.count())
    url = reverse("api:visit-task-complete", args=[task.pk])
    response = client_for(viewer).post(url, {"confirmed": False, "visited_on": "2023-06-12", "reason": "无风险"},
                                       format="json")
    assert response.status_code == 403
    outsider = make_user(actions=["view", "change"], area="441900000000")
    assert client_for(outsider).post(url, {"confirmed": False, "visited_on": "2023-06-12", "reason": "无风险"},
                                     format="json").status_code == 404
    assert (list(VisitTask.objects.values()), list(RiskWarning.objects.values()), AuditEvent.objects.count()) == before


def test_warnings_and_report_are_scoped(task):
    inside = make_user(actions=["view"], area="533301000000")
    outside = make_user(actions=["view"], area="441900000000")
    listed = client_for(inside).get(reverse("api:risk-warning-list")).json()["results"]
    assert [(w["rule"], w["household"], w["task"]) for w in listed] == [
        ("disaster", task.household.number, task.pk)]
    assert client_for(outside).get(reverse("api:risk-warning-list")).json()["results"] == []
    report = client_for(inside).get(reverse("api:monitoring-report"), {"area": "533301", "month": "2023-06"}).json()
    assert report["total"]["warnings"] == 1 and report["total"]["tasks_overdue"] == 1
    assert client_for(outside).get(reverse("api:monitoring-report"),
                                   {"area": "533301", "month": "2023-06"}).json()["rows"] == []
    assert client_for(inside).get(reverse("api:monitoring-report"), {"area": "533301"}).status_code == 400
    overdue = client_for(inside).get(reverse("api:visit-task-list"), {"overdue": "1", "on": "2023-06-14"}).json()
    assert [t["id"] for t in overdue["results"]] == [task.pk]


def test_disasters_are_recorded_through_the_api_and_a_scan_starts_a_job(task):
    operator = make_user(actions=["view", "change"], area="533301000000")
    response = client_for(operator).post(reverse("api:disaster-list"), {
        "area": "533301102", "kind": "drought", "occurred_on": "2023-05-01", "title": "春旱"}, format="json")
    assert response.status_code == 201, response.content
    assert client_for(make_user(actions=["view", "change"], area="441900000000")).post(
        reverse("api:disaster-list"), {"area": "533301102", "kind": "drought", "occurred_on": "2023-05-02",
                                       "title": "春旱"}, format="json").status_code == 403
    job = client_for(operator).post(reverse("api:monitoring-scan"), {"year": 2023, "area": "533301",
                                                                     "on": "2023-06-10"}, format="json")
    assert job.status_code == 202 and job.json()["kind"] == "monitoring.warnings"


@pytest.mark.parametrize("name", ["api:visit-task-list", "api:risk-warning-list"])
def test_list_query_counts_do_not_grow_with_rows(name):
    load_fixture_divisions()
    viewer = make_user(actions=["view"], area="533301000000")
    make_task(LUZHANG)
    client = client_for(viewer)
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(reverse(name)).json()["results"]) == 1
    household(LUZHANG), household(LUZHANG)
    services.warnings_run(actor=system_user(), year=2023, area_code=LUZHANG, on=D(2023, 6, 11), rules=["disaster"])
    with CaptureQueriesContext(connection) as three:
        assert len(client.get(reverse(name)).json()["results"]) == 3
    assert len(three.captured_queries) == len(one.captured_queries)
