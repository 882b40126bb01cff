import pytest
from django.core.management import call_command
from django.test import override_settings

from fupin.jobs.models import Job, JobStatus
from fupin.jobs.registry import job_kind
from fupin.jobs.services import job_submit
from fupin.testing.factories import FIXTURE_DIVISIONS, system_user

pytestmark = pytest.mark.django_db


@job_kind("test.count", "count to a number")
def count_job(job, progress):
    total = job.params["to"]
    progress(done=0, total=total, message="counting")
    for _ in range(total):
        progress(advance=1)
    return {"counted": total}


@job_kind("test.fail", "fail on purpose")
def failing_job(job, progress):
    raise ValueError("the file has no header row")


def test_a_job_runs_with_progress_and_result(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = job_submit(actor=system_user(), kind="test.count", params={"to": 7})
    job.refresh_from_db()
    assert (job.status, job.result, job.progress_done, job.progress_total, job.percent) == (
        JobStatus.SUCCEEDED, {"counted": 7}, 7, 7, 100)
    assert job.started_at <= job.finished_at
    assert job.task_id


def test_a_failing_job_records_its_error(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = job_submit(actor=system_user(), kind="test.fail")
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == "ValueError: the file has no header row"


def test_an_area_load_job_runs_through_the_service(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = job_submit(actor=system_user(), kind="areas.load", params={"source": str(FIXTURE_DIVISIONS)})
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert (job.result["areas"], job.progress_done, job.progress_total) == (19, 22, 22)


def test_unknown_kinds_are_refused():
    from fupin.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        job_submit(actor=system_user(), kind="no.such.kind")
    assert not Job.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the migrations' data for later tests
@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}})
def test_the_worker_runs_queued_jobs_from_the_database():
    job = job_submit(actor=system_user(), kind="test.count", params={"to": 3})
    assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED
    call_command("worker", "--batch")
    job.refresh_from_db()
    assert (job.status, job.result) == (JobStatus.SUCCEEDED, {"counted": 3})
