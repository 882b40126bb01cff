"""`fupin restore PATH`: a backup into a new database and new folders, checked before anything is written."""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError

from fupin.backup.databases import DatabaseCopyFailed
from fupin.backup.services import BackupRefused, restore_backup
from fupin.core.cli import FupinCommand


class Command(FupinCommand):
    help = ("Restore a backup made by `fupin backup` into a database (default: DATABASE_URL) and folders (default: "
            "the configured ones). Every file's hash and the audit keys are checked first; a database that holds "
            "data is refused unless --force; running it again changes nothing. The restored database gets an "
            "identity of its own. See docs/deployment.md, \"Backups\".")
    # The target database may not exist yet: no checks that read it.
    requires_system_checks = []

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("path", metavar="PATH", help="The backup folder (the one holding manifest.json).")
        parser.add_argument("--database-url", metavar="URL",
                            help="The database to restore into, as DATABASE_URL is written (default: DATABASE_URL). "
                                 "A PostgreSQL database that does not exist is created; SQLite: a new file.")
        parser.add_argument("--folders", metavar="DIR",
                            help="Put the media, analytics and audit-checkpoints folders under DIR (each of the "
                                 "three options below overrides its own).")
        parser.add_argument("--media-dir", metavar="DIR", help="Media folder (default: FUPIN_MEDIA_DIR).")
        parser.add_argument("--analytics-dir", metavar="DIR",
                            help="Analytics folder; the snapshots go to DIR/snapshots/<new identity>/ "
                                 "(default: FUPIN_ANALYTICS_DIR).")
        parser.add_argument("--audit-checkpoint-dir", metavar="DIR",
                            help="Audit checkpoint folder; must hold no other chain's checkpoints "
                                 "(default: FUPIN_AUDIT_CHECKPOINT_DIR).")
        parser.add_argument("--force", action="store_true",
                            help="Replace a database that holds data and target files that differ (stop the web "
                                 "server and the worker first). Checkpoints are never replaced.")
        parser.add_argument("--allow-missing-keys", action="store_true",
                            help="Restore even though audit keys the backup needs are not configured: the data "
                                 "comes back, but its audit trail cannot be verified.")

    def execute(self, *args, **options):
        options["user"] = None  # the target database may be empty: no account to look up
        return super().execute(*args, **options)

    def handle(self, *args, **options):
        folders = Path(options["folders"]) if options["folders"] else None

        def folder(option: str, name: str, configured) -> Path:
            if options[option]:
                return Path(options[option])
            return folders / name if folders else Path(configured)

        try:
            summary = restore_backup(
                Path(options["path"]), database_url=options["database_url"],
                media_dir=folder("media_dir", "media", settings.MEDIA_ROOT),
                analytics_dir=folder("analytics_dir", "analytics", settings.ANALYTICS_DIR),
                checkpoint_dir=folder("audit_checkpoint_dir", "audit-checkpoints",
                                      settings.FUPIN_AUDIT_CHECKPOINT_DIR),
                force=options["force"], allow_missing_keys=options["allow_missing_keys"], log=self.log)
        except (BackupRefused, DatabaseCopyFailed, ImproperlyConfigured, ValueError) as error:
            raise CommandError(str(error)) from None
        for warning in summary["warnings"]:
            self.log(f"Warning: {warning}.")
        settings_lines = [f"DATABASE_URL={summary['database']} (with its password)",
                          *(f"{name}={path}" for name, path in summary["folders"].items())]
        self.log(f"{'Restored' if summary['restored'] else 'Already restored'}: {summary['database']} "
                 f"(identity {summary['identity']}). Point the services at it: " + ", ".join(settings_lines)
                 + "; then " + ("run `fupin migrate`, " if summary["migrations_to_apply"] else "")
                 + "check it with `fupin audit verify` before starting them.")
        self.emit(summary)
