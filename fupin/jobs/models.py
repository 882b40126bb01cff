from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.core.models import TimeStampedModel


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    SUCCEEDED = "succeeded", _("succeeded")
    FAILED = "failed", _("failed")


class Job(TimeStampedModel):
    """A long piece of work (import, export, refresh) as its user sees it: status, progress, result."""

    kind = models.CharField(_("kind"), max_length=60, db_index=True)
    status = models.CharField(_("status"), max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED)
    params = models.JSONField(_("parameters"), default=dict)
    progress_done = models.PositiveBigIntegerField(_("done"), default=0)
    progress_total = models.PositiveBigIntegerField(_("total"), null=True, blank=True)
    message = models.CharField(_("message"), max_length=300, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="jobs"
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    task_id = models.CharField(_("task id"), max_length=64, blank=True)
    # The process running the job, so a job whose worker died is found and failed (fupin.jobs.liveness): its host,
    # its pid and the pid's start time there (a pid is reused; the pair is not).
    worker_host = models.CharField(_("worker host"), max_length=255, blank=True)
    worker_pid = models.PositiveIntegerField(_("worker pid"), null=True, blank=True)
    worker_started = models.CharField(_("worker process start"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def kind_label(self):
        """What the job does, in the reader's language (its kind's registered label)."""
        from .registry import get_kind

        try:
            return get_kind(self.kind).label
        except KeyError:  # a kind no longer registered in this version
            return self.kind

    @property
    def percent(self) -> int | None:
        if not self.progress_total:
            return None
        return min(100, int(self.progress_done * 100 / self.progress_total))


class WorkerHeartbeat(models.Model):
    """A worker process's last sign of life, written by a thread beside the job (never on the job's row, which a
    running import may hold locked): how a job left running by a worker on another host is known to be orphaned."""

    host = models.CharField(_("host"), max_length=255)
    pid = models.PositiveIntegerField(_("pid"))
    started = models.CharField(_("process start"), max_length=32)
    seen_at = models.DateTimeField(_("last seen at"))

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")
        constraints = [models.UniqueConstraint(fields=["host", "pid", "started"], name="one_heartbeat_per_worker")]

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}"
