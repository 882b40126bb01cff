from django.core.management.base import BaseCommand
from django.utils.crypto import get_random_string

from fupin.jobs.worker import run_worker


class Command(BaseCommand):
    help = ("Run the background job worker (imports, exports, statistics refreshes) until stopped. It fails the "
            "jobs of workers that died, and exits with status 1 when its database stays unreachable, for its "
            "service manager to restart it.")

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="Run the queued jobs, then exit.")
        parser.add_argument("--interval", type=float, default=0.5,
                            help="Seconds between looks at an empty queue (default: 0.5).")
        parser.add_argument("--max-tasks", type=int, default=None, help="Exit after running this many jobs.")

    def handle(self, *args, **options):
        if options["interval"] < 0 or (options["max_tasks"] is not None and options["max_tasks"] < 1):
            from django.core.management.base import CommandError

            raise CommandError("--interval must be 0 or more and --max-tasks 1 or more.")
        run_worker(batch=options["batch"], interval=options["interval"], max_tasks=options["max_tasks"],
                   worker_id=get_random_string(32))
