"""The audit chain's keys and checkpoints. Both live outside the database, so that someone who can write to the
database (and read this project's code) still cannot rewrite the trail unnoticed. ADR 0014 has the formats."""

from config.env import BASE_DIR, env_str

# Keys the chain is hashed with (HMAC-SHA256), as `id:secret` entries (id: letters, digits, `.`, `_`, `-`, at most
# 32; secret: at least 32 characters). FUPIN_AUDIT_KEY holds one or more, separated by commas; FUPIN_AUDIT_KEY_FILE
# names a file with one per line (`#` starts a comment). The last entry read (the file first, then the variable)
# chains new events; the earlier ones stay to verify the events chained with them. `fupin audit add-key` appends a
# new key to the file.
FUPIN_AUDIT_KEY = env_str("FUPIN_AUDIT_KEY", "")
FUPIN_AUDIT_KEY_FILE = env_str("FUPIN_AUDIT_KEY_FILE", "")
# The key used when neither is set, so that a laptop and the tests need no configuration. Everybody knows it, so
# it proves nothing: production sets it to None and then refuses to start without a key of its own.
FUPIN_AUDIT_DEVELOPMENT_KEY = "dev:fupin-development-audit-key-known-to-everyone"

# Signed checkpoints (the last event, its hash and the count of events) go here, one file each. Point it at
# storage the database's users cannot write (another host's mount, append-only storage) or copy the files off.
FUPIN_AUDIT_CHECKPOINT_DIR = env_str("FUPIN_AUDIT_CHECKPOINT_DIR", str(BASE_DIR / "var" / "audit-checkpoints"))
# A checkpoint is also written after the commit of every this-many-th event (0: only by `fupin audit checkpoint`).
FUPIN_AUDIT_CHECKPOINT_EVERY = int(env_str("FUPIN_AUDIT_CHECKPOINT_EVERY", "1000"))

# A read that audits (an unmasked look) waits at most this long for the audit chain; while a long import holds it,
# the event goes to the journal in FUPIN_AUDIT_JOURNAL_DIR (default MEDIA_ROOT/audit-journal, shared by web and
# worker; back it up with the media) and the worker folds it into the chain (fupin.audit.journal).
FUPIN_AUDIT_LOOK_WAIT_SECONDS = float(env_str("FUPIN_AUDIT_LOOK_WAIT_SECONDS", "2"))
FUPIN_AUDIT_JOURNAL_DIR = env_str("FUPIN_AUDIT_JOURNAL_DIR", "")
