import logging
import time
import traceback

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from .liveness import this_process
from .models import Job, JobStatus
from .registry import get_kind
from .results import capped_result

PROGRESS_WRITE_INTERVAL = 0.5  # seconds between progress writes, so progress costs nothing next to the work

logger = logging.getLogger(__name__)


@task()
def run_job(job_id: int) -> None:
    me = this_process()
    with transaction.atomic():
        # Taken once: a task delivered twice (or a job failed as orphaned meanwhile) is not run again.
        taken = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
            status=JobStatus.RUNNING, started_at=timezone.now(), updated_at=timezone.now(),
            worker_host=me.host, worker_pid=me.pid, worker_started=me.started)
    if not taken:
        return
    job = Job.objects.get(pk=job_id)
    last_write = 0.0

    def progress(*, done: int | None = None, advance: int = 0, total: int | None = None,
                 message: str | None = None) -> None:
        nonlocal last_write
        if total is not None:
            job.progress_total = total
        job.progress_done = done if done is not None else job.progress_done + advance
        if message is not None:
            job.message = message[:300]
        now = time.monotonic()
        if now - last_write >= PROGRESS_WRITE_INTERVAL or message is not None:
            last_write = now
            Job.objects.filter(pk=job.pk).update(
                progress_done=job.progress_done, progress_total=job.progress_total, message=job.message,
                updated_at=timezone.now(),
            )

    try:
        result = get_kind(job.kind).handler(job, progress)
        result = capped_result(job.pk, result)
    except Exception as exc:  # a job's failure is its result: recorded for the user, not re-raised
        job.status, job.error = JobStatus.FAILED, "".join(traceback.format_exception_only(exc)).strip()
        job.result = None
    else:
        job.status, job.result = JobStatus.SUCCEEDED, result
        if job.progress_total is not None:
            job.progress_done = job.progress_total
    job.finished_at = timezone.now()
    job.save()
    _discard_upload(job)


def _discard_upload(job: Job) -> None:
    """The upload the job read goes once the job has ended (a failed job's later, if so configured)."""
    from fupin.jobs.uploads import discard_upload, keeps_upload

    if keeps_upload(job.status):
        return
    try:
        discard_upload(job.params.get("path"))
    except OSError:  # the housekeeping (uploads_clean) tries again; the job's own outcome stands
        logger.warning("could not delete the upload of job %s", job.pk, exc_info=True)
