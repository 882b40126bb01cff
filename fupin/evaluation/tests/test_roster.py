"""Roster-based evaluation (issue 26): the 农户花名册 import (every bad row explained, all or nothing, idempotent,
linked to the registry by the head's ID number), a sample drawn from the rosters, and the 漏评 / 漏监测 estimates
with the design-based interval, against hand computation."""

import math
from fractions import Fraction

import pytest
from django.utils import translation

from fupin.core.errors import PermissionDenied, ValidationFailed
from fupin.evaluation import selectors, services
from fupin.evaluation.importing import roster_import
from fupin.evaluation.models import RosterEntry, RosterHousehold, RosterSurvey
from fupin.registry.models import Household
from fupin.testing.factories import id_number, load_fixture_divisions, make_user, register_poor_household, write_csv

from .helpers import COUNTY, DAY, A, B

pytestmark = pytest.mark.django_db
HEADER = ["行政区划代码", "年度", "花名册序号", "户主姓名", "户主证件号码", "家庭人口"]


@pytest.fixture
def registered():
    load_fixture_divisions()
    household = register_poor_household(area=B, size=2, year=2019, status="1")
    return household, household.members.order_by("id").first().id_number


def test_roster_import_all_or_nothing_then_idempotent(tmp_path, registered):
    household, head = registered
    path = write_csv(tmp_path, "roster.csv", [
        HEADER,
        [A, "2025", "1", "张一", "", "3"],
        [B, "2025", "1", head, "", "2"],  # a name cell holding an ID number is still a name: accepted
        [B, "2025", "2", "王二", head, "2"],
        [B, "2025", "3", "李三", "533301198001010010", "4"],  # wrong check digit
        ["533301102000", "2025", "4", "赵四", "", "1"],  # a township, not a village
        [A, "2025", "5", "", "", "0"],
    ], encoding="utf-8-sig")
    actor = make_user(role="county_approver", area=COUNTY)
    report = roster_import(actor=actor, kind="roster", path=path)
    assert not report.written and RosterHousehold.objects.count() == 0
    assert sorted((e.row, e.column) for e in report.errors) == [(5, "户主证件号码"), (6, "行政区划代码"),
                                                                (7, "户主姓名")]
    with translation.override("en"):
        assert "check digit" in report.errors[0].as_dict()["message_en"] or any(
            "check digit" in e.as_dict()["message_en"] for e in report.errors)
    kept = roster_import(actor=actor, kind="roster", path=path, skip_invalid=True)
    assert kept.created == 3 and RosterHousehold.objects.count() == 3
    linked = RosterHousehold.objects.get(village_id=B, number="2")
    assert linked.household_id == household.pk and linked.head_id_number == head
    assert RosterHousehold.objects.get(village_id=A, number="1").household_id is None
    again = roster_import(actor=actor, kind="roster", path=path, skip_invalid=True)
    assert again.created == 0 and again.unchanged == 3
    outsider = make_user(role="county_approver", area="533323000000")
    refused = roster_import(actor=outsider, kind="roster", path=path, skip_invalid=True)
    assert refused.created == 0 and {e.row for e in refused.errors} >= {2, 3, 4}


def _roster(village, count, *, registered=None):
    rows = [RosterHousehold.objects.create(village_id=village, year=2025, number=str(k), head_name=f"户主{k}",
                                           persons=3) for k in range(1, count + 1)]
    if registered is not None:
        rows[0].household = registered
        rows[0].head_id_number = registered.members.first().id_number
        rows[0].save()
    return rows


def test_missed_registration_and_monitoring_estimates(registered):
    """Village A: a roster of 4, 2 drawn; village B: a roster of 2, both drawn (its first household registered).
    N = n = 2 villages, so there is no first-stage variance; the weights are 1 · 4/2 = 2 in A and 1 · 2/2 = 1 in B.

    漏评: the first drawn in A should be registered and is not (y = 1); all others y = 0.
      Ŷ = 2 · 1 = 2, X̂ = 2 · 2 + 1 · 2 = 6, R̂ = 1/3.
      e = y − R̂: A (2/3, −1/3), B (−1/3, −1/3). In A: s² = ((1/2)² + (1/2)²) / 1 = 1/2 and
      M²(1 − m/M) s²/m = 16 · 1/2 · 1/2 / 2 = 2; B is a census (no variance). V̂(Ŷ_e) = (N/n) · 2 = 2,
      V̂(R̂) = 2 / 6² = 1/18, SE = 0.2357, 95 % interval 1/3 ± 1.96 · 0.2357 = (−0.1287 → 0, 0.7953).
    漏监测: the second drawn in A should be monitored and is not (y = 1): the same figures by symmetry."""
    household, _head = registered
    Household.objects.filter(pk=household.pk).update(monitoring_category="1", risk_status="1")
    _roster(A, 4), _roster(B, 2, registered=household)
    actor = make_user(role="evaluator", area=COUNTY)
    survey = services.roster_survey_create(actor=actor, area_code=COUNTY, year=2025, seed=7,
                                           households_per_village=2)
    assert (survey.villages_total, survey.villages.count(), survey.entries.count()) == (2, 2, 4)
    assert services.roster_survey_create(actor=actor, area_code=COUNTY, year=2025, seed=7,
                                         households_per_village=2).pk == survey.pk  # a re-run draws nothing new
    entries = list(survey.entries.order_by("position"))
    in_a = [e for e in entries if e.area_code == A]
    in_b = [e for e in entries if e.area_code == B]
    assert [str(e.weight) for e in in_a] == ["2.000000", "2.000000"]
    assert [str(e.weight) for e in in_b] == ["1.000000", "1.000000"]
    assert [(e.registered, e.monitored) for e in in_b] == [(True, True), (False, False)]
    findings = {in_a[0].pk: (True, False), in_a[1].pk: (False, True), in_b[0].pk: (True, True),
                in_b[1].pk: (False, False)}
    for entry in entries:
        services.roster_finding_record(actor=actor, entry=entry, should_register=findings[entry.pk][0],
                                       should_monitor=findings[entry.pk][1], surveyed_on=DAY)
    result = selectors.roster_estimates(survey)
    assert (result["drawn"], result["surveyed"], result["missed_registration_found"],
            result["missed_monitoring_found"]) == (4, 4, 1, 1)
    for name in ("missed_registration", "missed_monitoring"):
        estimate = result["estimates"][name]
        assert estimate.value == Fraction(1, 3)
        assert estimate.variance == Fraction(1, 18)
        assert estimate.standard_error == pytest.approx(math.sqrt(1 / 18))
        assert estimate.low == 0.0
        assert estimate.high == pytest.approx(1 / 3 + 1.96 * math.sqrt(1 / 18))
        assert result[name]["exact"] == "1/3"


def test_non_response_is_absorbed_in_its_village(registered):
    """Only one of A's two drawn households answers (y = 1): it stands for A's 4 households (weight 4), B's two
    answer (y = 0): R̂ = 4 / (4 + 2) = 2/3. A has a single respondent (its variance is its residual from zero:
    (1/3)², M² (1 − m/M) s²/m = 16 · 3/4 · 1/9 = 4/3); V̂(R̂) = 4/3 / 36 = 1/27."""
    household, _head = registered
    _roster(A, 4), _roster(B, 2, registered=household)
    actor = make_user(role="evaluator", area=COUNTY)
    survey = services.roster_survey_create(actor=actor, area_code=COUNTY, year=2025, seed=11,
                                           households_per_village=2)
    entries = list(survey.entries.order_by("position"))
    in_a = [e for e in entries if e.area_code == A]
    services.roster_finding_record(actor=actor, entry=in_a[0], should_register=True, should_monitor=False,
                                   surveyed_on=DAY)
    for entry in (e for e in entries if e.area_code == B):
        services.roster_finding_record(actor=actor, entry=entry, should_register=False, should_monitor=False,
                                       surveyed_on=DAY)
    estimate = selectors.roster_estimates(survey)["estimates"]["missed_registration"]
    assert (estimate.value, estimate.variance) == (Fraction(2, 3), Fraction(1, 27))


def test_survey_checks(registered):
    actor = make_user(role="evaluator", area=COUNTY)
    with pytest.raises(ValidationFailed) as error:
        services.roster_survey_create(actor=actor, area_code=COUNTY, year=2025, seed=1, households_per_village=2)
    assert error.value.field == "year"  # no roster imported
    with pytest.raises(ValidationFailed):
        services.roster_survey_create(actor=actor, area_code=A, year=2025, seed=1, households_per_village=2)
    clerk = make_user(role="village_operator", area=COUNTY)
    with pytest.raises(PermissionDenied):
        services.roster_survey_create(actor=clerk, area_code=COUNTY, year=2025, seed=1, households_per_village=2)
    assert RosterSurvey.objects.count() == 0 and RosterEntry.objects.count() == 0
    assert id_number()  # the factory's numbers are valid


def test_roster_cli(tmp_path, registered, capsys):
    import json

    from django.core.management import call_command

    path = write_csv(tmp_path, "roster.csv", [HEADER] + [[A, "2025", str(k), f"户主{k}", "", "3"] for k in range(1, 5)])
    call_command("evaluation", "roster-import", str(path), "--format", "json")
    assert json.loads(capsys.readouterr().out)["created"] == 4
    call_command("evaluation", "roster-draw", "--area", "533301", "--year", "2025", "--seed", "3",
                 "--per-village", "2", "--format", "json")
    drawn = json.loads(capsys.readouterr().out)
    assert (drawn["villages_total"], drawn["households"]) == (1, 2)
    call_command("evaluation", "roster-estimates", str(drawn["survey"]), "--format", "json")
    result = json.loads(capsys.readouterr().out)
    assert (result["drawn"], result["surveyed"], result["missed_registration"]["value"]) == (2, 0, None)
