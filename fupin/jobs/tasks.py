import time
import traceback

from django.utils import timezone
from django_tasks import task

from .models import Job, JobStatus
from .registry import get_kind

PROGRESS_WRITE_INTERVAL = 0.5  # seconds between progress writes, so progress costs nothing next to the work


@task()
def run_job(job_id: int) -> None:
    job = Job.objects.get(pk=job_id)
    if job.status != JobStatus.QUEUED:
        return  # already taken, e.g. a task delivered twice
    job.status, job.started_at = JobStatus.RUNNING, timezone.now()
    job.save(update_fields=["status", "started_at", "updated_at"])
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
    except Exception as exc:  # a job's failure is its result: recorded for the user, not re-raised
        job.status, job.error = JobStatus.FAILED, "".join(traceback.format_exception_only(exc)).strip()
        job.result = None
    else:
        job.status, job.result = JobStatus.SUCCEEDED, result
        if job.progress_total is not None:
            job.progress_done = job.progress_total
    job.finished_at = timezone.now()
    job.save()
