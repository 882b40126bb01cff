"""Job kinds and generators the live tests load into their worker processes (and `iterate_in_process`'s child)."""

import os
import time
from pathlib import Path

from fupin.jobs.registry import job_kind


@job_kind("live.sleep", "sleep for a while")
def sleep_job(job, progress):
    Path(job.params["started"]).write_text(str(os.getpid()))
    deadline = time.monotonic() + job.params.get("seconds", 60)
    while time.monotonic() < deadline:
        progress(advance=1)
        time.sleep(0.1)
    return {"slept": True}


@job_kind("live.count", "count to a number")
def count_job(job, progress):
    return {"counted": job.params.get("to", 3)}


@job_kind("live.big", "return a large result")
def big_job(job, progress):
    errors = [{"row": n, "column": "证件号码", "message": "校验码错误 " * 5} for n in range(job.params["rows"])]
    return {"rows": job.params["rows"], "written": False, "errors_file": "imports/x.xlsx", "errors": errors}


def numbers_forever(pid_file: str):
    """In the child: say who it is, then yield slowly for ever (until its parent stops it, or dies)."""
    Path(pid_file).write_text(str(os.getpid()))
    number = 0
    while True:
        number += 1
        time.sleep(0.05)
        yield number
