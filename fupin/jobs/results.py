"""A job's result as stored on its row: small enough to show in a page or an API response.

A result over FUPIN_JOB_RESULT_MAX_BYTES of JSON (an import with 300,000 rejected rows made one of 86 MB) is
written whole to MEDIA_ROOT/jobs/job-<id>-result.json; the row keeps a summary — every single value, the first
few items of each list with the list's length — and `result_file`, which `GET /api/jobs/<id>/result/` serves.
"""

import json
from pathlib import Path

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

RESULT_FOLDER = "jobs"
LIST_HEAD = 20  # items of each list kept in a summary


def _size(value) -> int:
    return len(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False).encode("utf-8"))


def result_path(job_id: int) -> str:
    """The full result's file, relative to MEDIA_ROOT."""
    return f"{RESULT_FOLDER}/job-{job_id}-result.json"


def summary_of(result: dict | list, limit: int) -> dict:
    """What of `result` fits in `limit` bytes: single values first, then lists cut to their first items."""
    if not isinstance(result, dict):
        result = {"items": result} if isinstance(result, list) else {"value": result}
    summary: dict = {}
    for key, value in result.items():
        if isinstance(value, list):
            summary[f"{key}_count"] = len(value)
        elif not isinstance(value, dict) and _size(value) <= limit // 8:
            summary[key] = value
    for key, value in result.items():
        if isinstance(value, list):
            head = value[:LIST_HEAD]
            if _size(summary) + _size(head) <= limit * 3 // 4:
                summary[key] = head
    return summary


def capped_result(job_id: int, result):
    """The result to store on the job's row: itself if small, else a summary with the link to the whole."""
    limit = settings.FUPIN_JOB_RESULT_MAX_BYTES
    if result is None or _size(result) <= limit:
        return result
    relative = result_path(job_id)
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "w", encoding="utf-8") as handle:
        json.dump(result, handle, cls=DjangoJSONEncoder, ensure_ascii=False)
    return {**summary_of(result, limit), "result_truncated": True, "result_file": relative}
