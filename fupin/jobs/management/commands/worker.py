from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the background job worker (imports, exports, statistics refreshes) until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="Run the queued jobs, then exit.")

    def handle(self, *args, **options):
        arguments = ["--batch"] if options["batch"] else []
        call_command("db_worker", *arguments, "--interval", "0.5")
