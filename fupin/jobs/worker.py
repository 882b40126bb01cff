"""The job worker: django-tasks' database worker, made to survive or to die loudly.

django_tasks_db's loop stops at the first database error other than "database is locked" (or, under the
autoreloader, leaves the process alive doing nothing), and a job whose worker was killed stays "running" for ever.
This worker:
- rides out database errors (a lost connection, a lock held past the busy timeout): it closes its connections and
  tries again after a growing pause; after FUPIN_WORKER_MAX_DB_ERRORS in a row, or on any other error in its own
  loop, it exits with status 1 so that its service manager (systemd's Restart=, a container's restart policy)
  starts a fresh one — it never lingers;
- does the housekeeping every HOUSEKEEPING_SECONDS: fails the jobs whose worker died, saying why
  (`jobs_fail_orphaned`), and jobs it left running itself when their outcome could not be saved; chains the audit
  events of reads journalled while an import held the chain (`journal_fold`); deletes the uploads no job needs
  (`uploads_clean`);
- writes a heartbeat from a thread of its own, so a worker on another host sees whether it lives.
"""

import logging
import sys
import threading
import time

from django.conf import settings
from django.db import DatabaseError, InterfaceError, close_old_connections, connection, connections
from django.db.utils import OperationalError
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from fupin.audit.journal import journal_fold

from .liveness import ProcessIdentity, this_process
from .models import Job, JobStatus
from .services import heartbeats_prune, jobs_fail_orphaned, worker_heartbeat

logger = logging.getLogger("fupin.jobs.worker")

HOUSEKEEPING_SECONDS = 10.0
UPLOAD_CLEANING_SECONDS = 600.0
FIRST_PAUSE_SECONDS = 0.5
LEFT_BEHIND = "the worker could not save the job's outcome ({error})"


class WorkerGaveUp(SystemExit):
    """Raised to leave with status 1: the service manager restarts the worker."""

    def __init__(self):
        super().__init__(1)


class JobWorker(Worker):
    def __init__(self, **options):
        super().__init__(**options)
        self.identity: ProcessIdentity = this_process()
        self.database_errors = 0
        self.last_database_error: BaseException | None = None
        self.next_housekeeping = 0.0
        self.next_upload_cleaning = 0.0
        self.stopped = threading.Event()

    # The loop ----------------------------------------------------------------------------------------------
    def run(self) -> None:
        logger.info("worker %s:%s started", self.identity.host, self.identity.pid)
        beating = None
        if not self.batch:
            beating = threading.Thread(target=self._beat, name="fupin-heartbeat", daemon=True)
            beating.start()
        try:
            while self.running:
                try:
                    outcome = self._turn()
                except (OperationalError, InterfaceError, DatabaseError) as error:
                    self._database_failed(error)
                    continue
                except Exception:
                    logger.exception("the worker's loop failed; exiting for the service manager to restart it")
                    raise WorkerGaveUp() from None
                self.database_errors = 0
                if outcome == "stop":
                    return
        finally:
            self.stopped.set()
            if beating is not None:
                beating.join(timeout=5)

    def _turn(self) -> str:
        """One pass: housekeeping when due, then at most one task. "stop" ends a batch run."""
        close_old_connections()
        if time.monotonic() >= self.next_housekeeping:
            self.housekeeping()
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        with exclusive_transaction(tasks.db):
            task_result = tasks.get_locked()
            if task_result is not None:
                task_result.claim(self.worker_id)
        if task_result is not None:
            try:
                self.run_task(task_result)
            finally:
                self.next_housekeeping = 0.0  # see at once whether the job's outcome was saved
        elif self.batch:
            self.housekeeping()  # what the last task left behind, before leaving
            return "stop"
        if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
            return "stop"
        close_old_connections()
        if self.running and task_result is None:
            time.sleep(self.interval)
        return ""

    def _database_failed(self, error: BaseException) -> None:
        self.last_database_error = error
        connections.close_all()  # a broken connection is opened anew on the next query
        if is_locked_database_exception(error):
            # SQLite busy past its timeout (a long import holds the write lock): the database works, wait for it.
            logger.info("database locked; trying again")
            self.stopped.wait(FIRST_PAUSE_SECONDS)
            return
        self.database_errors += 1
        if self.database_errors > settings.FUPIN_WORKER_MAX_DB_ERRORS:
            logger.error("database errors %s times in a row (last: %s); exiting for the service manager to "
                         "restart the worker", self.database_errors - 1, error)
            raise WorkerGaveUp()
        pause = min(settings.FUPIN_WORKER_MAX_PAUSE_SECONDS, FIRST_PAUSE_SECONDS * 2 ** (self.database_errors - 1))
        logger.warning("database error (%s); reconnecting in %.1f s", error, pause)
        self.stopped.wait(pause)

    # Housekeeping ----------------------------------------------------------------------------------------------
    def housekeeping(self) -> None:
        self.next_housekeeping = time.monotonic() + HOUSEKEEPING_SECONDS
        self.fail_left_behind()
        jobs_fail_orphaned()
        journal_fold()  # reads audited while an import held the chain join it
        if time.monotonic() >= self.next_upload_cleaning:
            from fupin.jobs.uploads import uploads_clean

            self.next_upload_cleaning = time.monotonic() + UPLOAD_CLEANING_SECONDS
            uploads_clean()
            heartbeats_prune()
        if self.batch:
            worker_heartbeat(self.identity)

    def fail_left_behind(self) -> list[int]:
        """Jobs this process took and still shows running while it runs none: their outcome was lost to a
        database error. Failed, so that nobody waits for them."""
        if self.running_task:
            return []
        me = self.identity
        error = self.last_database_error or "unknown error"
        now = timezone.now()
        mine = Job.objects.filter(status=JobStatus.RUNNING, worker_host=me.host, worker_pid=me.pid,
                                  worker_started=me.started)
        ids = list(mine.values_list("pk", flat=True))
        if ids:
            mine.update(status=JobStatus.FAILED, error=LEFT_BEHIND.format(error=error), finished_at=now,
                        updated_at=now)
            logger.warning("jobs %s failed: %s", ids, LEFT_BEHIND.format(error=error))
        return ids

    def _beat(self) -> None:
        interval = settings.FUPIN_WORKER_HEARTBEAT_SECONDS
        while not self.stopped.is_set():
            try:
                worker_heartbeat(self.identity)
            except Exception as error:  # the loop sees the database's state; this only says "alive"
                logger.info("heartbeat not written: %s", error)
                connection.close()
            if self.stopped.wait(interval):
                break
        connection.close()


def run_worker(*, batch: bool, interval: float, worker_id: str, max_tasks: int | None = None) -> None:
    worker = JobWorker(queue_names=["default"], interval=interval, batch=batch, backend_name="default",
                       startup_delay=not batch, max_tasks=max_tasks, worker_id=worker_id,
                       excluded_queue_names=[])
    worker.configure_signals()
    try:
        worker.run()
    finally:
        worker.reset_signals()
        sys.stdout.flush()
