"""The project figures of an area's report card for a year (the second seed's project shares and the central
units' projects): per seed type the share of the plan located in deep-poverty counties by scale and by money, the
number of projects, the households and persons they benefit, and the projects central units brought in."""


from fupin.accounts.choices import Action
from fupin.accounts.scoping import require
from fupin.areas.selectors import area_by_code
from fupin.core.figures import Figures
from fupin.core.records import money_sum

from .models import ProjectFunding
from .selectors import ZERO, beneficiary_counts, projects_in, type_share_to_designated

DEEP = "deep_poverty_county"
# The types whose share to deep-poverty counties the seed reports (退耕还林, 造林绿化, 光伏, 危房改造).
SEED_TYPES = ("returning_farmland", "afforestation", "photovoltaic", "housing")
HELPER_KIND = "central_unit"


def projects_figures(*, actor, area_code: str, year: int) -> list[dict]:
    area = area_by_code(area_code)
    require(actor, Action.VIEW, area.code)
    figures = Figures(period={"area": area.code, "year": year})
    for project_type in SEED_TYPES:
        result = type_share_to_designated(actor=actor, area_code=area.code, year=year, project_type=project_type,
                                          designation_type=DEEP)
        for measure in ("scale", "money"):
            figures.add(f"share_{project_type}_{measure}_to_deep", result[measure]["share"], "projects.project",
                        type=project_type, designation=DEEP, measure=measure, unit=result["unit"] or None,
                        designated=result[measure]["designated"], total=result[measure]["total"])
    projects = projects_in(area=area, year=year)
    figures.add("projects", projects.count(), "projects.project")
    counts = beneficiary_counts(projects)
    figures.add("beneficiary_households", counts["households"], "projects.projectbeneficiary", distinct="household")
    figures.add("beneficiary_persons", counts["persons"], "projects.projectbeneficiary",
                distinct="household", persons="most per household")
    helped = projects.filter(helper__kind=HELPER_KIND)
    figures.add("central_unit_projects", helped.count(), "projects.project", helper_kind=HELPER_KIND)
    fundings = ProjectFunding.objects.filter(project__in=helped)
    money = {"planned": money_sum(fundings, "planned"), "actual": money_sum(fundings, "actual")}
    money = {name: value or ZERO for name, value in money.items()}
    figures.add("central_unit_project_funds", money["planned"], "projects.projectfunding", helper_kind=HELPER_KIND,
                amount="planned")
    figures.add("central_unit_project_funds_actual", money["actual"], "projects.projectfunding",
                helper_kind=HELPER_KIND, amount="actual")
    helped_counts = beneficiary_counts(helped)
    figures.add("central_unit_beneficiary_households", helped_counts["households"], "projects.projectbeneficiary",
                helper_kind=HELPER_KIND, distinct="household")
    figures.add("central_unit_beneficiary_persons", helped_counts["persons"], "projects.projectbeneficiary",
                helper_kind=HELPER_KIND, distinct="household", persons="most per household")
    return figures.items
