"""The demo county's working year (issue 25) on the Yunnan demo at 1 %: every kind of daily work is there for the
county of the demo logins, through the services; each demo login of the county has work waiting; nothing changes a
household's status; a second run makes nothing new."""

import datetime
from decimal import Decimal

import pytest

from fupin.accounts.history import entering_history
from fupin.accounts.models import User
from fupin.analytics.extract import snapshot_fill
from fupin.analytics.report import report_card
from fupin.assistance.models import Responsibility
from fupin.assistance.selectors import households_not_visited
from fupin.core.temporal import today
from fupin.demo.calibration import HISTORY_REASON
from fupin.demo.tests.test_yunnan import yunnan_demo
from fupin.demo.users import ensure_demo_users
from fupin.demo.workyear import working_year
from fupin.evaluation.models import SampleEntry
from fupin.personnel.models import Cadre
from fupin.quality.selectors import finding_list
from fupin.registry.models import Household
from fupin.testing.factories import system_user
from fupin.workflows.models import Case, Objection
from fupin.workflows.selectors import inbox

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

COUNTY = "533301"
KINDS = ("cadres", "responsibilities", "plans", "delivered", "visits", "teams", "team_members", "check_ins",
         "appraisals", "projects", "project_stages_completed", "project_documents", "quality_findings",
         "findings_explained", "findings_accepted", "warnings", "visit_tasks", "cases", "notices", "objections",
         "relocation_sites", "relocated_households",
         "designated_pairs", "hand_in_hand_pairs", "agreements",
         "funds", "purchases", "workshops", "workshop_poor_employees", "evaluations", "evaluation_entries")


@pytest.fixture
def made(settings, tmp_path):
    settings.ANALYTICS_DIR = tmp_path
    yunnan_demo()
    actor = system_user()
    ensure_demo_users(actor=actor)
    statuses = dict(Household.objects.values_list("pk", "status"))
    with entering_history(actor=actor, reason=HISTORY_REASON):
        first = working_year(actor=actor, county_code=COUNTY, log=lambda message: None)
        again = working_year(actor=actor, county_code=COUNTY, log=lambda message: None)
    return first, again, statuses


def test_the_working_year_fills_every_kind_of_daily_work(made):
    first, again, statuses = made
    assert {kind: first.get(kind, 0) for kind in KINDS if not first.get(kind)} == {}
    assert not any(again.values()), again
    # Every poor household of the county has its responsible cadre; names are many, not one repeated.
    poor = Household.objects.filter(county_code=COUNTY, status="0")
    assert set(poor.values_list("pk", flat=True)) == set(
        Responsibility.objects.filter(household__county_code=COUNTY).values_list("household_id", flat=True))
    names = list(Cadre.objects.filter(area_id=COUNTY + "000000").values_list("name", flat=True))
    assert len(set(names)) == len(names) > 3
    # The not-visited list finds the gaps (one household in seven), not everyone.
    gaps = households_not_visited(actor=system_user(), area_code=COUNTY + "000000", on=today()).count()
    assert 0 < gaps < poor.count()
    # Work waits in the inbox of each demo login of the county, its township and its village.
    for username in ("county_approver", "township_reviewer", "village_operator"):
        assert inbox(actor=User.objects.get(username=username)), username
    # The evaluator's (no procedure step of these years is theirs): the county's sample, its interviews to enter.
    assert SampleEntry.objects.filter(evaluation__area_id=COUNTY + "000000", evaluation__created_by__username=
                                      "evaluator", interview__isnull=True).count() == first["evaluation_entries"] > 0
    # The analyst's (view and export only): findings open in the province.
    assert finding_list(actor=User.objects.get(username="yunnan_analyst"), area_code="530000000000").exists()
    assert Case.objects.filter(status="open").count() == first["cases"]
    # One objection open in each procedure, against a notice running now.
    assert Objection.objects.filter(resolution="", notice__ends_on__gte=today()).count() == first["objections"] == 2
    # No case took its last step: no household of the registry changed its status.
    registered = dict(Household.objects.filter(pk__in=statuses).values_list("pk", "status"))
    assert registered == statuses

    # The working year is dated after the seed's period and stops before any status change: the report card's
    # figures at 1 % are still those of test_yunnan (hand-computed there).
    snapshot_fill()
    card = report_card(actor=system_user(), year=2019, area_code="53", baseline=2014,
                       until=datetime.date(2020, 3, 31))
    figures = {figure["key"]: figure for figure in card["figures"]}
    value = {key: figure["value"] for key, figure in figures.items()}
    group = "group_direct_transition_"
    assert (value[group + "poor_2014"], value[group + "poor_2019"], value[group + "exited_persons"]) == (
        7_777, 702, 7_075)
    assert (figures["incidence_2014"]["display"], figures["incidence_2019"]["display"]) == ("26.69%", "2.41%")
    assert value[group + "villages_exited"] == 10
    assert value["paired_poor_counties"] == 1
    assert Decimal(value["fiscal_aid_arrived"]) == Decimal("133080000.00")
    assert Decimal(value["fiscal_aid_arrived_this_year"]) == Decimal("44210000.00")
    assert (value["east_west_projects"], value["east_west_poor_helped_out"]) == (41, 3_722)
    assert (value["workshops"], value["professionals_sent"], value["poor_moved_into_jobs"]) == (4, 24, 1_792)
    assert [(value[f"pairs_{kind}.helped"], value[f"pairs_{kind}.helpers"]) for kind in (
        "township_town", "village_village", "village_enterprise", "village_social_org", "school_school",
        "medical_hospital")] == [(4, 3), (7, 5), (25, 20), (2, 2), (3, 3), (2, 2)]
