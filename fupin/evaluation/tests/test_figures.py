"""三率一度 and their 95 % intervals on a hand-built sample, checked against arithmetic done by hand (below, in the
comments: the formulas are those of ADR 0009), and an appeal turning a failed verdict into a pass.

The hand-built sample (N = 3 villages in the frame, n = 2 sampled: A and B; weights w = N/n · M/m):

    village  stratum   M  m  weight  household  persons  finding
    A        exit      2  2  3/2     a1         2        —
    A        exit                    a2         3        错退 (income 3000 ≤ line 3747); does not recognise
    A        ordinary  4  2  3       a3         4        漏评 (income 3000 ≤ line)
    A        ordinary                a4         2        —
    B        exit      2  2  3/2     b1         4        —
    B        exit                    b2         1        —
    B        ordinary  6  2  9/2     b3         3        —
    B        ordinary                b4         5        does not recognise

Every other household recognises.
"""

from decimal import Decimal
from fractions import Fraction

import pytest

from fupin.core.errors import PermissionDenied, ValidationFailed
from fupin.evaluation import estimators, figures, services
from fupin.evaluation.models import Appeal, SampleEntry
from fupin.testing.factories import load_fixture_divisions, make_user, system_user

from .helpers import COUNTY, DAY, A, B, C, answers, households, population

F = Fraction
UNITS = [estimators.Unit(v, s) for v, s in (
    (A, "exit"), (A, "exit"), (A, "ordinary"), (A, "ordinary"),
    (B, "exit"), (B, "exit"), (B, "ordinary"), (B, "ordinary"))]
DESIGN = estimators.Design(3, (A, B), {(A, "exit"): 2, (A, "ordinary"): 4, (B, "exit"): 2, (B, "ordinary"): 6})
PERSONS = [2, 3, 4, 2, 4, 1, 3, 5]
EXIT_X = [F(p) if u.stratum == "exit" else F(0) for p, u in zip(PERSONS, UNITS, strict=True)]
ORD_X = [F(p) if u.stratum == "ordinary" else F(0) for p, u in zip(PERSONS, UNITS, strict=True)]
WRONG_Y = [F(0), F(3), F(0), F(0), F(0), F(0), F(0), F(0)]
MISSED_Y = [F(0), F(0), F(4), F(0), F(0), F(0), F(0), F(0)]
RECOGNISED = [F(1), F(0), F(1), F(1), F(1), F(1), F(1), F(0)]

# 错退率 -----------------------------------------------------------------------------------------------------------
# Ŷ = 3/2·3 = 9/2 wrongly exited persons; X̂ = 3/2·(2+3+4+1) = 15 exiting persons; R̂ = (9/2)/15 = 3/10.
# Residuals e = y − 0.3x: a1 −0.6, a2 2.1, b1 −1.2, b2 −0.3 (ordinary households 0).
# Village totals Ŷ_h = Σ_g M·ē: A = 2·(−0.6+2.1)/2 = 1.5; B = 2·(−1.2−0.3)/2 = −1.5.
# Within villages: the exit strata are censuses (1 − m/M = 0), the ordinary residuals are 0: nothing.
# Between: s₁² = (1.5² + 1.5²)/(2−1) = 4.5; N²(1 − n/N)s₁²/n = 9·(1/3)·4.5/2 = 6.75.
# V̂(R̂) = 6.75/15² = 0.03; SE = √0.03 = 0.1732051; 1.96·SE = 0.3394820 → [0.3 − 0.339482 → 0, 0.639482].
WRONG = {"estimate": 0.3, "ci_low": 0.0, "ci_high": 0.639482, "standard_error": 0.173205}

# 漏评率 -----------------------------------------------------------------------------------------------------------
# Ŷ = 3·4 = 12 missed persons; X̂ = 3·(4+2) + 9/2·(3+5) = 18 + 36 = 54; R̂ = 12/54 = 2/9 = 0.222222.
# e = y − (2/9)x: a3 4 − 8/9 = 28/9, a4 −4/9, b3 −6/9, b4 −10/9.
# Ŷ_A = 4·(28/9 − 4/9)/2 = 16/3; Ŷ_B = 6·(−6/9 − 10/9)/2 = −16/3.
# Within A: mean 12/9, deviations ±16/9, s² = 2·(16/9)² = 512/81; M²(1 − m/M)s²/m = 16·(1/2)·(512/81)/2 = 2048/81.
# Within B: mean −8/9, deviations ±2/9, s² = 8/81; 36·(2/3)·(8/81)/2 = 96/81.
# (N/n)·Σ within = 3/2·2144/81 = 1072/27.  Between: s₁² = 2·(16/3)² = 512/9; 9·(1/3)·(512/9)/2 = 256/3.
# V̂(Ẑ) = 1072/27 + 256/3 = 3376/27; V̂(R̂) = (3376/27)/54² = 844/19683 = 0.0428796; SE = 0.207074;
# 1.96·SE = 0.405865 → [0, 0.628087].
MISSED = {"estimate": 0.222222, "ci_low": 0.0, "ci_high": 0.628087, "standard_error": 0.207074}

# 群众认可度 ---------------------------------------------------------------------------------------------------------
# Ŷ = 3/2 (a1) + 3 + 3 (a3, a4) + 3/2 + 3/2 (b1, b2) + 9/2 (b3) = 15; X̂ = 2·3/2 + 2·3 + 2·3/2 + 2·9/2 = 21;
# R̂ = 15/21 = 5/7 = 0.714286.  e = 2/7 (recognises) or −5/7.
# Ŷ_A = 2·(2/7 − 5/7)/2 + 4·(2/7) = −3/7 + 8/7 = 5/7; Ŷ_B = 2·(2/7) + 6·(2/7 − 5/7)/2 = 4/7 − 9/7 = −5/7.
# Within: A ordinary residuals equal (s² = 0); B ordinary 2/7, −5/7: s² = 2·(1/2)² = 1/2; 36·(2/3)·(1/2)/2 = 6;
# times N/n: 9.  Between: s₁² = 2·(5/7)² = 50/49; 9·(1/3)·(50/49)/2 = 75/49.
# V̂(Ẑ) = 9 + 75/49 = 516/49; V̂(R̂) = (516/49)/21² = 172/7203 = 0.0238789; SE = 0.154528; 1.96·SE = 0.302875
# → [0.411411, 1.017161 → 1].
RECOGNITION = {"estimate": 0.714286, "ci_low": 0.411411, "ci_high": 1.0, "standard_error": 0.154528}

# 综合贫困发生率 (the registry of the DB test: remaining poor 4 in A + 3 in C = 7; exiting persons 2+3 (A) + 4+1 (B)
# + 2 (C) = 12; registered 19 of a rural population of 1000, so 981 unregistered) ------------------------------------
# I = (7 + 0.3·12 + (2/9)·981)/1000 = (7 + 3.6 + 218)/1000 = 0.2286.
# z = (12·e_wrong/15 + 981·e_missed/54)/1000. Village totals (before /1000): A = 0.8·1.5 + (981/54)·(16/3) = 1.2 +
# 96.888889 = 98.088889 (= 4414/45); B = −98.088889.  Within: (981/54)²·1072/27 = 330.027778·39.703704 = 13103.31;
# between: 9·(1/3)·(2·98.088889²)/2 = 3·9621.430 = 28864.29.  V̂ = (13103.31 + 28864.29)/1000² = 0.0419676;
# SE = 0.204860; 1.96·SE = 0.401526 → [0, 0.630126].
COMPREHENSIVE = {"estimate": 0.2286, "ci_low": 0.0, "ci_high": 0.630126, "standard_error": 0.20486}


def _rounded(estimate: estimators.Estimate) -> dict:
    return {"estimate": round(float(estimate.value), 6), "ci_low": round(estimate.low, 6),
            "ci_high": round(estimate.high, 6), "standard_error": round(estimate.standard_error, 6)}


def test_weights_are_the_design_weights():
    assert estimators.weights(DESIGN, UNITS) == [F(3, 2), F(3, 2), F(3), F(3), F(3, 2), F(3, 2), F(9, 2), F(9, 2)]


def test_rates_and_intervals_by_hand():
    wrong = estimators.ratio(DESIGN, UNITS, WRONG_Y, EXIT_X)
    assert (wrong.value, wrong.variance) == (F(3, 10), F(3, 100))
    assert _rounded(wrong) == WRONG
    missed = estimators.ratio(DESIGN, UNITS, MISSED_Y, ORD_X)
    assert (missed.value, missed.variance) == (F(2, 9), F(844, 19683))
    assert _rounded(missed) == MISSED
    recognition = estimators.ratio(DESIGN, UNITS, RECOGNISED, [F(1)] * 8)
    assert (recognition.value, recognition.variance) == (F(5, 7), F(172, 7203))
    assert _rounded(recognition) == RECOGNITION
    comprehensive = estimators.comprehensive_incidence(
        DESIGN, UNITS, remaining=7, population=1000, exit_persons=12, unregistered=981,
        wrong=(WRONG_Y, EXIT_X), missed=(MISSED_Y, ORD_X))
    assert comprehensive.value == F(1143, 5000)
    assert _rounded(comprehensive) == COMPREHENSIVE


def test_single_unit_strata_and_a_full_village_sample():
    # One village of one (n = N: no between-village term); its ordinary stratum has one interview of M = 3, so s² is
    # the residual squared (deviation from zero). y = 1 of x = 1 in the exit stratum (census), ordinary y = 0, x = 2.
    # Recognition-style ratio over both: R̂ = (1·1 + 3·0)/(1·1 + 3·1) = 1/4; e = 3/4 (exit), −1/4 (ordinary).
    # Within ordinary: M²(1 − m/M)·e²/m = 9·(2/3)·(1/16)/1 = 3/8; V̂(R̂) = (N/n)·(3/8)/X̂² = (3/8)/16 = 3/128.
    design = estimators.Design(1, (A,), {(A, "exit"): 1, (A, "ordinary"): 3})
    units = [estimators.Unit(A, "exit"), estimators.Unit(A, "ordinary")]
    estimate = estimators.ratio(design, units, [F(1), F(0)], [F(1), F(1)])
    assert (estimate.value, estimate.variance) == (F(1, 4), F(3, 128))


def test_thresholds_are_exact():
    assert figures._passes(F(1, 50), "<=", Decimal("0.0200"))
    assert not figures._passes(F(1, 50) + F(1, 10**9), "<=", Decimal("0.0200"))
    assert not figures._passes(F(3, 100), "<", Decimal("0.0300"))
    assert figures._passes(F(9, 10), ">=", Decimal("0.9000"))


# With the database: the same sample drawn, interviewed and computed ------------------------------------------------
@pytest.fixture
def county(db):
    load_fixture_divisions()
    population(1000)
    world = {A: households(A, exits=(2, 3), ordinary=(1, 1, 1, 1), poor=(4,)),
             B: households(B, exits=(4, 1), ordinary=(1,) * 6),
             C: households(C, exits=(2,), ordinary=(1, 1), poor=(3,))}
    return world


SHEETS = {  # by position in the sample: A exit ×2, A ordinary ×2, B exit ×2, B ordinary ×2
    1: answers("exit", persons=2),
    2: answers("exit", persons=3, income="3000", recognised=False),
    3: answers("ordinary", persons=4, income="3000"),
    4: answers("ordinary", persons=2),
    5: answers("exit", persons=4),
    6: answers("exit", persons=1),
    7: answers("ordinary", persons=3),
    8: answers("ordinary", persons=5, recognised=False),
}


def _interview_all(evaluation, sheets, actor=None):
    for entry in evaluation.entries.order_by("position"):
        services.interview_record(actor=actor or system_user(), entry=entry, answers=sheets[entry.position],
                                  interviewed_on=DAY, interviewer="调查员甲")


def test_figures_of_the_hand_built_sample(county):
    evaluation = services.evaluation_create(actor=system_user(), area_code=COUNTY, year=2019, seed=5, villages=2,
                                            ordinary_per_village=2)
    assert [v.area_id for v in evaluation.villages.order_by("area_id")] == [A, B]  # seed 5 draws A and B
    assert [(e.area_code, e.stratum, e.weight) for e in evaluation.entries.order_by("position")] == [
        (A, "exit", Decimal("1.5")), (A, "exit", Decimal("1.5")), (A, "ordinary", Decimal("3")),
        (A, "ordinary", Decimal("3")), (B, "exit", Decimal("1.5")), (B, "exit", Decimal("1.5")),
        (B, "ordinary", Decimal("4.5")), (B, "ordinary", Decimal("4.5"))]
    _interview_all(evaluation, SHEETS)
    result = figures.compute(evaluation)
    got = {key: {k: item[k] for k in ("estimate", "ci_low", "ci_high", "standard_error")}
           for key, item in result["indicators"].items()}
    assert got == {"wrong_exit_rate": WRONG, "missed_rate": MISSED, "recognition": RECOGNITION,
                   "comprehensive_incidence": COMPREHENSIVE}
    comprehensive = result["indicators"]["comprehensive_incidence"]
    assert (comprehensive["remaining_poor"], comprehensive["exit_persons"], comprehensive["unregistered_persons"],
            comprehensive["rural_population"]) == (7, 12, 981, 1000)
    # the plain sample counts beside the estimates: 3 of 10 exiting persons, 4 of 14 ordinary persons, 6 of 8 homes
    assert [(result["indicators"][k]["sample_numerator"], result["indicators"][k]["sample_denominator"])
            for k in ("wrong_exit_rate", "missed_rate", "recognition")] == [(3, 10), (4, 14), (6, 8)]
    # thresholds from the rules app (national rows; 云南 is western: county incidence below 3 %)
    assert [(k, result["indicators"][k]["comparison"], result["indicators"][k]["threshold"])
            for k in figures.ORDER] == [("comprehensive_incidence", "<", "0.0300"), ("wrong_exit_rate", "<=", "0.0200"),
                                        ("missed_rate", "<=", "0.0200"), ("recognition", ">=", "0.9000")]
    assert result["verdict"] == {"passed": False, "failed": list(figures.ORDER)}


def test_answers_are_checked_against_the_questionnaire(county):
    evaluation = services.evaluation_create(actor=system_user(), area_code=COUNTY, year=2019, seed=5, villages=2,
                                            ordinary_per_village=2)
    ordinary = evaluation.entries.filter(stratum="ordinary").first()
    exit_entry = evaluation.entries.filter(stratum="exit").first()
    cases = [
        (ordinary, {**answers("ordinary", persons=2), "recognise_exit": True}, "answers"),  # an exit-only question
        (exit_entry, {k: v for k, v in answers("exit", persons=2).items() if k != "water_secure"},
         "answers.water_secure"),
        (exit_entry, {**answers("exit", persons=2), "household_size": 0}, "answers.household_size"),
        (exit_entry, {**answers("exit", persons=2), "income_per_capita": "很多"}, "answers.income_per_capita"),
        (exit_entry, {**answers("exit", persons=2), "food_secure": "是"}, "answers.food_secure"),
    ]
    for entry, sheet, field in cases:
        with pytest.raises(ValidationFailed) as raised:
            services.interview_record(actor=system_user(), entry=entry, answers=sheet, interviewed_on=DAY)
        assert raised.value.field == field
    assert not SampleEntry.objects.filter(interview__isnull=False).exists()


# An appeal changing the verdict -------------------------------------------------------------------------------------
def test_an_upheld_appeal_turns_the_verdict(db):
    load_fixture_divisions()
    population(1000)
    households(A, exits=(2, 3), ordinary=(1, 1))
    evaluation = services.evaluation_create(actor=system_user(), area_code=COUNTY, year=2019, seed=1,
                                            ordinary_per_village=2)
    # One village of one, every household sampled: all weights 1, no sampling variance.
    sheets = {1: answers("exit", persons=2, income="3600"), 2: answers("exit", persons=3),
              3: answers("ordinary", persons=1), 4: answers("ordinary", persons=1)}
    _interview_all(evaluation, sheets)
    before = figures.compute(evaluation)
    # 错退率 = 2 wrongly exited persons (income 3600 ≤ 3747) / 5 exiting persons = 0.4 > 0.02: vetoed.
    # 综合 = (0 remaining + 0.4·5 exiting + 0·998 unregistered)/1000 = 0.002 < 0.03; 漏评 0/2 = 0; 认可 4/4 = 1.
    assert {k: (v["estimate"], v["passed"]) for k, v in before["indicators"].items()} == {
        "comprehensive_incidence": (0.002, True), "wrong_exit_rate": (0.4, False), "missed_rate": (0.0, True),
        "recognition": (1.0, True)}
    assert before["verdict"] == {"passed": False, "failed": ["wrong_exit_rate"]}

    first = evaluation.entries.get(position=1)
    clerk = make_user(role="village_operator", area=A)
    with pytest.raises(ValidationFailed):  # nothing to contest: the household recognises the work
        services.appeal_file(actor=clerk, entry=first, finding="not_recognised", evidence="…")
    appeal = services.appeal_file(actor=clerk, entry=first, finding="wrong_exit",
                                  evidence="银行流水显示2019年人均纯收入4120元，调查时漏报务工收入")
    evaluator = make_user(role="evaluator", area=COUNTY)
    outsider = make_user(role="evaluator", area="533323000000")
    with pytest.raises(PermissionDenied):
        services.appeal_decide(actor=outsider, appeal=appeal, uphold=True, note="…")
    with pytest.raises(PermissionDenied):  # a village operator holds no approve
        services.appeal_decide(actor=clerk, appeal=appeal, uphold=True, note="…")
    assert Appeal.objects.get().status == "pending"
    assert figures.compute(evaluation)["verdict"]["passed"] is False  # a pending appeal changes nothing

    services.appeal_decide(actor=evaluator, appeal=appeal, uphold=True, note="流水可信，收入超过标准")
    after = figures.compute(evaluation)
    # 错退率 = 0/5 = 0 ≤ 0.02; 综合 = 0/1000 = 0.
    assert after["indicators"]["wrong_exit_rate"]["estimate"] == 0.0
    assert after["indicators"]["comprehensive_incidence"]["estimate"] == 0.0
    assert after["verdict"] == {"passed": True, "failed": []}
    assert after["appeals"] == {"pending": 0, "upheld": 1, "rejected": 0}
    with pytest.raises(ValidationFailed):  # already reversed
        services.appeal_file(actor=clerk, entry=first, finding="wrong_exit", evidence="again")
    concluded = services.evaluation_conclude(actor=evaluator, evaluation=evaluation)
    assert concluded.concluded_figures["verdict"]["passed"] is True
    with pytest.raises(ValidationFailed):  # concluded: the answers are frozen
        services.interview_record(actor=evaluator, entry=first, answers=sheets[1], interviewed_on=DAY)


def test_a_rejected_appeal_leaves_the_figures(db):
    load_fixture_divisions()
    population(1000)
    households(A, exits=(2,), ordinary=(1,))
    evaluation = services.evaluation_create(actor=system_user(), area_code=COUNTY, year=2019, seed=1,
                                            ordinary_per_village=1)
    _interview_all(evaluation, {1: answers("exit", persons=2, secure=False), 2: answers("ordinary", persons=1)})
    clerk = make_user(role="village_operator", area=A)
    appeal = services.appeal_file(actor=clerk, entry=evaluation.entries.get(position=1), finding="wrong_exit",
                                  evidence="住房已改造")
    with pytest.raises(PermissionDenied):  # the filer cannot decide, even holding approve
        clerk_with_approve = make_user(role="county_approver", area=COUNTY)
        appeal.filed_by = clerk_with_approve
        appeal.save()
        services.appeal_decide(actor=clerk_with_approve, appeal=appeal, uphold=True, note="…")
    services.appeal_decide(actor=make_user(role="evaluator", area=COUNTY), appeal=appeal, uphold=False,
                           note="现场核实住房仍为危房")
    # 错退率 = 2/2 = 1 (the 两不愁三保障 answers are no), unchanged by the rejected appeal.
    assert figures.compute(evaluation)["indicators"]["wrong_exit_rate"]["estimate"] == 1.0
