"""The yearly re-evaluation on a hand-built county (issue 26 item 2): who should enter, who should leave and why,
with the thresholds of 2023 in 泸水 computed by hand — 低保 5,460 (455 × 12), 低保边缘 8,190 (1.5 × 5,460),
刚性支出困难 15,147 (云南 2022 rural disposable income), spending share 0.5, monitoring range 6,900."""

import csv
import io

import pytest
from django.core.management import call_command
from django.utils import translation

from fupin.core.errors import PermissionDenied, ValidationFailed
from fupin.lowincome import exports, reevaluation, services
from fupin.lowincome.models import Finding, FindingStatus
from fupin.testing.factories import load_fixture_divisions, make_user, system_user

from .helpers import FUGONG, LUZHANG, SANHE, D, check, member_of, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def county():
    load_fixture_divisions()
    people = {name: person(name, area) for name, area in [
        ("A", LUZHANG), ("B", LUZHANG), ("C", SANHE), ("D", SANHE), ("E", LUZHANG), ("F", LUZHANG),
        ("G", LUZHANG)]}
    a, b, c, d, e, f, g = people.values()
    check(a, 2023, "4000")                      # dibao (member) ✓; monitoring 4000 ≤ 6900 → enters
    member_of(a, "dibao", D(2021, 3, 1))
    check(b, 2023, "6000")                      # dibao leaves (6000 ≥ 5460); edge enters; monitoring enters
    member_of(b, "dibao", D(2021, 3, 1))
    check(c, 2023, "9000", size=3, medical="10000", education="4000")  # 14,000 > 0.5 × 9,000 × 3 = 13,500
    check(d, 2023, "5000", passed=False)        # property fails: edge leaves; monitoring (income only) enters
    member_of(d, "edge", D(2022, 2, 1))
    check(e, 2023, "6900")                      # at the range: monitoring stays; edge enters (5460 ≤ 6900 < 8190)
    member_of(e, "monitoring", D(2021, 6, 1), monitoring="2")
    check(f, 2023, "5000")                      # dibao ended mid-year: enters again; monitoring enters
    member_of(f, "dibao", D(2021, 1, 1), D(2023, 6, 30), reason="income")
    check(g, 2023, "9000", size=3, medical="13500")  # spending equal to the limit is not above it: nothing
    check(g, 2022, "1000")                      # another year's check is not read
    return people


EXPECTED = {("A", "monitoring", "enters"), ("B", "dibao", "leaves"), ("B", "edge", "enters"),
            ("B", "monitoring", "enters"), ("C", "rigid", "enters"), ("D", "edge", "leaves"),
            ("D", "monitoring", "enters"), ("E", "edge", "enters"), ("F", "dibao", "enters"),
            ("F", "monitoring", "enters")}


def _found(run):
    return {(f.person.name, f.category, f.change) for f in run.findings.select_related("person")}


def test_diff_report_on_a_hand_built_county(county):
    run = reevaluation.reevaluate(actor=system_user(), year=2023, area_code="533301")
    assert _found(run) == EXPECTED
    assert {k: v for k, v in run.counts.items() if k.endswith(("enters", "leaves")) and v} == {
        "dibao_enters": 1, "dibao_leaves": 1, "edge_enters": 2, "edge_leaves": 1, "rigid_enters": 1,
        "monitoring_enters": 4}
    rigid = run.findings.get(category="rigid")
    assert rigid.values == {
        "income_per_capita": "9000.00", "household_size": 3, "property_passed": True, "spending": "14000.00",
        "spending_limit": "13500.00", "dibao_line": "5460.00", "edge_line": "8190.00",
        "rigid_income_line": "15147.00", "rigid_spending_share": "0.5", "monitoring_line": "6900.00",
        "threshold": "rigid_income_line", "source": "check"}
    assert run.counts["thresholds"]["533301"]["edge_line"]["formula"] == "1.5 * dibao_line"
    with translation.override("en"):
        leaves = run.findings.get(person=county["B"], category="dibao")
        assert reevaluation.why(leaves.values, "dibao", "leaves").endswith("income per head 6000.00 above the "
                                                                           "line 5460.00")
        d = run.findings.get(person=county["D"], category="edge")
        assert "property test not passed" in reevaluation.why(d.values, "edge", "leaves")


def test_rerun_is_idempotent_and_keeps_what_the_office_did(county):
    first = reevaluation.reevaluate(actor=system_user(), year=2023, area_code="533301")
    done = first.findings.get(person=county["C"], category="rigid")
    services.finding_close(actor=system_user(), finding=done, status=FindingStatus.DONE)
    second = reevaluation.reevaluate(actor=system_user(), year=2023, area_code="533301")
    assert second.pk == first.pk and _found(second) == EXPECTED
    assert Finding.objects.get(pk=done.pk).status == FindingStatus.DONE
    assert Finding.objects.count() == 10


def test_the_office_acts_and_the_finding_disappears(county):
    run = reevaluation.reevaluate(actor=system_user(), year=2023, area_code="533301")
    services.membership_end(actor=system_user(), membership=county["B"].memberships.get(category="dibao"),
                            ends_on=D(2023, 12, 1), reason="reevaluation")
    member_of(county["C"], "rigid", D(2023, 11, 1))
    run = reevaluation.reevaluate(actor=system_user(), year=2023, area_code="533301")
    assert _found(run) == EXPECTED - {("B", "dibao", "leaves"), ("C", "rigid", "enters")}


def test_village_scope_and_permission(county):
    run = reevaluation.reevaluate(actor=system_user(), year=2023, area_code=SANHE)
    assert _found(run) == {("C", "rigid", "enters"), ("D", "edge", "leaves"), ("D", "monitoring", "enters")}
    with pytest.raises(PermissionDenied):
        reevaluation.reevaluate(actor=make_user(role="village_operator", area=FUGONG), year=2023,
                                area_code="533301")
    with translation.override("en"), pytest.raises(ValidationFailed, match="outside 2021"):
        reevaluation.reevaluate(actor=system_user(), year=2020, area_code="533301")


def test_export_csv_and_command(county, tmp_path):
    run = reevaluation.reevaluate(actor=system_user(), year=2023, area_code="533301")
    path = tmp_path / "diff.csv"
    with translation.override("en"):
        exports.write_findings(run.findings.all(), path, actor=system_user())
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 11 and rows[0][:3] == ["Name", "ID number", "Village"]
    assert {(row[0], row[4]) for row in rows[1:]} >= {("C", "should enter")}
    out = io.StringIO()
    call_command("lowincome", "reevaluate", "--year", "2023", "--area", "533301", "--format", "json", stdout=out)
    assert '"monitoring_enters": 4' in out.getvalue()
