from django.core.management.base import CommandError

from fupin.audit.verification import verify_chain
from fupin.core.cli import FupinCommand


class Command(FupinCommand):
    help = "Audit trail tools. `verify` checks the hash chain and fails on any edited or deleted event."
    has_subcommands = True

    def add_arguments(self, parser):
        super().add_arguments(parser)
        self.add_subcommand("verify", "Check that no audit event was edited, deleted or reordered.")

    def handle_verify(self, **options):
        checked, problems = verify_chain()
        self.emit({"checked": checked, "intact": not problems, "problems": [p.as_dict() for p in problems]})
        if problems:
            raise CommandError(f"audit chain broken: {len(problems)} problem(s) in {checked} events")
