"""Is the process that took a job still there? A pid alone is not enough: the kernel hands freed pids out again.
A process is named by its host, its pid and its start time (field 22 of /proc/<pid>/stat, in clock ticks since
boot), which together name one process for as long as the host runs."""

import os
import socket
from dataclasses import dataclass


@dataclass(frozen=True)
class ProcessIdentity:
    host: str
    pid: int
    started: str  # "" where /proc is missing: the pid is then trusted alone


def start_marker(pid: int) -> str | None:
    """The process's start time as the kernel states it, or None if there is no such process."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read().decode("ascii", "replace")
    except FileNotFoundError:
        return None
    except OSError:  # no /proc (not Linux): whether the pid lives is all we can say
        return "" if _pid_exists(pid) else None
    # The command name (field 2) is in parentheses and may itself hold spaces or parentheses.
    fields = stat[stat.rindex(")") + 2:].split()
    if fields and fields[0] == "Z":  # a zombie: dead, only waiting for its parent to collect its status
        return None
    return fields[19] if len(fields) > 19 else ""


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, under another user
        return True
    return True


def this_host() -> str:
    return socket.gethostname()


def this_process() -> ProcessIdentity:
    return ProcessIdentity(this_host(), os.getpid(), start_marker(os.getpid()) or "")


def is_alive(pid: int | None, started: str) -> bool:
    """Whether the process `pid` that started at `started` still runs on this host."""
    if not pid:
        return False
    marker = start_marker(pid)
    if marker is None:
        return False
    return not started or not marker or marker == started
