"""Registry households on no department list are re-evaluated on the registry's record (issue 26 item 2, ADR 0016
"not yet"), and findings open the matching procedure case (monitoring identification, risk elimination), at most
one each. 2023 in 泸水 (hand computed): 低保 5,460, 低保边缘 8,190, 刚性支出困难 15,147 (share 0.5), monitoring
range 6,900; a registry household's income per head is its year's wages ÷ its size."""

import io
import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from fupin.core.errors import ValidationFailed
from fupin.lowincome import reevaluation, services
from fupin.lowincome.models import Finding, FindingStatus, Person
from fupin.monitoring.tests.helpers import household
from fupin.registry.models import Household
from fupin.testing.factories import load_fixture_divisions, make_user, system_user
from fupin.testing.pages import log_in_as
from fupin.workflows.models import Case

from .helpers import LUZHANG, SANHE, D, check, member_of, person

pytestmark = pytest.mark.django_db


def _head(registered):
    return registered.members.get(relation="01")


@pytest.fixture
def county():
    load_fixture_divisions()
    h1 = household(LUZHANG, wages={2022: "8000", 2023: "8000"})     # 4,000: dibao enters, monitoring enters
    h2 = household(LUZHANG, wages={2022: "14000", 2023: "14000"})   # 7,000: edge enters (above the range)
    h3 = household(SANHE, wages={2022: "40000", 2023: "40000"})     # 20,000: nothing
    h4 = household(SANHE, wages={2022: "10000", 2023: "10000"})     # 5,000: dibao enters; a monitoring object
    Household.objects.filter(pk=h4.pk).update(monitoring_category="1", risk_status="1",
                                              monitoring_since=D(2022, 5, 1))
    h5 = household(LUZHANG, wages={2022: "8000", 2023: "8000"})     # on a list, checked: the check decides
    listed = services.person_find_or_create(actor=system_user(), id_number=_head(h5).id_number, name="")
    check(listed, 2023, "20000")
    h6 = household(SANHE, wages={2022: "40000", 2023: "40000"})     # 20,000, its head on 低保: leaves
    on_dibao = services.person_find_or_create(actor=system_user(), id_number=_head(h6).id_number, name="")
    member_of(on_dibao, "dibao", D(2021, 3, 1))
    outside = person("名单外")                                       # on a list, not in the registry
    check(outside, 2023, "5000")                                    # dibao, monitoring enter
    return {"h1": h1, "h2": h2, "h3": h3, "h4": h4, "h5": h5, "h6": h6, "outside": outside}


def _found(run, county):
    names = {_head(county[key]).id_number: key for key in ("h1", "h2", "h3", "h4", "h5", "h6")}
    names[county["outside"].id_number] = "outside"
    return {(names[f.person.id_number], f.category, f.change) for f in run.findings.select_related("person")}


EXPECTED = {("h1", "dibao", "enters"), ("h1", "monitoring", "enters"), ("h2", "edge", "enters"),
            ("h4", "dibao", "enters"), ("h6", "dibao", "leaves"), ("outside", "dibao", "enters"),
            ("outside", "monitoring", "enters")}


def test_registry_households_on_no_list_are_tested(county):
    run = reevaluation.reevaluate(actor=system_user(), year=2023, area_code="533301")
    assert _found(run, county) == EXPECTED
    assert (run.counts["from_registry"], run.counts["registry_without_id_number"]) == (5, 0)
    h1 = run.findings.get(person__household=county["h1"], category="dibao")
    assert h1.values == {
        "income_per_capita": "4000.00", "household_size": 2, "property_passed": None, "spending": "0.00",
        "spending_limit": "4000.00", "dibao_line": "5460.00", "edge_line": "8190.00", "rigid_income_line": "15147.00",
        "rigid_spending_share": "0.5", "monitoring_line": "6900.00", "threshold": "dibao_line",
        "source": "registry"}
    # Each household stands as its head, entered in the register linked to the member: h1, h2, h4 new.
    assert Person.objects.filter(member__relation="01").count() == 5
    assert not Person.objects.filter(household=county["h3"]).exists()
    with translation.override("en"):
        leaves = run.findings.get(person__household=county["h6"])
        assert reevaluation.why(leaves.values, "dibao", "leaves").endswith(
            "income per head 20000.00 above the line 5460.00")
    # A re-run finds the same and makes no one twice.
    again = reevaluation.reevaluate(actor=system_user(), year=2023, area_code="533301")
    assert _found(again, county) == EXPECTED and Person.objects.count() == 6


def test_findings_open_their_case_once(county):
    run = reevaluation.reevaluate(actor=system_user(), year=2023, area_code="533301")
    finding = run.findings.get(person__household=county["h1"], category="monitoring")
    case = services.finding_open_case(actor=system_user(), finding=finding, category="1", on=D(2024, 1, 5))
    assert (case.procedure.code, case.household_id, case.year, case.started_on, case.params) == (
        "monitoring_identification", county["h1"].pk, 2023, D(2024, 1, 5),
        {"lowincome_finding": finding.pk, "category": "1"})
    finding.refresh_from_db()
    assert (finding.case_id, finding.status, list(case.lowincome_findings.all())) == (case.pk, FindingStatus.DONE,
                                                                                      [finding])
    assert services.finding_open_case(actor=system_user(), finding=finding).pk == case.pk
    assert Case.objects.count() == 1
    rerun = reevaluation.reevaluate(actor=system_user(), year=2023, area_code="533301")
    assert rerun.findings.get(pk=finding.pk).case_id == case.pk and Case.objects.count() == 1
    with translation.override("en"):
        with pytest.raises(ValidationFailed, match="No procedure of this system decides"):
            services.finding_open_case(actor=system_user(), finding=rerun.findings.get(
                person__household=county["h1"], category="dibao"))
        with pytest.raises(ValidationFailed, match="is not in the 建档立卡 registry"):
            services.finding_open_case(actor=system_user(), finding=rerun.findings.get(
                person=county["outside"], category="monitoring"))


def test_automatic_opening_and_the_command(county):
    run = reevaluation.reevaluate(actor=system_user(), year=2023, area_code="533301", open_cases=True)
    # h1's monitoring opens; the outsider's is refused (not in the registry); 低保 and 低保边缘 have no procedure.
    assert run.counts["cases"] == {"opened": 1, "refused": 1}
    case = Case.objects.get()
    assert (case.procedure.code, case.household_id) == ("monitoring_identification", county["h1"].pk)
    out = io.StringIO()
    call_command("lowincome", "findings", "open-cases", "--area", "533301", "--year", "2023", "--format", "json",
                 stdout=out)
    body = json.loads(out.getvalue())
    assert (body["opened"], body["refused"], [c["case"] for c in body["cases"]]) == (0, 1, [case.pk])
    assert Case.objects.count() == 1


def test_open_case_through_the_api_and_the_page(county):
    run = reevaluation.reevaluate(actor=system_user(), year=2023, area_code="533301")
    finding = run.findings.get(person__household=county["h1"], category="monitoring")
    viewer = APIClient()
    viewer.force_authenticate(make_user(actions=["view"], area="533301000000"))
    url = f"/api/lowincome/findings/{finding.pk}/open-case/"
    assert viewer.post(url, {}, format="json").status_code == 403
    api = APIClient()
    api.force_authenticate(system_user())
    response = api.post(url, {"category": "2"}, format="json")
    assert response.status_code == 200, response.content
    case = Case.objects.get()
    assert (response.json()["case"], response.json()["status"], response.json()["procedure"], case.params["category"]
            ) == (case.pk, "done", "monitoring_identification", "2")
    assert api.post(url, {}, format="json").json()["case"] == case.pk
    dibao = run.findings.get(person__household=county["h4"], category="dibao")
    refused = api.post(f"/api/lowincome/findings/{dibao.pk}/open-case/", {}, format="json",
                       HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400 and refused.json()["field"] == "category"
    # The page: the case is linked; a finding of an outsider offers no button.
    client = log_in_as(Client(), "533301000000", actions=("view", "change"))
    page = client.get("/lowincome/533301000000/reevaluation/?year=2023").content.decode()
    assert f"/inbox/cases/{case.pk}/decide/" in page
    assert page.count('value="open_case"') == 0  # h1's monitoring is done; no other finding has a procedure
    assert Finding.objects.filter(case__isnull=False).count() == 1
