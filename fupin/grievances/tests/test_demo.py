"""The demo's complaints: every stage in the demo county, deterministic and idempotent."""

from fupin.demo.grievances import PLAN, build
from fupin.grievances import selectors
from fupin.grievances.models import Status, Ticket
from fupin.testing.factories import id_number, load_fixture_divisions, make_user, member_data, register_household

COUNTY = "533301000000"  # 泸水市, the county of the demo logins


def test_the_demo_makes_tickets_at_every_stage_once(db):
    load_fixture_divisions()
    register_household(area="533301102201", number="533301102201001",
                       members=[member_data(id_number=id_number(sequence="031"))])
    admin = make_user(role="administrator", area=None)
    logged = []
    assert build(actor=admin, county_code=COUNTY, log=logged.append) == {"tickets": 2 * len(PLAN)}
    assert set(Ticket.objects.values_list("status", flat=True)) == set(Status.values)
    assert all(ticket.office_id == COUNTY for ticket in Ticket.objects.all())
    # Received 85 and 95 days ago and not answered: overdue in the county office's inbox (the 60-day categories);
    # twice over (the second round a week earlier), and the accepted one received 70 days ago.
    county_user = make_user(actions=["view", "change"], area=COUNTY)
    assert selectors.overdue_for(county_user).count() == 6
    assert Ticket.objects.filter(household__isnull=False).exists()
    assert build(actor=admin, county_code=COUNTY, log=logged.append) == {"tickets": 0}
    assert Ticket.objects.count() == 2 * len(PLAN)
    assert build(actor=admin, county_code="999999000000", log=logged.append) == {"tickets": 0}
