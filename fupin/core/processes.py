"""Running a generator in another process and consuming what it yields here: a pipeline over two cores.

An import reads and cleans its file in a worker while this process checks and writes what the worker sends. The
worker is spawned, not forked (a forked child would share this process's database connection and whatever its
threads held), and sets Django up itself; it must not use the database. Items travel pickled through a bounded
queue, so the worker stays at most a few items ahead and memory stays flat. An error in the worker is raised
here; closing the iterator early (or an error here) stops the worker. No worker outlives this process: the kernel
kills it when its parent dies (Linux's PR_SET_PDEATHSIG), and a thread of its own ends it once its parent is gone
(elsewhere, or if the parent died before the worker asked the kernel) — a killed import left its reader holding
386 MB for minutes.

Django's lazy translations pickle as a call that builds a new proxy class each time they are unpickled (about
200 µs each, more than cleaning a row); items are pickled here with a reducer that reuses one proxy class per
function, so reports with thousands of messages travel cheaply.
"""

import contextlib
import ctypes
import ctypes.util
import functools
import gc
import io
import multiprocessing
import os
import pickle
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator

from django.utils.functional import Promise, lazy

POLL_SECONDS = 1.0
PARENT_WATCH_SECONDS = 1.0
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
# During a bulk job, a young collection once a million more objects live than at the last one: a batch of 5,000
# households (about that many objects) is built and dropped without being scanned. Cyclic garbage, which a bulk
# job hardly makes, is still found within that bound. Against 50,000: 7.5 s less collecting in an import of 1 M
# members (its two processes), 1.4 s sooner done.
BULK_THRESHOLDS = (1_000_000, 20, 20)


@functools.cache
def _lazy_factory(function, *result_classes):
    return lazy(function, *result_classes)


def _lazy_unpickle(function, args, kwargs, *result_classes):
    return _lazy_factory(function, *result_classes)(*args, **kwargs)


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj):
        if isinstance(obj, Promise):
            _original, arguments = obj.__reduce__()
            return _lazy_unpickle, arguments
        return NotImplemented


def dumps(obj) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    return buffer.getvalue()


_collections_lock = threading.Lock()
_collections_held: list[tuple[int, int, int]] = []  # the thresholds to restore, one entry per job running


@contextlib.contextmanager
def fewer_collections():
    """Collect cyclic garbage less often while a bulk job makes millions of short-lived, acyclic objects (rows,
    dicts): the default thresholds rescan what the job holds many times over. The settings are the process's:
    the first of concurrent jobs (threads of a server) changes them, the last restores them."""
    with _collections_lock:
        if not _collections_held:
            gc.freeze()  # what existed before the job is not scanned again
        _collections_held.append(gc.get_threshold())
        gc.set_threshold(*BULK_THRESHOLDS)
    try:
        yield
    finally:
        with _collections_lock:
            thresholds = _collections_held.pop()
            if not _collections_held:
                gc.set_threshold(*thresholds)
                gc.unfreeze()


class WorkerFailed(RuntimeError):
    """The worker process ended without finishing (killed, out of memory) or its error could not be sent."""


def die_with_parent(parent_pid: int) -> None:
    """End this process when `parent_pid` ends: the kernel's signal where it has one, and a watching thread."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no libc to call: the thread below still watches
            pass
    if os.getppid() != parent_pid:  # the parent died before the kernel was asked to tell
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(PARENT_WATCH_SECONDS)
            if os.getppid() != parent_pid:  # reparented: the parent is gone
                os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _run(module: str, name: str, args: tuple, channel, parent_pid: int | None = None) -> None:
    import importlib

    import django

    if parent_pid is not None:
        die_with_parent(parent_pid)
    django.setup()  # before the function's module is imported: it may define models
    try:
        function = getattr(importlib.import_module(module), name)
        with fewer_collections():  # a sixth of the worker's time, measured on an import
            for item in function(*args):
                channel.put(dumps(("item", item)))
        channel.put(dumps(("end", None)))
    except BaseException as exc:  # every failure must reach the consuming process
        try:
            channel.put(dumps(("error", exc)))
        except Exception:  # an exception that cannot be pickled still reports its text
            channel.put(dumps(("error", WorkerFailed(f"{type(exc).__name__}: {exc}"))))


def iterate_in_process(function: Callable[..., Iterator], *args, ahead: int = 4) -> Iterator:
    """Yield here what `function(*args)` yields in a spawned worker process, which runs at most `ahead` items
    ahead. `function` must be importable at module level and its arguments and items picklable. Items of a few
    hundred objects pickle fastest: the pickler's memo of every object it wrote slows it as it grows."""
    context = multiprocessing.get_context("spawn")
    channel = context.Queue(maxsize=ahead)
    worker = context.Process(target=_run, args=(function.__module__, function.__qualname__, args, channel,
                                                os.getpid()), daemon=True)
    worker.start()
    try:
        while True:
            try:
                message = channel.get(timeout=POLL_SECONDS)
            except queue.Empty:
                if worker.is_alive():
                    continue
                try:  # what it sent just before it ended may still be on its way
                    message = channel.get(timeout=POLL_SECONDS)
                except queue.Empty:
                    raise WorkerFailed(f"the worker process ended with exit code {worker.exitcode}") from None
            kind, value = pickle.loads(message)
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        if worker.is_alive():
            worker.terminate()
        worker.join()
        channel.close()
