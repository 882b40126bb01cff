"""Issue 22, personnel: a team's and a member's term, a leader's contact, a check-in and a trainee's job are
recorded as they happen (never in the future), and rotation gaps and attendance are counted from the dates
stored on the records."""

import datetime

import pytest

from fupin.core.errors import ValidationFailed
from fupin.core.temporal import today
from fupin.personnel import selectors, services
from fupin.personnel.tests.test_personnel import LUZHANG, SANHE, contact, member, team, world  # noqa: F401
from fupin.testing.clock import english
from fupin.testing.factories import system_user

pytestmark = pytest.mark.django_db
D = datetime.date
TOMORROW = today() + datetime.timedelta(days=1)


def test_terms_do_not_start_or_end_in_the_future(world):  # noqa: F811
    units, c, t, _m = world
    with pytest.raises(ValidationFailed) as refused:
        team(SANHE, units["county"], TOMORROW)
    assert refused.value.field == "start_date"
    assert english(refused).startswith(f"start date {TOMORROW.isoformat()} is in the future")
    with pytest.raises(ValidationFailed) as refused:  # an end is recorded when the team leaves, not ahead
        services.team_save(actor=system_user(), instance=t["B"], data={"end_date": TOMORROW})
    assert refused.value.field == "end_date"
    with pytest.raises(ValidationFailed) as refused:
        member(t["B"], c["c3"], start=TOMORROW)
    assert refused.value.field == "start_date"
    with pytest.raises(ValidationFailed) as refused:
        contact(c["l2"], LUZHANG, "prefecture", TOMORROW)
    assert refused.value.field == "start_date"


def test_a_check_in_is_not_in_the_future(world):  # noqa: F811
    _units, _c, _t, m = world
    with pytest.raises(ValidationFailed) as refused:
        services.check_in_save(actor=system_user(), data={"membership": m["m1"], "day": TOMORROW})
    assert refused.value.field == "day"
    assert services.check_in_save(actor=system_user(), data={"membership": m["m1"], "day": D(2018, 6, 1)})


def test_rotation_gaps_count_days_between_recorded_terms(world):  # noqa: F811
    rows = {row["village"]: row for row in selectors.rotation_gaps(
        actor=system_user(), area_code="533301000000", start=D(2018, 1, 1), end=D(2018, 12, 31))}
    # 三河: team C's recorded end 2018-03-31, team D's recorded start 2018-04-03: two days without a team.
    assert rows[SANHE]["team_gaps"][0] == {"from": D(2018, 4, 1), "to": D(2018, 4, 2), "days": 2}
    assert rows[LUZHANG]["team_gaps"] == []
