"""The secrets the audit chain is keyed with. They never enter the database: whoever can rewrite the events' rows
cannot recompute their hashes (HMAC-SHA256) without them.

A key is an `id:secret` entry. The id is stored with every event chained under it, so keys can be rotated: a new
key is added as the last entry and chains the events from then on, the old ones stay to verify theirs. The id
`legacy` is reserved for the events recorded before the chain was keyed (plain SHA-256, see services.event_hash).
"""

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

LEGACY_KEY_ID = "legacy"
KEY_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
MIN_SECRET_LENGTH = 32
FORMAT_HINT = (f"an audit key is written `id:secret` (id: letters, digits, `.`, `_`, `-`, at most 32 characters, "
               f"not {LEGACY_KEY_ID!r}; secret: at least {MIN_SECRET_LENGTH} characters)")
NOT_CONFIGURED = ("No audit key is configured: set FUPIN_AUDIT_KEY or FUPIN_AUDIT_KEY_FILE "
                  "(docs/adr/0014-keyed-audit-chain.md).")


@dataclass(frozen=True)
class Keyring:
    """Every configured key by id, and the one new events are chained with."""

    secrets: dict[str, bytes]
    current_id: str

    @property
    def current(self) -> bytes:
        return self.secrets[self.current_id]

    def get(self, key_id: str) -> bytes | None:
        return self.secrets.get(key_id)


def parse_entries(lines, source: str) -> list[tuple[str, bytes]]:
    """(id, secret) of each `id:secret` among `lines` (pairs of position and text); blank lines and `#` comments
    are skipped. Errors name the source and position, never a secret."""
    entries = []
    for position, line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key_id, colon, secret = line.partition(":")
        key_id, secret = key_id.strip(), secret.strip()
        if not colon or not KEY_ID_PATTERN.fullmatch(key_id) or key_id == LEGACY_KEY_ID:
            raise ImproperlyConfigured(f"{source} {position}: {FORMAT_HINT}.")
        if len(secret) < MIN_SECRET_LENGTH:
            raise ImproperlyConfigured(f"{source} {position}: the secret of audit key {key_id!r} is shorter than "
                                       f"{MIN_SECRET_LENGTH} characters.")
        entries.append((key_id, secret.encode("utf-8")))
    return entries


def read_key_file(path: Path) -> list[tuple[str, bytes]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ImproperlyConfigured(f"The audit key file {path} cannot be read: {error.strerror}.") from None
    return parse_entries(enumerate(text.splitlines(), 1), f"audit key file {path}, line")


def require_configured() -> None:
    """Refuse to start when no key source is configured and there is no development key (production): checked
    at start-up without reading the key file, so that `fupin audit add-key` can create it."""
    if not (settings.FUPIN_AUDIT_KEY or settings.FUPIN_AUDIT_KEY_FILE or settings.FUPIN_AUDIT_DEVELOPMENT_KEY):
        raise ImproperlyConfigured(NOT_CONFIGURED)


@functools.cache
def keyring() -> Keyring:
    """The configured keys: the key file's entries, then FUPIN_AUDIT_KEY's (comma-separated); the last one read
    chains new events. Read once per process: a rotated key file takes effect when the processes restart."""
    entries = []
    if settings.FUPIN_AUDIT_KEY_FILE:
        entries += read_key_file(Path(settings.FUPIN_AUDIT_KEY_FILE))
    if settings.FUPIN_AUDIT_KEY:
        entries += parse_entries(enumerate(settings.FUPIN_AUDIT_KEY.split(","), 1), "FUPIN_AUDIT_KEY, entry")
    if not (settings.FUPIN_AUDIT_KEY or settings.FUPIN_AUDIT_KEY_FILE) and settings.FUPIN_AUDIT_DEVELOPMENT_KEY:
        entries += parse_entries([(1, settings.FUPIN_AUDIT_DEVELOPMENT_KEY)], "FUPIN_AUDIT_DEVELOPMENT_KEY, entry")
    if not entries:
        raise ImproperlyConfigured(NOT_CONFIGURED)
    secrets: dict[str, bytes] = {}
    for key_id, secret in entries:
        if secrets.setdefault(key_id, secret) != secret:
            raise ImproperlyConfigured(f"The audit key {key_id!r} is given twice with different secrets.")
    return Keyring(secrets, entries[-1][0])


@receiver(setting_changed)
def forget_keys(*, setting, **kwargs):
    """Tests change the keys with override_settings; the next chained event must use the new ones."""
    if setting.startswith("FUPIN_AUDIT_"):
        keyring.cache_clear()
