import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError
from django.utils import timezone

from fupin.audit.checkpoints import CheckpointUntrusted, checkpoint_dir, write_checkpoint
from fupin.audit.keys import KEY_ID_PATTERN, LEGACY_KEY_ID, read_key_file
from fupin.audit.verification import verify_chain
from fupin.core.cli import FupinCommand

KEY_FILE_HEADER = (
    "# fupin audit keys (ADR 0014): one `id:secret` per line. The last line chains new events; keep the earlier\n"
    "# lines, they verify the events chained with them. Keep this file out of the database's backups and readable\n"
    "# only by the fupin processes.\n"
)


class Command(FupinCommand):
    help = ("Audit trail tools. `verify` checks the keyed hash chain and the signed checkpoints; `checkpoint` "
            "writes one; `add-key` rotates the key.")
    has_subcommands = True
    # The system checks refuse a missing key file; `add-key` creates it (before `migrate`: it needs no database)
    # and `verify` reports key problems itself.
    requires_system_checks = []

    def execute(self, *args, **options):
        if options.get("subcommand") == "add-key":
            options["user"] = None  # the first key is made before the database exists: no account to look up
        return super().execute(*args, **options)

    def add_arguments(self, parser):
        super().add_arguments(parser)
        verify = self.add_subcommand(
            "verify", "Check that no audit event was edited, deleted, inserted or re-hashed, against the keys and "
                      "every checkpoint.")
        verify.add_argument("--checkpoints", metavar="DIR",
                            help="Folder of checkpoints (default: FUPIN_AUDIT_CHECKPOINT_DIR).")
        checkpoint = self.add_subcommand(
            "checkpoint", "Write a signed checkpoint of the chain's last event outside the database.")
        checkpoint.add_argument("--dir", metavar="DIR", help="Folder (default: FUPIN_AUDIT_CHECKPOINT_DIR).")
        add_key = self.add_subcommand(
            "add-key", "Append a new random key to the key file; it chains new events once the server and the "
                       "worker restart, the earlier keys stay to verify theirs.")
        add_key.add_argument("--file", metavar="PATH", help="Key file (default: FUPIN_AUDIT_KEY_FILE).")
        add_key.add_argument("--id", dest="key_id", metavar="ID",
                             help="The new key's id (default: k + the UTC time, e.g. k20261206114000).")

    def handle_verify(self, **options):
        try:
            report = verify_chain(checkpoint_dir=options["checkpoints"])
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None
        self.emit(report.as_dict())
        if report.unfolded:
            self.stderr.write(f"{report.unfolded} audit event(s) wait in the journal to be folded into the chain "
                              "(the worker folds them; `fupin jobs clean` does it now).")
        if not report.intact:
            first = report.problems[0]
            raise CommandError(f"audit chain broken: {len(report.problems)} problem(s) in {report.checked} events; "
                               f"the first at event #{first.seq}: {first.problem}")

    def handle_checkpoint(self, **options):
        try:
            checkpoint, written = write_checkpoint(options["dir"])
        except (ImproperlyConfigured, CheckpointUntrusted, OSError) as error:
            raise CommandError(str(error)) from None
        if checkpoint is None:
            self.emit({"written": False, "reason": "the audit trail is empty"})
            return
        self.emit({"written": written, "directory": str(checkpoint_dir(options["dir"])), **checkpoint.as_dict()})

    def handle_add_key(self, **options):
        path = Path(options["file"] or settings.FUPIN_AUDIT_KEY_FILE or "")
        if not str(path) or str(path) == ".":
            raise CommandError("Name the key file: --file PATH or FUPIN_AUDIT_KEY_FILE.")
        key_id = options["key_id"] or "k" + timezone.now().strftime("%Y%m%d%H%M%S")
        if not KEY_ID_PATTERN.fullmatch(key_id) or key_id == LEGACY_KEY_ID:
            raise CommandError(f"{key_id!r} cannot be a key id: letters, digits, `.`, `_`, `-`, at most 32 "
                               f"characters, not {LEGACY_KEY_ID!r}.")
        try:
            existing = read_key_file(path) if path.exists() else []
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None
        if key_id in {known for known, _secret in existing}:
            raise CommandError(f"The key file {path} already has a key {key_id!r}.")
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(descriptor, "a", encoding="utf-8") as output:
            if not existing and output.tell() == 0:
                output.write(KEY_FILE_HEADER)
            output.write(f"{key_id}:{secrets.token_urlsafe(32)}\n")
        self.log(f"Audit key {key_id} added to {path}; restart the server and the worker to chain with it.")
        self.emit({"file": str(path), "key_id": key_id, "keys": len(existing) + 1})
