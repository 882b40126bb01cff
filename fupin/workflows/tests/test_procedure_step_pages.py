"""The procedure step forms linked from the policy page: administrators edit and add steps through the workflows
service (with its audit); everyone else is refused and changes nothing. The procedure table the policy page
includes (`{% procedure_table %}`) offers the forms to administrators only."""

import re

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from fupin.audit.models import AuditEvent
from fupin.testing.factories import load_fixture_divisions, make_user
from fupin.workflows.models import ProcedureStep

pytestmark = pytest.mark.django_db
STEP_FIELDS = ["order", "code", "name_zh", "name_en", "level", "action", "role", "notice", "notice_min_days"]


@pytest.fixture(autouse=True)
def divisions():
    load_fixture_divisions()


@pytest.fixture
def admin():
    return make_user(username="policy-admin", role="administrator", area=None)


@pytest.fixture
def reader():
    return make_user(username="approver", role="county_approver", area="533301000000")


def step_data(step: ProcedureStep, **changes) -> dict:
    data = {name: getattr(step, name) for name in STEP_FIELDS}
    if step.needs_evidence:
        data["needs_evidence"] = "on"
    data.update(changes)
    return data


def procedure_table(user) -> str:
    request = RequestFactory().get("/policy/")
    request.user = user
    return Template("{% load workflow_tags %}{% procedure_table %}").render(Context({"request": request}))


def test_the_table_lists_each_procedure_with_its_steps(admin, reader):
    shown = procedure_table(reader)
    assert shown.startswith('<section class="card" id="procedures">') and shown.endswith("</section>")
    household_exit = re.search(r'<tr data-step="village_notice">.*?</tr>', shown, re.S)
    assert household_exit is not None and '<td class="num" data-notice-days>7</td>' in household_exit.group(0)
    assert "/steps/" not in shown
    step = ProcedureStep.objects.get(procedure__code="household_identification", code="village_notice")
    offered = procedure_table(admin)
    assert reverse("web:policy-step", args=["household_identification", step.pk]) in offered
    assert reverse("web:policy-step-add", args=["household_identification"]) in offered


def test_others_cannot_edit_or_add_steps(client, reader):
    client.force_login(reader)
    step = ProcedureStep.objects.get(procedure__code="household_identification", code="village_notice")
    assert client.get(reverse("web:policy-step", args=["household_identification", step.pk])).status_code == 403
    assert client.post(reverse("web:policy-step", args=["household_identification", step.pk]),
                       step_data(step, notice_min_days=1)).status_code == 403
    assert client.post(reverse("web:policy-step-add", args=["household_identification"]),
                       step_data(step, order=20, code="extra")).status_code == 403
    step.refresh_from_db()
    assert step.notice_min_days == 7
    assert ProcedureStep.objects.filter(procedure__code="household_identification").count() == 9
    assert not AuditEvent.objects.filter(action="workflows.procedure_saved").exists()


def test_an_unknown_procedure_or_step_is_404(client, admin):
    client.force_login(admin)
    step = ProcedureStep.objects.get(procedure__code="household_identification", code="village_notice")
    assert client.get(reverse("web:policy-step-add", args=["no_such_procedure"])).status_code == 404
    assert client.get(reverse("web:policy-step", args=["household_exit", step.pk])).status_code == 404


def test_an_administrator_edits_and_adds_procedure_steps(client, admin):
    client.force_login(admin)
    step = ProcedureStep.objects.get(procedure__code="household_identification", code="village_notice")
    url = reverse("web:policy-step", args=["household_identification", step.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, step_data(step, notice_min_days=10))
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == f"{reverse('web:policy')}#procedure-household_identification"
    step.refresh_from_db()
    assert (step.notice_min_days, step.notice, step.order) == (10, "gongshi", 4)
    event = AuditEvent.objects.get(action="workflows.procedure_saved")
    assert [4, "village_notice", 5, "change", "village_operator", "gongshi", 10, False] in event.after["steps"]
    clash = client.post(url, step_data(step, order=5))
    assert clash.status_code == 200 and ProcedureStep.objects.get(pk=step.pk).order == 4
    added = client.post(reverse("web:policy-step-add", args=["household_identification"]), {
        "order": 10, "code": "archive", "name_zh": "归档", "name_en": "archived", "level": 3, "action": "approve",
        "role": "county_approver", "notice": "", "notice_min_days": 0, "needs_evidence": "on"})
    assert added.status_code == 302
    archive = ProcedureStep.objects.get(procedure__code="household_identification", code="archive")
    assert (archive.order, archive.level, archive.role, archive.needs_evidence) == (10, 3, "county_approver", True)
    assert AuditEvent.objects.filter(action="workflows.procedure_saved").count() == 2
