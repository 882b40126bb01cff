"""三率一度 of an evaluation: each interviewed household classified from its answers (with the year's policy of its
province), upheld appeals applied, the four figures estimated under the design with their 95 % intervals, and the
exit verdict against the thresholds of the rules app (each indicator is a one-vote veto, DOMAIN_RULES §4.4).

* 错退 (planned-exit stratum): the household exit test of `fupin.rules.evaluation` on the answers — per-capita income
  not above the line, or a 两不愁三保障 (and, where in force, drinking-water) indicator not met.
* 漏评 (ordinary stratum): the identification standard — per-capita income at or under the line.
* 认可: every recognition question that applies to the household's stratum answered yes.
An upheld appeal reverses the finding it contests.
"""

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from fupin.areas.models import Area, AreaYear
from fupin.areas.selectors import within_area
from fupin.core import areacodes as codes
from fupin.core.errors import ValidationFailed
from fupin.registry import codelists as cl
from fupin.registry.models import HouseholdYear
from fupin.rules.evaluation import INDICATORS, household_exit_reasons
from fupin.rules.policy import YearPolicy

from . import estimators
from .models import Appeal, Evaluation, Finding, Interview, Stratum

PLANNED_EXIT_STATUS = "6"  # 预脱贫
INDICATOR_LABELS = {
    "wrong_exit_rate": _("Wrong-exit rate (错退率)"),
    "missed_rate": _("Missed-identification rate (漏评率)"),
    "recognition": _("Recognition by the people (群众认可度)"),
    "comprehensive_incidence": _("Comprehensive poverty incidence (综合贫困发生率)"),
}
ORDER = ("comprehensive_incidence", "wrong_exit_rate", "missed_rate", "recognition")


@dataclass
class Classified:
    entry_id: int
    household: str
    village: str
    stratum: str
    persons: int
    wrong_exit: bool
    missed: bool
    recognised: bool


def planned_exit_q(year: int, prefix: str = "") -> Q:
    """Household-year rows of households planned to exit in `year`: planned for the year, exited in it, or 预脱贫 at
    its end (`prefix` reaches the HouseholdYear from another model)."""
    return (Q(**{f"{prefix}household__planned_exit_year": year}) | Q(**{f"{prefix}household__exit_year": year})
            | Q(**{f"{prefix}status": PLANNED_EXIT_STATUS}))


def _questions_by_role(questionnaire) -> dict[str, list[dict]]:
    roles: dict[str, list[dict]] = {}
    for question in questionnaire.questions:
        roles.setdefault(question.get("role", ""), []).append(question)
    return roles


def classify(*, answers: dict, stratum: str, questionnaire, year: int, province: str, policy: YearPolicy) -> dict:
    """The findings on one household from its answers: persons, wrong_exit, missed, recognised."""
    roles = _questions_by_role(questionnaire)
    line = policy.line(province)
    if line is None:
        raise ValidationFailed(_("No poverty line is set for %(year)s."), field="year", year=year)
    persons = int(answers[roles["persons"][0]["code"]])
    income = Decimal(str(answers[roles["income_per_capita"][0]["code"]]))
    wrong = missed = False
    if stratum == Stratum.EXIT:
        conditions = [c for c in policy.exit_conditions(province) if c == "income_above_line" or c in INDICATORS]
        row = {"net_income_per_capita": income, "household__identified_year": None, "household__return_year": None}
        row.update({name: answers.get(name) for name in INDICATORS})
        wrong = bool(household_exit_reasons(row, year, conditions, line))
    else:
        missed = income <= line
    recognition = [q["code"] for q in roles.get("recognition", []) if stratum in q.get("applies_to", Stratum.values)]
    recognised = all(answers.get(code) is True for code in recognition)
    return {"persons": persons, "wrong_exit": wrong, "missed": missed, "recognised": recognised}


def classified(evaluation: Evaluation, policy: YearPolicy | None = None) -> list[Classified]:
    """Every interviewed household of the evaluation with its findings after upheld appeals."""
    policy = policy or YearPolicy.load(evaluation.year)
    province = evaluation.area_id[:2]
    upheld: dict[int, set[str]] = {}
    for entry_id, finding in Appeal.objects.filter(entry__evaluation=evaluation,
                                                   status=Appeal.Status.UPHELD).values_list("entry_id", "finding"):
        upheld.setdefault(entry_id, set()).add(finding)
    rows = []
    interviews = (Interview.objects.filter(entry__evaluation=evaluation)
                  .select_related("entry__household", "questionnaire").order_by("entry__position"))
    for interview in interviews:
        entry = interview.entry
        found = classify(answers=interview.answers, stratum=entry.stratum, questionnaire=interview.questionnaire,
                         year=evaluation.year, province=province, policy=policy)
        reversed_ = upheld.get(entry.pk, set())
        rows.append(Classified(entry.pk, entry.household.number, entry.area_code, entry.stratum, found["persons"],
                               found["wrong_exit"] and Finding.WRONG_EXIT not in reversed_,
                               found["missed"] and Finding.MISSED not in reversed_,
                               found["recognised"] or Finding.NOT_RECOGNISED in reversed_))
    return rows


def registry_counts(area: Area, year: int) -> dict:
    """The county's registry figures the comprehensive incidence needs (persons at the end of `year`)."""
    years = HouseholdYear.objects.filter(within_area("household__area_id", area), year=year).exclude(
        household__status="9")
    planned = planned_exit_q(year)

    def persons(queryset) -> int:
        return int(queryset.aggregate(n=Sum("size_end"))["n"] or 0)

    population = AreaYear.objects.filter(area=area, year=year).values_list("rural_population", flat=True).first()
    if population is None:
        population = AreaYear.objects.filter(within_area("area_id", area), area__level=codes.Level.VILLAGE,
                                             year=year).aggregate(n=Sum("rural_population"))["n"]
    registered = persons(years.exclude(status=cl.ORDINARY))
    return {
        "remaining_poor": persons(years.filter(status__in=cl.POOR_STATUSES).exclude(planned)),
        "exit_persons": persons(years.filter(planned).exclude(status=cl.ORDINARY)),
        "registered_persons": registered,
        "rural_population": population,
        "unregistered_persons": max((population or 0) - registered, 0),
    }


def _threshold(policy: YearPolicy, area: Area) -> dict:
    province = area.code[:2]
    region = Area.objects.filter(code=area.province_code).values_list("region_class", flat=True).first() or ""
    return {
        "wrong_exit_rate": ("<=", policy.parameter("wrong_exit_rate_max", province)),
        "missed_rate": ("<=", policy.parameter("missed_rate_max", province)),
        "recognition": (">=", policy.parameter("recognition_min", province)),
        "comprehensive_incidence": ("<", policy.exit_threshold("county", region, province) if region else None),
    }


def _passes(value: Fraction | None, comparison: str, threshold: Decimal | None) -> bool:
    if value is None or threshold is None:
        return False
    limit = Fraction(threshold)
    return {"<=": value <= limit, ">=": value >= limit, "<": value < limit}[comparison]


def _number(value) -> float | None:
    return None if value is None else round(float(value), 6)


def compute(evaluation: Evaluation) -> dict:
    """The figures and the verdict of an evaluation, as the CLI, the API and the report show them."""
    policy = YearPolicy.load(evaluation.year)
    rows = classified(evaluation, policy)
    villages = list(evaluation.villages.order_by("area_id"))
    sizes = {}
    for village in villages:
        sizes[(village.area_id, Stratum.EXIT)] = village.exit_households
        sizes[(village.area_id, Stratum.ORDINARY)] = village.ordinary_households
    design = estimators.Design(evaluation.villages_total, tuple(v.area_id for v in villages), sizes)
    units = [estimators.Unit(row.village, row.stratum) for row in rows]
    exit_x = [Fraction(row.persons if row.stratum == Stratum.EXIT else 0) for row in rows]
    ordinary_x = [Fraction(row.persons if row.stratum == Stratum.ORDINARY else 0) for row in rows]
    wrong = ([Fraction(row.persons if row.wrong_exit else 0) for row in rows], exit_x)
    missed = ([Fraction(row.persons if row.missed else 0) for row in rows], ordinary_x)
    recognised = ([Fraction(1 if row.recognised else 0) for row in rows], [Fraction(1)] * len(rows))
    registry = registry_counts(evaluation.area, evaluation.year)
    estimates = {
        "wrong_exit_rate": estimators.ratio(design, units, *wrong),
        "missed_rate": estimators.ratio(design, units, *missed),
        "recognition": estimators.ratio(design, units, *recognised),
        "comprehensive_incidence": estimators.comprehensive_incidence(
            design, units, remaining=registry["remaining_poor"], population=registry["rural_population"] or 0,
            exit_persons=registry["exit_persons"], unregistered=registry["unregistered_persons"], wrong=wrong,
            missed=missed),
    }
    sample_counts = {
        "wrong_exit_rate": (sum(int(y) for y in wrong[0]), sum(int(x) for x in wrong[1])),
        "missed_rate": (sum(int(y) for y in missed[0]), sum(int(x) for x in missed[1])),
        "recognition": (sum(int(y) for y in recognised[0]), len(rows)),
    }
    thresholds = _threshold(policy, evaluation.area)
    indicators = {}
    for key in ORDER:
        estimate = estimates[key]
        comparison, threshold = thresholds[key]
        item = {"label": str(INDICATOR_LABELS[key]), "estimate": _number(estimate.value),
                "ci_low": _number(estimate.low), "ci_high": _number(estimate.high),
                "standard_error": _number(estimate.standard_error), "comparison": comparison,
                "threshold": None if threshold is None else str(threshold),
                "passed": _passes(estimate.value, comparison, threshold)}
        if key in sample_counts:
            item["sample_numerator"], item["sample_denominator"] = sample_counts[key]
        indicators[key] = item
    indicators["comprehensive_incidence"].update({k: registry[k] for k in (
        "remaining_poor", "exit_persons", "unregistered_persons", "rural_population")})
    interviewed = {stratum: sum(1 for row in rows if row.stratum == stratum) for stratum in Stratum.values}
    seen = {(row.village, row.stratum) for row in rows}
    empty = [f"{village}/{stratum}" for (village, stratum), size in sorted(sizes.items()) if size and
             (village, stratum) not in seen]
    appeals = dict(Appeal.objects.filter(entry__evaluation=evaluation).values_list("status").annotate(
        n=Count("id")).order_by())
    failed = [key for key in ORDER if not indicators[key]["passed"]]
    return {
        "evaluation": evaluation.pk, "area": evaluation.area_id, "area_name": evaluation.area.name,
        "year": evaluation.year, "seed": evaluation.seed, "status": str(evaluation.status),
        "design": {"villages_total": evaluation.villages_total, "villages_sampled": len(villages),
                   "ordinary_per_village": evaluation.ordinary_per_village,
                   "sampled": {stratum: evaluation.entries.filter(stratum=stratum).count()
                               for stratum in Stratum.values},
                   "interviewed": interviewed, "strata_without_interviews": empty},
        "method": {"confidence": 0.95, "interval": "normal approximation, z = 1.96, cut to [0, 1]",
                   "variance": "two-stage stratified (villages SRSWOR; strata within villages SRSWOR), "
                               "Taylor linearisation for ratios"},
        "indicators": indicators,
        "appeals": {status: int(appeals.get(status, 0)) for status in Appeal.Status.values},
        "verdict": {"passed": not failed, "failed": failed},
    }
