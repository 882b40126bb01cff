"""Files users upload for import are kept under MEDIA_ROOT/imports/uploads until their job has read them.

They hold full ID numbers, so none outlives its use (FUPIN_UPLOAD_KEEP_FAILED_DAYS, FUPIN_UPLOAD_ORPHAN_HOURS):
the job deletes its upload when it ends (a failed job's after that many days, 0 by default), and the worker's
housekeeping (`uploads_clean`, also `fupin jobs clean`) deletes what a job could not: an upload whose job failed
long enough ago, or whose job was never queued (the request died after the upload was stored).
"""

import datetime
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import can_anywhere
from fupin.core.errors import PermissionDenied, ValidationFailed

ALLOWED_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".csv"}
UPLOAD_FOLDER = ("imports", "uploads")


def upload_dir() -> Path:
    return Path(settings.MEDIA_ROOT).joinpath(*UPLOAD_FOLDER)


def store_upload(*, actor, upload) -> Path:
    if not can_anywhere(actor, Action.IMPORT):
        raise PermissionDenied()
    suffix = Path(upload.name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise ValidationFailed(_("Upload an .xlsx, .xls, .ods or .csv file."), field="file")
    target = upload_dir() / f"{uuid.uuid4().hex}{suffix}"
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return target


def is_upload(path) -> bool:
    """Whether `path` is a stored upload: only those are ever deleted (a CLI import's own file never is)."""
    if not path:
        return False
    try:
        return Path(path).resolve().parent == upload_dir().resolve()
    except (OSError, ValueError):
        return False


def discard_upload(path) -> bool:
    """Delete a stored upload; True if a file was deleted."""
    if not is_upload(path):
        return False
    try:
        Path(path).unlink()
    except FileNotFoundError:
        return False
    return True


def keeps_upload(status: str) -> bool:
    """Whether a job that ended with this status keeps its upload for a while."""
    from fupin.jobs.models import JobStatus

    return status == JobStatus.FAILED and settings.FUPIN_UPLOAD_KEEP_FAILED_DAYS > 0


def uploads_clean(*, now: datetime.datetime | None = None) -> dict:
    """Delete every upload no job still needs; returns how many files and bytes went."""
    from fupin.jobs.models import Job, JobStatus

    now = now or timezone.now()
    keep_failed = datetime.timedelta(days=settings.FUPIN_UPLOAD_KEEP_FAILED_DAYS)
    orphan_after = datetime.timedelta(hours=settings.FUPIN_UPLOAD_ORPHAN_HOURS)
    folder = upload_dir()
    deleted = size = 0
    if not folder.is_dir():
        return {"deleted": 0, "bytes": 0}
    for path in folder.iterdir():
        if not path.is_file():
            continue
        job = Job.objects.filter(params__path=str(path)).only("status", "finished_at").first()
        if job is None:
            modified = datetime.datetime.fromtimestamp(path.stat().st_mtime, tz=datetime.UTC)
            due = now - modified >= orphan_after
        elif job.status == JobStatus.SUCCEEDED:
            due = True
        elif job.status == JobStatus.FAILED:
            due = job.finished_at is None or now - job.finished_at >= keep_failed
        else:  # queued or running: its job has yet to read it
            due = False
        if due:
            length = path.stat().st_size
            if discard_upload(path):
                deleted, size = deleted + 1, size + length
    return {"deleted": deleted, "bytes": size}
