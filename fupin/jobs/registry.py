"""Job kinds: a name, a translatable label and the function that does the work.

A handler is called as `handler(job, progress)`, where `progress(done=…, total=…, message=…)` records how far
it got; whatever JSON-able value it returns becomes the job's result.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class JobKind:
    name: str
    label: object
    handler: Callable


_KINDS: dict[str, JobKind] = {}


def job_kind(name: str, label):
    def decorator(function):
        _KINDS[name] = JobKind(name, label, function)
        return function

    return decorator


def get_kind(name: str) -> JobKind:
    return _KINDS[name]


def kind_names() -> list[str]:
    return sorted(_KINDS)
