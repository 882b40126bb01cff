"""Files users upload for import are kept under MEDIA_ROOT/imports/uploads until the job has read them."""

import uuid
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import can_anywhere
from fupin.core.errors import PermissionDenied, ValidationFailed

ALLOWED_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".csv"}


def store_upload(*, actor, upload) -> Path:
    if not can_anywhere(actor, Action.IMPORT):
        raise PermissionDenied()
    suffix = Path(upload.name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise ValidationFailed(_("Upload an .xlsx, .xls, .ods or .csv file."), field="file")
    target = Path(settings.MEDIA_ROOT) / "imports" / "uploads" / f"{uuid.uuid4().hex}{suffix}"
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return target
