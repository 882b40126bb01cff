"""Work waiting for the demo logins the other builders leave idle (issue 25): the third-party evaluator and the
province analysts. Neither role decides a step of the procedures of the working year (the only step that is the
evaluator's, 国家专项评估检查 of a county exit, ended with the poor counties in 2020), so their work is elsewhere:

- the evaluator: an evaluation of the demo county (its sample of households drawn, by the evaluator, for the
  latest registry year that has households to sample), every interview still to be entered;
- the analysts (view and export only): quality findings open in their province to read and follow up — the demo
  county's scan (workyear_records) for 云南, and here a scan of the first 山西 county with households when the
  Shanxi demo is loaded.

Everything goes through the services; a second run finds what the first made and makes nothing. Nothing here
changes a household, a designation or a figure of the report cards.
"""

from django.db.models import Max

from fupin.accounts.models import User
from fupin.areas.models import Area
from fupin.core.areacodes import Level
from fupin.core.errors import ValidationFailed
from fupin.evaluation.models import Evaluation, SampleEntry
from fupin.evaluation.services import evaluation_create
from fupin.quality.models import Finding, Scan
from fupin.quality.services import scan_run
from fupin.registry.models import HouseholdYear

from .workyear_common import county_area

SHANXI = "140000000000"


def _years(county: Area) -> list[int]:
    """The county's registry years, latest first."""
    return sorted(set(HouseholdYear.objects.filter(household__county_code=county.code[:6])
                      .values_list("year", flat=True)), reverse=True)


def _evaluation(evaluator, county: Area, seed: int, log) -> dict:
    """The evaluation of the county for its latest year with households to sample: its sample drawn, no interview
    entered yet."""
    for year in _years(county):
        try:
            evaluation = evaluation_create(actor=evaluator, area_code=county.code, year=year, seed=seed,
                                           ordinary_per_village=2, villages=4)
        except ValidationFailed:
            continue  # no household of the year to sample from: an earlier year
        return {"evaluations": 1, "evaluation_entries": SampleEntry.objects.filter(evaluation=evaluation).count()}
    log(f"No evaluation of {county.name}: no registry year has households to sample.")
    return {}


def _shanxi_findings(actor) -> dict:
    """A quality scan of the first Shanxi county with households (its latest year), once."""
    counties = Area.objects.filter(level=Level.COUNTY, code__startswith=SHANXI[:2]).order_by("code")
    for county in counties.values_list("code", flat=True).iterator():
        year = (HouseholdYear.objects.filter(household__county_code=county[:6]).aggregate(latest=Max("year"))
                ["latest"])
        if year is None:
            continue
        if Scan.objects.filter(area_code=county).exists():
            return {}
        scan = scan_run(actor=actor, year=year, area_code=county)
        return {"analyst_findings": Finding.objects.filter(first_scan=scan).count()}
    return {}


def build(*, actor, county_code: str, seed: int = 2026, log=print) -> dict:
    county = county_area(county_code)
    made: dict[str, int] = {}
    if not Evaluation.objects.filter(area=county).exists():
        evaluator = User.objects.filter(username="evaluator").first() or actor
        made.update(_evaluation(evaluator, county, seed, log))
    if Area.objects.filter(code=SHANXI).exists():
        made.update(_shanxi_findings(actor))
    if made:
        log("Work for the evaluator and the analysts: " + ", ".join(f"{count} {kind}" for kind, count in
                                                                     made.items()) + ".")
    return made
