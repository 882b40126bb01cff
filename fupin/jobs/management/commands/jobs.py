from fupin.audit.journal import journal_fold
from fupin.core.cli import FupinCommand
from fupin.jobs.services import heartbeats_prune, jobs_fail_orphaned
from fupin.jobs.uploads import uploads_clean


class Command(FupinCommand):
    help = ("Job housekeeping (the worker also does it as it goes). `clean` fails the running jobs whose worker "
            "died, chains the audit events of reads journalled while an import held the chain, deletes the uploads no "
            "job needs any more and forgets silent workers.")
    has_subcommands = True

    def add_arguments(self, parser):
        super().add_arguments(parser)
        self.add_subcommand("clean", "Fail orphaned jobs, fold the audit journal and delete uploads past their "
                                     "retention.")

    def handle_clean(self, **options):
        failed = jobs_fail_orphaned()
        uploads = uploads_clean()
        self.emit({"jobs_failed": len(failed), "failed_job_ids": ",".join(map(str, failed)),
                   "uploads_deleted": uploads["deleted"], "upload_bytes_deleted": uploads["bytes"],
                   "heartbeats_forgotten": heartbeats_prune(), "audit_events_folded": journal_fold()})
