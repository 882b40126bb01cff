"""Background jobs run through Django's task API with the database backend: no broker on the embedded default."""

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
