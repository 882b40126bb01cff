import datetime
import logging
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.audit import registry as audit_registry
from fupin.audit.services import audit_record
from fupin.core.errors import ValidationFailed

from .liveness import is_alive, this_host
from .models import Job, JobStatus, WorkerHeartbeat
from .registry import kind_names
from .tasks import run_job

logger = logging.getLogger(__name__)

JOB_SUBMITTED = audit_registry.register("jobs.submitted", _("submitted a background job"))


def job_submit(*, actor, kind: str, params: dict | None = None) -> Job:
    """Record a job and hand it to the task queue once the transaction commits.

    The handler checks the actor's permissions itself when it runs, through the same services as the CLI.
    """
    if kind not in kind_names():
        raise ValidationFailed(_("Unknown job kind “%(kind)s”."), field="kind", kind=kind)
    with transaction.atomic():
        job = Job.objects.create(kind=kind, params=params or {}, created_by=actor)
        audit_record(actor=actor, action=JOB_SUBMITTED, obj=job, after={"kind": kind, "params": job.params})
        transaction.on_commit(partial(_enqueue, job.pk))
    return job


def _enqueue(job_id: int) -> None:
    result = run_job.enqueue(job_id)
    Job.objects.filter(pk=job_id, task_id="").update(task_id=str(result.id))


JOB_ORPHANED = audit_registry.register("jobs.orphaned", _("failed a job whose worker had died"))
# The job's error, in the language of the logs and the other job errors (an exception's text).
ORPHANED_HERE = "the worker process (pid {pid} on {host}) ended while the job was running"
ORPHANED_ELSEWHERE = "the worker on {host} (pid {pid}) gave no sign of life since {seen}"
ORPHANED_UNCLAIMED = "the job was left running by a worker that did not say which it was"


def jobs_fail_orphaned(*, now=None) -> list[int]:
    """Fail every running job whose worker is gone, saying why, so its user knows and the queue moves on.

    On this host a worker is gone when its process is (pid and start time); on another host when its heartbeat
    is older than FUPIN_WORKER_LEASE_SECONDS. Returns the ids of the jobs failed."""
    now = now or timezone.now()
    here = this_host()
    lease = datetime.timedelta(seconds=settings.FUPIN_WORKER_LEASE_SECONDS)
    failed = []
    for job in Job.objects.filter(status=JobStatus.RUNNING).only(
            "id", "kind", "task_id", "worker_host", "worker_pid", "worker_started", "started_at", "params"):
        if not job.worker_host:
            if job.started_at and now - job.started_at < lease:
                continue  # started by a worker of a version that did not record itself: give it the lease
            reason = ORPHANED_UNCLAIMED
        elif job.worker_host == here:
            if is_alive(job.worker_pid, job.worker_started):
                continue
            reason = ORPHANED_HERE.format(pid=job.worker_pid, host=job.worker_host)
        else:
            beat = WorkerHeartbeat.objects.filter(host=job.worker_host, pid=job.worker_pid,
                                                  started=job.worker_started).first()
            seen = beat.seen_at if beat else job.started_at
            if seen and now - seen < lease:
                continue
            reason = ORPHANED_ELSEWHERE.format(host=job.worker_host, pid=job.worker_pid,
                                               seen=seen.isoformat(timespec="seconds") if seen else "never")
        if _fail_orphan(job, reason, now):
            failed.append(job.pk)
    return failed


def _fail_orphan(job: Job, reason: str, now) -> bool:
    with transaction.atomic():
        changed = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, worker_pid=job.worker_pid).update(
            status=JobStatus.FAILED, error=reason, finished_at=now, updated_at=now)
        if not changed:
            return False  # it ended (or was failed by another worker) meanwhile
        if job.task_id:
            _fail_task(job.task_id, reason, now)
        audit_record(actor=None, action=JOB_ORPHANED, obj=job, after={"kind": job.kind, "reason": reason})
    logger.warning("job %s failed: %s", job.pk, reason)
    from fupin.jobs.uploads import discard_upload, keeps_upload

    if not keeps_upload(JobStatus.FAILED):
        discard_upload(job.params.get("path"))
    return True


def _fail_task(task_id: str, reason: str, now) -> None:
    """The task backend's own record of the task, so it does not stay "running" either."""
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(pk=task_id, status="RUNNING").update(
        status="FAILED", finished_at=now, exception_class_path="fupin.jobs.services.WorkerDied",
        traceback=reason)


class WorkerDied(RuntimeError):
    """The process running a job ended without finishing it (killed, out of memory, its host gone)."""


def worker_heartbeat(identity) -> None:
    """Record that this worker process is alive (its own row, never a job's)."""
    WorkerHeartbeat.objects.update_or_create(host=identity.host, pid=identity.pid, started=identity.started,
                                             defaults={"seen_at": timezone.now()})


def heartbeats_prune(*, now=None) -> int:
    """Forget the heartbeats of workers silent for ten leases (no running job can still name them)."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=10 * settings.FUPIN_WORKER_LEASE_SECONDS)
    deleted, _ = WorkerHeartbeat.objects.filter(seen_at__lt=cutoff).exclude(
        pid__in=Job.objects.filter(status=JobStatus.RUNNING).values("worker_pid")).delete()
    return deleted
