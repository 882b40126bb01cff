"""`fupin backup [--to PATH] [--keep N]`: the database, its snapshots, the media and the audit checkpoints."""

import os
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError

from fupin.backup.databases import DatabaseCopyFailed
from fupin.backup.services import BackupRefused, default_backup_path, make_backup, prune_backups
from fupin.core.cli import FupinCommand


def backup_parent() -> Path:
    """Where backups go when --to is not given: FUPIN_BACKUP_DIR, else var/backups in the checkout."""
    return Path(os.environ.get("FUPIN_BACKUP_DIR") or Path(settings.BASE_DIR) / "var" / "backups")


class Command(FupinCommand):
    help = ("Back up the database (pg_dump, or SQLite's online backup), its statistics snapshots, the media folder "
            "and the audit checkpoints into a new folder, with a signed manifest of hashes. Safe while the web "
            "server and the worker run. The keys are never in a backup. See docs/deployment.md, \"Backups\".")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--to", metavar="PATH",
                            help="The new backup folder (default: FUPIN_BACKUP_DIR/fupin-<UTC time>, "
                                 "FUPIN_BACKUP_DIR defaulting to var/backups).")
        parser.add_argument("--keep", type=int, metavar="N",
                            help="Afterwards delete the oldest complete backups in the same parent folder beyond "
                                 "the newest N (this one included).")

    def execute(self, *args, **options):
        options["user"] = None  # an operator's command: no account acts, nothing is written to the database
        return super().execute(*args, **options)

    def handle(self, *args, **options):
        if options["keep"] is not None and options["keep"] < 1:
            raise CommandError("--keep must be at least 1.")
        target = Path(options["to"]) if options["to"] else default_backup_path(backup_parent())
        try:
            manifest = make_backup(target, log=self.log)
        except (BackupRefused, DatabaseCopyFailed, ImproperlyConfigured, ValueError) as error:
            raise CommandError(str(error)) from None
        removed = prune_backups(target.parent, options["keep"]) if options["keep"] else []
        self.log(f"Backup {manifest['backup_id']} written to {target} in {manifest['seconds']} s. Keep the audit "
                 f"keys {', '.join(manifest['keys']['audit']) or '(none yet)'} and FUPIN_SECRET_KEY apart from it.")
        self.emit({
            "path": str(target),
            "backup_id": manifest["backup_id"],
            "created_at": manifest["created_at"],
            "engine": manifest["database"]["engine"],
            "identity": manifest["database"]["identity"],
            "rows": sum(manifest["database"]["tables"].values()),
            "audit_events": manifest["audit"]["events"],
            "audit_key_ids": manifest["keys"]["audit"],
            "files": {name: store["files"] for name, store in manifest["stores"].items()},
            "bytes": sum(entry["bytes"] for entry in manifest["files"]),
            "seconds": manifest["seconds"],
            "removed": [str(path) for path in removed],
        })
