"""Issue 22, projects: a stage completed on 2030-01-01 was accepted; stage plans could run backwards; a project
due 2016-12-31 and never started stayed green in 2020. Each case is reproduced, then refused (or coloured)."""

import datetime

import pytest

from fupin.core.errors import ValidationFailed
from fupin.core.temporal import today
from fupin.projects import selectors, services
from fupin.projects.tests.test_projects import LUZHANG, make_file, make_project
from fupin.testing.clock import english
from fupin.testing.factories import load_fixture_divisions, system_user

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def divisions(db):
    load_fixture_divisions()


def test_a_stage_completed_in_the_future_is_refused(divisions):
    project = make_project()
    make_file(project, "apply", "application")
    with pytest.raises(ValidationFailed) as refused:  # the case
        services.stage_complete(actor=system_user(), project=project, stage="apply", on=D(2030, 1, 1))
    assert refused.value.field == "on"
    assert english(refused).startswith("completion date 2030-01-01 is in the future (today is ")
    assert project.stages.get(stage="apply").completed_on is None
    # Without a date the stage completes today.
    assert services.stage_complete(actor=system_user(), project=project, stage="apply").completed_on == today()


def test_stage_completions_follow_each_other(divisions):
    project = make_project()
    make_file(project, "apply", "application")
    make_file(project, "approve", "approval")
    services.stage_complete(actor=system_user(), project=project, stage="apply", on=D(2019, 3, 1))
    with pytest.raises(ValidationFailed) as refused:
        services.stage_complete(actor=system_user(), project=project, stage="approve", on=D(2019, 2, 1))
    # (what it follows is named in the language of the request that was refused: Chinese here)
    assert english(refused) == "completion date 2019-02-01 is before “申报”的完成日期 2019-03-01."


def test_stage_plans_run_in_order(divisions):
    with pytest.raises(ValidationFailed) as refused:
        make_project(stages={"apply": {"planned_start": D(2019, 3, 1), "planned_end": D(2019, 3, 31)},
                         "approve": {"planned_start": D(2019, 2, 1), "planned_end": D(2019, 4, 30)}})
    assert refused.value.field == "stages.approve"
    assert english(refused) == "“审批” is planned for 2019-02-01, before “申报” (2019-03-01)."
    project = make_project(stages={"apply": {"planned_start": D(2019, 3, 1), "planned_end": D(2019, 3, 31)},
                               "implement": {"planned_start": D(2019, 5, 1), "planned_end": D(2019, 9, 30)}})
    approve = project.stages.get(stage="approve")
    with pytest.raises(ValidationFailed):  # planned to end after the stage that follows it ends
        services.stage_save(actor=system_user(), instance=approve,
                            data={"planned_start": D(2019, 4, 1), "planned_end": D(2019, 10, 31)})
    services.stage_save(actor=system_user(), instance=approve,
                        data={"planned_start": D(2019, 4, 1), "planned_end": D(2019, 4, 30)})


def test_actual_dates_and_handovers_are_not_in_the_future(divisions):
    tomorrow = today() + datetime.timedelta(days=1)
    with pytest.raises(ValidationFailed) as refused:
        make_project(actual_start=tomorrow)
    assert refused.value.field == "actual_start"
    make_project(planned_start=tomorrow, planned_end=tomorrow + datetime.timedelta(days=90))  # a plan may lie ahead


def test_a_project_due_long_ago_and_never_started_is_red(divisions):
    # The case: due 2016-12-31, no stage planned or completed; it was green in 2020.
    project = make_project(area=LUZHANG, year=2016, planned_start=D(2016, 3, 1), planned_end=D(2016, 12, 31))
    status = selectors.delay_status(project, D(2020, 6, 30))
    assert status["colour"] == "red"
    assert status["days_overdue"] == (D(2020, 6, 30) - D(2016, 12, 31)).days == 1277
    assert status["planned_end"] == D(2016, 12, 31) and status["stage"] == "apply"
    assert selectors.delay_status(project, D(2016, 12, 31))["colour"] == "green"
    assert selectors.delay_status(project, D(2017, 1, 1)) | {"project": None} == {
        "project": None, "colour": "yellow", "stage": "apply", "planned_end": D(2016, 12, 31), "days_overdue": 1,
        "completed_late_days": None}
    listed = selectors.project_delays(actor=system_user(), area_code="5333", on=D(2020, 6, 30))
    assert [(row["name"], row["colour"]) for row in listed] == [(project.name, "red")]
