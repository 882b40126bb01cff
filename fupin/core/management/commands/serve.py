"""`fupin serve`: the production web server (gunicorn) with the production settings.

The `fupin` command gives `serve` the production settings unless DJANGO_SETTINGS_MODULE says otherwise, and those
refuse to load without a real FUPIN_SECRET_KEY; this command refuses too when the key is missing from the
environment whatever the settings, so no server ever starts on the development key.

gunicorn runs in this process (the master), so a service manager signals it directly: SIGTERM stops gracefully,
SIGHUP reloads the workers, and under systemd it reports READY when it has bound its address. Each worker loads the
Django application after the fork, with its own database connections. Workers are threaded (gthread): a long
download or report does not stop the worker's heartbeat, and the timeout only kills a worker that hangs.
"""

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from gunicorn.app.base import BaseApplication


def default_workers() -> int:
    """gunicorn's rule of thumb (2 × cores + 1), at most 9: each worker holds its own copy of the application."""
    return min(2 * (os.cpu_count() or 1) + 1, 9)


def server_options(*, bind: str, workers: int, threads: int, timeout: int) -> dict:
    """The gunicorn settings `fupin serve` runs with (names as in gunicorn's configuration)."""
    return {
        "bind": [bind],
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": timeout,
        "graceful_timeout": 30,
        # A worker is replaced after this many requests (with jitter, so not all at once): slow leaks stay bounded.
        "max_requests": 2000,
        "max_requests_jitter": 200,
        "accesslog": "-",
        "errorlog": "-",
        "loglevel": os.environ.get("FUPIN_LOG_LEVEL", "warning").lower(),
        # Proxies whose X-Forwarded-* headers gunicorn believes; the reverse proxy usually runs on the same host.
        "forwarded_allow_ips": os.environ.get("FUPIN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1"),
        # No runtime control socket: it would live in the service user's home, shared by every instance.
        "control_socket_disable": True,
        "proc_name": "fupin-web",
    }


class Command(BaseCommand):
    help = ("Run the production web server (gunicorn, production settings). Needs FUPIN_SECRET_KEY; put it behind "
            "an HTTPS reverse proxy. See docs/deployment.md.")

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("FUPIN_BIND", "127.0.0.1:8000"), metavar="HOST:PORT",
                            help="Address to listen on (default: FUPIN_BIND or 127.0.0.1:8000; unix:PATH for a "
                                 "socket).")
        parser.add_argument("--workers", type=int, default=int(os.environ.get("FUPIN_WEB_WORKERS", default_workers())),
                            help="Worker processes (default: FUPIN_WEB_WORKERS or 2 × cores + 1, at most 9).")
        parser.add_argument("--threads", type=int, default=int(os.environ.get("FUPIN_WEB_THREADS", "4")),
                            help="Threads per worker (default: FUPIN_WEB_THREADS or 4).")
        parser.add_argument("--timeout", type=int, default=int(os.environ.get("FUPIN_WEB_TIMEOUT", "120")),
                            help="Seconds before a silent worker is restarted (default: FUPIN_WEB_TIMEOUT or 120).")

    def handle(self, *args, **options):
        if not os.environ.get("FUPIN_SECRET_KEY", "").strip():
            raise CommandError("FUPIN_SECRET_KEY is not set: the production server needs a long random secret key; "
                               "generate one with: python3 -c 'import secrets; print(secrets.token_urlsafe(50))'.")
        for name in ("workers", "threads", "timeout"):
            if options[name] < 1:
                raise CommandError(f"--{name} must be at least 1.")
        if settings.DEBUG:
            self.stderr.write("Warning: DEBUG is on (FUPIN_DEBUG): error pages show settings and data. "
                              "Switch it off once the diagnosis is done.")
        # Workers are forked from this process: none may inherit a database connection opened by the checks.
        connections.close_all()
        server = ProductionServer(server_options(bind=options["bind"], workers=options["workers"],
                                                 threads=options["threads"], timeout=options["timeout"]))
        server.run()


class ProductionServer(BaseApplication):
    """gunicorn with fixed settings and Django's WSGI application (settings.WSGI_APPLICATION, as runserver uses)."""

    def __init__(self, options: dict):
        self.options = options
        super().__init__(prog="fupin serve")

    def load_config(self):
        for name, value in self.options.items():
            self.cfg.set(name, value)

    def load(self):
        from django.core.servers.basehttp import get_internal_wsgi_application

        return get_internal_wsgi_application()
