"""The project figures of an area's report card for a year (the second seed's project shares and the central
units' projects): per seed type the share of the plan located in deep-poverty counties by scale and by money, the
number of projects, the households and persons they benefit, and the projects central units brought in."""


from fupin.accounts.choices import Action
from fupin.accounts.scoping import require
from fupin.areas.selectors import area_by_code, within_area
from fupin.core.figures import Figures
from fupin.core.records import money_sum
from fupin.registry import codelists as registry_codes
from fupin.registry.models import Member

from .models import Project, ProjectBeneficiary, ProjectFunding
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


EAST_WEST_SOURCE = "east_west_aid"


def east_west_project_figures(*, area, start, end) -> list[dict]:
    """The projects East–West fiscal aid paid for (a funding of that source, plan year in the period, located in the
    helped area) and the registered poor they helped out of poverty: members of their beneficiary households that
    are out of poverty (each person once). The cooperation card adds these through its extension point."""
    figures = Figures(period={"area": area.code, "from": start, "to": end})
    projects = Project.objects.filter(within_area("area", area), year__gte=start.year, year__lte=end.year).exclude(
        status="cancelled").filter(pk__in=ProjectFunding.objects.filter(source=EAST_WEST_SOURCE).values("project"))
    figures.add("east_west_projects", projects.count(), "projects.project", funding_source=EAST_WEST_SOURCE,
                plan_year="in the period")
    households = ProjectBeneficiary.objects.filter(project__in=projects).values("household")
    helped_out = Member.objects.filter(household__in=households, is_active=True,
                                       household__status__in=sorted(registry_codes.EXITED_STATUSES))
    figures.add("east_west_poor_helped_out", helped_out.count(), "projects.projectbeneficiary",
                funding_source=EAST_WEST_SOURCE, persons="active members of beneficiary households out of poverty")
    return figures.items
