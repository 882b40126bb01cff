from functools import partial

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fupin.audit import registry as audit_registry
from fupin.audit.services import audit_record
from fupin.core.errors import ValidationFailed

from .models import Job
from .registry import kind_names
from .tasks import run_job

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
