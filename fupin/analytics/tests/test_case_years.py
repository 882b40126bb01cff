"""Years mean what officials mean: a procedure's decision belongs to the year of its case, and the statistics of
that year count it, whenever it was decided."""

import datetime

import pytest

from fupin.accounts.history import entering_history
from fupin.analytics import selectors as stats
from fupin.audit.models import AuditEvent
from fupin.registry.models import HouseholdYear
from fupin.registry.services import registry_roll_forward
from fupin.testing.factories import load_fixture_divisions, make_user, register_poor_household, system_user
from fupin.workflows import services
from fupin.workflows.tests.test_procedures import COUNTY, TOWNSHIP, VILLAGE, run_exit_to_notice

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def people():
    load_fixture_divisions()
    with entering_history(actor=system_user(), reason="测试：2019–2020 年退出程序补录"):  # dated 2020: history
        yield {"village": make_user(username="cun", role="village_operator", area=VILLAGE),
               "township": make_user(username="xiang", role="township_reviewer", area=TOWNSHIP),
               "county": make_user(username="xian", role="county_approver", area=COUNTY)}


@pytest.fixture
def household(people):
    return register_poor_household(area=VILLAGE, size=3, income_per_capita="5000")


def test_an_exit_decided_in_a_later_year_belongs_to_the_year_of_its_case(people, household):
    """A 2019 exit case decided in March 2020, after 2020 was opened: the 2019 record says exited and the exit
    year is 2019 (statistics count it in 2019), 2020's carried status follows, and the audit says it is backdated."""
    registry_roll_forward(actor=system_user(), year=2020)
    case = run_exit_to_notice(people, household, start=D(2020, 2, 1))
    services.notice_publish(actor=people["village"], cases=[case], step_code="village_notice",
                            publisher="鲁掌村村民委员会", on=D(2020, 2, 2))
    services.case_decide(actor=people["village"], case=case, step_code="village_notice", outcome="approve",
                         on=D(2020, 2, 9))
    services.notice_publish(actor=people["county"], cases=[case], step_code="announcement", publisher="泸水市扶贫办",
                            on=D(2020, 2, 10))
    services.case_decide(actor=people["county"], case=case, step_code="announcement", outcome="approve",
                         on=D(2020, 2, 10))
    services.case_decide(actor=people["county"], case=case, step_code="deregistration", outcome="approve",
                         on=D(2020, 3, 2))
    household.refresh_from_db()
    assert (household.status, household.exit_year) == ("1", 2019)
    assert dict(HouseholdYear.objects.filter(household=household).values_list("year", "status")) == {
        2019: "1", 2020: "1"}
    transition = household.transitions.order_by("id").last()
    assert (transition.year, transition.effective_date) == (2019, D(2020, 3, 2))
    event = AuditEvent.objects.filter(action="registry.status_changed").order_by("id").last()
    assert (event.after["year"], event.after["backdated"]) == (2019, True)
    exits = stats.stats(actor=system_user(), metric="exits", year=2019, area_code=COUNTY, level=3, engine="duckdb")
    assert (exits[0]["households"], exits[0]["persons"]) == (1, 3)
    assert stats.stats(actor=system_user(), metric="exits", year=2020, area_code=COUNTY, level=3) == []
