"""The worker survives its database and its own death: a killed worker's job is failed with the reason and the queue
moves on; database errors are ridden out or end the worker with status 1; no child outlives its parent."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection
from django.db.utils import OperationalError
from django.test import override_settings

from fupin.jobs import worker as worker_module
from fupin.jobs.liveness import start_marker
from fupin.jobs.models import Job, JobStatus
from fupin.jobs.services import job_submit, jobs_fail_orphaned
from fupin.jobs.tests import kinds  # noqa: F401 (registers the live kinds here too)
from fupin.jobs.tests.live import ROOT, kill, live_database, live_template, wait_until  # noqa: F401 (fixtures)
from fupin.jobs.worker import JobWorker, WorkerGaveUp
from fupin.testing.factories import system_user

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

SUBMIT = """
import json, sys
from fupin.jobs.tests import kinds
from fupin.jobs.services import job_submit
from fupin.testing.factories import system_user
ids = [job_submit(actor=system_user(), kind=kind, params=params).pk for kind, params in json.loads(sys.argv[1])]
print(json.dumps(ids))
"""
WORKER = """
import sys
from fupin.jobs.tests import kinds
from fupin.jobs.worker import run_worker
run_worker(batch={batch}, interval=0.2, worker_id="{name}")
"""


def submit(database, jobs: list) -> list[int]:
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()\n" + SUBMIT, json.dumps(jobs)],
                            cwd=ROOT, env=database.env(), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def job_row(database, job_id: int) -> tuple:
    return database.query("SELECT status, error, worker_pid FROM jobs_job WHERE id = %s", (job_id,))[0]


def test_a_killed_workers_job_is_failed_with_the_reason_and_the_next_job_runs(live_database):  # noqa: F811
    started = live_database.folder / "started"
    long_job, next_job = submit(live_database, [["live.sleep", {"seconds": 120, "started": str(started)}],
                                                ["live.count", {"to": 5}]])
    first = live_database.start(WORKER.format(batch=False, name="first"), log="first.log")
    try:
        wait_until(started.exists, timeout=120, what="the first worker starting the long job")
        assert job_row(live_database, long_job)[0] == JobStatus.RUNNING
        assert job_row(live_database, long_job)[2] == first.pid
    finally:
        kill(first)  # SIGKILL in the middle of the job
    assert job_row(live_database, next_job)[0] == JobStatus.QUEUED

    second = live_database.start(WORKER.format(batch=True, name="second"), log="second.log")
    assert second.wait(timeout=300) == 0, (live_database.folder / "second.log").read_text()
    status, error, _pid = job_row(live_database, long_job)
    assert status == JobStatus.FAILED
    assert f"pid {first.pid}" in error and "ended while the job was running" in error
    assert job_row(live_database, next_job)[0] == JobStatus.SUCCEEDED
    # the task backend's own record does not stay "running" either, and the failure is audited
    assert not live_database.query("SELECT id FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING'")
    assert live_database.query("SELECT object_id FROM audit_auditevent WHERE action = 'jobs.orphaned'") == [
        (str(long_job),)]


pytestmark_db = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytestmark_db
@override_settings(TASKS=DATABASE_TASKS)
def test_a_job_of_a_dead_process_on_this_host_is_failed_but_a_live_ones_is_not():
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    mine, gone = (job_submit(actor=system_user(), kind="live.count") for _ in range(2))
    Job.objects.filter(pk=mine.pk).update(status=JobStatus.RUNNING, worker_host=os.uname().nodename,
                                          worker_pid=os.getpid(), worker_started=start_marker(os.getpid()))
    Job.objects.filter(pk=gone.pk).update(status=JobStatus.RUNNING, worker_host=os.uname().nodename,
                                          worker_pid=dead.pid, worker_started="1")
    assert jobs_fail_orphaned() == [gone.pk]
    assert Job.objects.get(pk=mine.pk).status == JobStatus.RUNNING
    assert Job.objects.get(pk=gone.pk).status == JobStatus.FAILED


@pytestmark_db
@override_settings(TASKS=DATABASE_TASKS)
def test_a_pid_reused_by_another_process_does_not_keep_a_job_alive():
    job = job_submit(actor=system_user(), kind="live.count")
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, worker_host=os.uname().nodename,
                                         worker_pid=os.getpid(), worker_started="12345")  # not this process's start
    assert jobs_fail_orphaned() == [job.pk]


@pytestmark_db
@override_settings(TASKS=DATABASE_TASKS, FUPIN_WORKER_LEASE_SECONDS=60)
def test_a_job_on_another_host_is_failed_once_its_worker_is_silent_past_the_lease():
    import datetime

    from django.utils import timezone

    from fupin.jobs.models import WorkerHeartbeat

    job = job_submit(actor=system_user(), kind="live.count")
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, worker_host="other-host", worker_pid=42,
                                         worker_started="7", started_at=timezone.now())
    WorkerHeartbeat.objects.create(host="other-host", pid=42, started="7", seen_at=timezone.now())
    assert jobs_fail_orphaned() == []
    later = timezone.now() + datetime.timedelta(seconds=61)
    assert jobs_fail_orphaned(now=later) == [job.pk]
    assert "other-host" in Job.objects.get(pk=job.pk).error


def _worker(**options) -> JobWorker:
    return JobWorker(queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
                     max_tasks=None, worker_id="test", excluded_queue_names=[], **options)


@pytestmark_db
@override_settings(TASKS=DATABASE_TASKS, FUPIN_WORKER_MAX_PAUSE_SECONDS=0.01)
def test_the_worker_reconnects_after_database_errors_and_carries_on(monkeypatch):
    job = job_submit(actor=system_user(), kind="live.count", params={"to": 4})
    real_turn, failures = JobWorker._turn, []

    def flaky_turn(self):
        if len(failures) < 3:
            failures.append(1)
            raise OperationalError("server closed the connection unexpectedly")
        return real_turn(self)

    monkeypatch.setattr(JobWorker, "_turn", flaky_turn)
    _worker().run()
    job.refresh_from_db()
    assert (len(failures), job.status, job.result) == (3, JobStatus.SUCCEEDED, {"counted": 4})


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@override_settings(TASKS=DATABASE_TASKS)
def test_the_worker_survives_its_connection_being_killed():
    if connection.vendor != "postgresql":
        pytest.skip("a connection to terminate needs PostgreSQL (SQLite has none)")
    import psycopg

    job = job_submit(actor=system_user(), kind="live.count", params={"to": 2})
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    database = connection.settings_dict
    with psycopg.connect(host=database["HOST"] or "127.0.0.1", port=database["PORT"] or 5432,
                         user=database["USER"] or "postgres", dbname=database["NAME"], autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [backend])
    _worker().run()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED


@pytestmark_db
@override_settings(TASKS=DATABASE_TASKS, FUPIN_WORKER_MAX_DB_ERRORS=2, FUPIN_WORKER_MAX_PAUSE_SECONDS=0.01)
def test_a_worker_whose_database_stays_away_exits_with_status_1(monkeypatch):
    def broken(self):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(JobWorker, "_turn", broken)
    with pytest.raises(WorkerGaveUp) as exit_info:
        _worker().run()
    assert exit_info.value.code == 1


@pytestmark_db
@override_settings(TASKS=DATABASE_TASKS)
def test_a_worker_whose_loop_fails_otherwise_exits_with_status_1(monkeypatch):
    monkeypatch.setattr(worker_module, "jobs_fail_orphaned", lambda: 1 / 0)
    with pytest.raises(SystemExit) as exit_info:
        _worker().run()
    assert exit_info.value.code == 1


@pytestmark_db
@override_settings(TASKS=DATABASE_TASKS)
def test_a_job_whose_outcome_could_not_be_saved_is_failed_by_its_own_worker():
    job = job_submit(actor=system_user(), kind="live.count")
    worker = _worker()
    me = worker.identity
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, worker_host=me.host, worker_pid=me.pid,
                                         worker_started=me.started)
    worker.last_database_error = OperationalError("database is locked")
    assert worker.fail_left_behind() == [job.pk]
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "database is locked" in job.error


CHILD_PARENT = """
import sys
from fupin.core.processes import iterate_in_process
from fupin.jobs.tests.kinds import numbers_forever
for number in iterate_in_process(numbers_forever, sys.argv[1]):
    pass
"""


def test_the_reader_child_dies_with_its_parent(tmp_path):
    pid_file = tmp_path / "child.pid"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    parent = subprocess.Popen([sys.executable, "-c", "import django; django.setup()\n" + CHILD_PARENT,
                               str(pid_file)], cwd=ROOT, env=env)
    try:
        wait_until(lambda: pid_file.exists() and pid_file.read_text(), timeout=120, what="the child starting")
        child = int(pid_file.read_text())
        assert start_marker(child) is not None
        time.sleep(0.5)
    finally:
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=30)
    wait_until(lambda: start_marker(child) is None, timeout=5, what="the child ending with its parent")
