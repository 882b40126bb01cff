"""Background jobs run through Django's task API with the database backend: no broker on the embedded default.

Also the login throttle's and its authentication backend's settings (they belong to no job, but base.py imports
this module and defines no backends of its own)."""

from config.env import env_str

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# The worker (`fupin worker`, fupin.jobs.worker). Its process writes a heartbeat this often; a job whose worker
# ran on another host and has not been seen for the lease is failed as orphaned (on its own host a worker's
# death is seen at once: its pid is gone). On SQLite every worker shares the host, so only the pid counts.
FUPIN_WORKER_HEARTBEAT_SECONDS = float(env_str("FUPIN_WORKER_HEARTBEAT_SECONDS", "30"))
FUPIN_WORKER_LEASE_SECONDS = float(env_str("FUPIN_WORKER_LEASE_SECONDS", "600"))
# Database errors in a row (a lost connection, "database is locked") the worker rides out, reconnecting with a
# growing pause (up to FUPIN_WORKER_MAX_PAUSE_SECONDS), before it exits non-zero for its service manager to restart.
FUPIN_WORKER_MAX_DB_ERRORS = int(env_str("FUPIN_WORKER_MAX_DB_ERRORS", "20"))
FUPIN_WORKER_MAX_PAUSE_SECONDS = float(env_str("FUPIN_WORKER_MAX_PAUSE_SECONDS", "30"))

# A job's stored result (shown by GET /api/jobs/<id>/) holds at most this many bytes of JSON. A larger one (an
# import's every rejected row) is written whole to MEDIA_ROOT/jobs/ and the job keeps a summary and its link.
FUPIN_JOB_RESULT_MAX_BYTES = int(env_str("FUPIN_JOB_RESULT_MAX_BYTES", str(32 * 1024)))

# Uploaded import files hold full ID numbers: each is deleted as soon as its job ends. A failed job's upload may be
# kept this many days (for someone to look at why; 0, the default: deleted at once like the others). Uploads no job
# refers to are deleted once older than FUPIN_UPLOAD_ORPHAN_HOURS. The worker cleans up as it goes;
# `fupin jobs clean` does it on demand.
FUPIN_UPLOAD_KEEP_FAILED_DAYS = float(env_str("FUPIN_UPLOAD_KEEP_FAILED_DAYS", "0"))
FUPIN_UPLOAD_ORPHAN_HOURS = float(env_str("FUPIN_UPLOAD_ORPHAN_HOURS", "24"))
