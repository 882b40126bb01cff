"""`fupin backup` and `fupin restore`: a deployment's state in one folder, and back.

A backup holds what cannot be made again from the code: the database, this database's statistics snapshots (a
frozen year-end ledger cannot be refilled — it is what the records said then), the media folder (uploads, notices,
appeals, exports) and the signed audit checkpoints, with a manifest: versions, migration state, the database's
identity, every table's row count, the audit chain's end, the ids of the keys the chain and the checkpoints need,
and every file's SHA-256. The manifest is signed with the current audit key. Keys are never in a backup: whoever
holds a backup and the keys could rewrite the trail, so they are kept apart (docs/deployment.md, "Backups").

Order, so that the parts agree: the audit checkpoints are copied first (a checkpoint only ever names events
already committed, so every copied one is covered by the database copied next), then the database (one
consistent state), then the snapshots and media (written before the rows that name them, so every file the copied
database names is there; files newer than the database copy are unused or refilled).

A restored database is a new database: it gets an identity of its own, and the snapshots are restored under that
identity. Restored next to the original (a restore drill on the same machine), the two never read or refill each
other's snapshot files; the identity the backup was made from stays in the manifest and in the restored
database's `Restoration` row.
"""

import datetime
import hashlib
import hmac
import json
import os
import platform
import shutil
import sqlite3
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Count, Max
from django.utils import timezone

from fupin.audit.checkpoints import CheckpointUntrusted, write_checkpoint
from fupin.audit.keys import LEGACY_KEY_ID, Keyring, keyring
from fupin.audit.models import AuditEvent
from fupin.core.changes import database_identity
from fupin.core.models import DatabaseIdentity

from . import databases
from .files import StoredFile, check_destination, copy_file, copy_store, plan_store, sha256_of
from .models import Restoration

FORMAT = "fupin-backup/1"
MANIFEST = "manifest.json"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
STORES = ("media", "snapshots", "audit-checkpoints")
FINGERPRINT_MESSAGE = b"fupin backup: key fingerprint"
# Tables whose rows a restore itself changes: left out when a second run compares the database with the backup.
RESTORE_TABLES = {Restoration._meta.db_table, DatabaseIdentity._meta.db_table}
SOURCE_ALIAS = "fupin_backup_source"
TARGET_ALIAS = "fupin_restore_target"


class BackupRefused(Exception):
    """A backup or restore that would be wrong or unsafe is not started; the message says why and what to do."""


def snapshot_folder(analytics_dir: Path, identity: str) -> Path:
    """A database's snapshot folder: the layout of fupin.analytics.engines.snapshot_root (tested to agree)."""
    return Path(analytics_dir) / "snapshots" / identity


def fingerprint(secret: bytes | str) -> str:
    """A short mark of a key that says whether two keys are the same without revealing either (an HMAC)."""
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    return hmac.new(secret, FINGERPRINT_MESSAGE, hashlib.sha256).hexdigest()[:16]


def canonical(manifest: dict) -> bytes:
    unsigned = {key: value for key, value in manifest.items() if key != "signature"}
    return json.dumps(unsigned, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def versions() -> dict:
    import django

    return {"fupin": metadata.version("fupin"), "django": django.get_version(),
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version}


# What a database holds ------------------------------------------------------------------------------------------
def database_facts(alias: str) -> dict:
    """Row counts of every table, applied migrations, identity and the audit chain's end, read on `alias`."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        tables = sorted(connection.introspection.table_names(cursor))
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    migrations = defaultdict(list)
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        migrations[app].append(name)
    identity = DatabaseIdentity.objects.using(alias).order_by("pk").values_list("uuid", flat=True).first()
    events = AuditEvent.objects.using(alias)
    chain = events.aggregate(events=Count("pk"), last_seq=Max("seq"))
    last_hash = events.filter(seq=chain["last_seq"]).values_list("hash", flat=True).first() if chain["events"] else ""
    key_ids = sorted(set(events.values_list("key_id", flat=True).distinct()) - {LEGACY_KEY_ID})
    restorations = []
    if Restoration._meta.db_table in counts:
        restorations = [{"backup_id": r.backup_id, "source_identity": r.source_identity, "identity": r.identity,
                         "restored_at": r.restored_at.isoformat(timespec="seconds")}
                        for r in Restoration.objects.using(alias)]
    return {
        "identity": str(identity) if identity else None,
        "tables": counts,
        "migrations": dict(migrations),
        "audit": {"events": chain["events"], "last_seq": chain["last_seq"] or 0, "last_hash": last_hash or "",
                  "key_ids": key_ids},
        "restorations": restorations,
    }


def checkpoint_key_ids(folder: Path) -> set[str]:
    ids = set()
    for path in sorted(folder.glob("audit-*.json")):
        try:
            key_id = json.loads(path.read_text(encoding="utf-8")).get("key_id")
        except (OSError, ValueError, AttributeError):
            continue  # `fupin audit verify` reports a checkpoint it cannot read; the backup keeps it as it is
        if isinstance(key_id, str):
            ids.add(key_id)
    return ids


# Backup ---------------------------------------------------------------------------------------------------------
def default_backup_path(parent: Path, now: datetime.datetime | None = None) -> Path:
    stamp = (now or timezone.now()).astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(parent) / f"fupin-{stamp}"


def make_backup(target: Path, *, log: Callable[[str], None] = lambda message: None) -> dict:
    """Back the deployment up into the new folder `target`; returns the manifest. The folder is filled under a
    temporary name and renamed when complete: a backup interrupted half-way is never taken for a whole one."""
    target = Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupRefused(f"{target} already exists: name a new folder for the backup.")
    keys = keyring()
    source = connections[DEFAULT_DB_ALIAS]
    engine = databases.engine_of(source.settings_dict)
    stores = {"media": Path(settings.MEDIA_ROOT), "audit-checkpoints": Path(settings.FUPIN_AUDIT_CHECKPOINT_DIR)}
    for folder in stores.values():
        check_destination(folder, target)
    database_identity()  # made now if a flush removed it, so the copy carries one
    started = time.monotonic()
    partial = target.with_name(f".{target.name}.partial")
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir(parents=True)
    try:
        # 1. The audit checkpoints, after signing the chain's current end.
        try:
            written, _new = write_checkpoint()
        except CheckpointUntrusted as error:
            written = None
            log(f"Warning: {error} — the backup keeps the checkpoints as they are.")
        if written is not None:
            log(f"Audit chain signed at event #{written.seq}.")
        files = copy_store(stores["audit-checkpoints"], partial, "audit-checkpoints")
        # 2. The database.
        database_file = partial / DATABASE_FILES[engine]
        log(f"Copying the database ({databases.describe(source.settings_dict)}) …")
        if engine == "sqlite":
            databases.backup_sqlite(source, database_file)
            with databases.database_alias(SOURCE_ALIAS, {"ENGINE": "django.db.backends.sqlite3",
                                                         "NAME": str(database_file)}):
                facts = database_facts(SOURCE_ALIAS)
            tool = f"SQLite {sqlite3.sqlite_version} online backup"
            server_version = sqlite3.sqlite_version
        else:
            with transaction.atomic(using=DEFAULT_DB_ALIAS):
                snapshot = databases.export_snapshot(source)
                databases.dump_postgres(source.settings_dict, database_file, snapshot=snapshot)
                facts = database_facts(DEFAULT_DB_ALIAS)
                server_version = databases.postgres_server_version(source)
            tool = databases.tool_version("pg_dump")
        files.insert(0, StoredFile(database_file.name, sha256_of(database_file), database_file.stat().st_size))
        # 3. The snapshots of this database and 4. the media.
        stores["snapshots"] = snapshot_folder(settings.ANALYTICS_DIR, facts["identity"])
        check_destination(stores["snapshots"], target)
        log("Copying the statistics snapshots and the media …")
        files += copy_store(stores["snapshots"], partial, "snapshots")
        files += copy_store(stores["media"], partial, "media")
        needed = sorted(set(facts["audit"]["key_ids"]) | checkpoint_key_ids(partial / "audit-checkpoints"))
        manifest = {
            "format": FORMAT,
            "backup_id": uuid.uuid4().hex,
            "created_at": timezone.now().isoformat(timespec="seconds"),
            "versions": {**versions(), "database_server": server_version, "copied_with": tool},
            "database": {"engine": engine, "file": database_file.name,
                         "source": databases.describe(source.settings_dict), "identity": facts["identity"],
                         "tables": facts["tables"], "migrations": facts["migrations"],
                         "restorations": facts["restorations"]},
            "audit": facts["audit"],
            # Ids and fingerprints only: the keys themselves stay with the deployment, never in a backup.
            "keys": {"audit": needed,
                     "audit_fingerprints": {key_id: fingerprint(keys.get(key_id)) for key_id in needed
                                            if keys.get(key_id) is not None},
                     "secret_key_fingerprint": fingerprint(settings.SECRET_KEY)},
            "stores": {name: {"source": str(stores[name]),
                              "files": sum(1 for f in files if f.path.startswith(name + "/")),
                              "bytes": sum(f.bytes for f in files if f.path.startswith(name + "/"))}
                       for name in STORES},
            "files": [f.as_dict() for f in files],
        }
        missing = [key_id for key_id in needed if keys.get(key_id) is None]
        if missing:
            log(f"Warning: the audit key(s) {', '.join(missing)} are not configured here: keep them, a restore "
                f"needs them to verify the trail.")
        manifest["signature"] = {"key_id": keys.current_id,
                                 "hmac": hmac.new(keys.current, canonical(manifest), hashlib.sha256).hexdigest()}
        write_json(partial / MANIFEST, manifest)
        if target.exists():
            _move_into(partial, target)
        else:
            os.replace(partial, target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    manifest["seconds"] = round(time.monotonic() - started, 1)
    return manifest


def _move_into(partial: Path, target: Path) -> None:
    """`target` is an empty folder (made by the operator): the backup's content goes into it."""
    for entry in partial.iterdir():
        os.replace(entry, target / entry.name)
    partial.rmdir()


def write_json(path: Path, content: dict) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "w", encoding="utf-8") as output:
        json.dump(content, output, ensure_ascii=False, indent=1)
        output.write("\n")
        output.flush()
        os.fsync(output.fileno())
    os.replace(temporary, path)


def backups_in(parent: Path) -> list[tuple[str, Path]]:
    """The complete backups in `parent` (folders with a manifest of this format), oldest first."""
    found = []
    if not Path(parent).is_dir():
        return found
    for folder in Path(parent).iterdir():
        manifest = folder / MANIFEST
        if folder.is_dir() and manifest.is_file():
            try:
                content = json.loads(manifest.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(content, dict) and content.get("format") == FORMAT:
                found.append((str(content.get("created_at", "")), folder))
    return sorted(found)


def prune_backups(parent: Path, keep: int) -> list[Path]:
    """Delete the oldest complete backups in `parent` beyond the newest `keep`; returns the deleted folders."""
    backups = backups_in(parent)
    removed = [folder for _created, folder in backups[:max(len(backups) - keep, 0)]]
    for folder in removed:
        shutil.rmtree(folder)
    return removed


# Restore --------------------------------------------------------------------------------------------------------
def read_manifest(backup: Path) -> dict:
    path = Path(backup) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupRefused(f"{backup} is not a fupin backup: it has no {MANIFEST} (an interrupted backup has "
                            f"none).") from None
    except (OSError, ValueError) as error:
        raise BackupRefused(f"{path} cannot be read: {error}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupRefused(f"{path} is not a {FORMAT} manifest.")
    return manifest


def check_keys(manifest: dict, keys: Keyring, *, allow_missing: bool) -> list[str]:
    """Refuse a restore whose audit keys are not configured (or differ from the backup's), and a manifest whose
    signature does not hold. Returns warnings (with allow_missing: what cannot be verified)."""
    problems = []
    fingerprints = manifest["keys"].get("audit_fingerprints", {})
    for key_id in manifest["keys"]["audit"]:
        secret = keys.get(key_id)
        if secret is None:
            problems.append(f"the audit key {key_id!r} is not configured")
        elif key_id in fingerprints and fingerprint(secret) != fingerprints[key_id]:
            problems.append(f"the audit key {key_id!r} configured here is not the one the backup was made with")
    signature = manifest.get("signature") or {}
    signed_with = str(signature.get("key_id", ""))
    secret = keys.get(signed_with)
    if secret is not None and fingerprint(secret) == fingerprints.get(signed_with):
        expected = hmac.new(secret, canonical(manifest), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, str(signature.get("hmac", ""))):
            raise BackupRefused("The backup's manifest does not carry a valid signature: it was changed after the "
                                "backup was made. Restore from another backup.")
    else:
        problems.append(f"the manifest's signature cannot be checked without the audit key {signed_with!r} "
                        f"it was made with")
    if problems and not allow_missing:
        raise BackupRefused("Not restored: " + "; ".join(problems) + ". Configure the keys the backup lists "
                            "(FUPIN_AUDIT_KEY_FILE or FUPIN_AUDIT_KEY) — keep them apart from the backups — or "
                            "pass --allow-missing-keys to restore a trail that cannot be verified.")
    return problems


def check_files(backup: Path, manifest: dict) -> None:
    """Every file the manifest lists is in the backup with its hash (nothing is restored otherwise)."""
    problems = []
    for entry in manifest["files"]:
        path = backup / entry["path"]
        if not path.is_file():
            problems.append(f"{entry['path']} is missing")
        elif path.stat().st_size != entry["bytes"] or sha256_of(path) != entry["sha256"]:
            problems.append(f"{entry['path']} is not the file that was backed up (its SHA-256 differs)")
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise BackupRefused("The backup is damaged: " + "; ".join(problems[:5]) + more + ". Nothing was restored.")


def check_migrations(manifest: dict) -> list[str]:
    """Refuse a backup made by a newer fupin (migrations this code does not have); returns those this code has
    that the backup lacks (`fupin migrate` applies them after the restore)."""
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    applied = {(app, name) for app, names in manifest["database"]["migrations"].items() for name in names}
    unknown = sorted(applied - known)
    if unknown:
        listed = ", ".join(f"{app}.{name}" for app, name in unknown[:5])
        raise BackupRefused(f"The backup was made by a newer version of fupin (migrations {listed} are unknown "
                            f"here, backup made with fupin {manifest['versions'].get('fupin')}): install that "
                            f"version, restore, then upgrade.")
    return sorted(f"{app}.{name}" for app, name in known - applied)


def target_state(alias: str, manifest: dict) -> tuple[str, str | None]:
    """("empty", None): no tables, or a schema nobody has used yet (no audit event, no user but the system
    account); ("restored", identity): this very backup restored here and unchanged since; ("in use", None)."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
    if not tables:
        return "empty", None
    if Restoration._meta.db_table in tables:
        receipt = Restoration.objects.using(alias).filter(backup_id=manifest["backup_id"]).last()
        if receipt is not None:
            facts = database_facts(alias)
            expected = {t: n for t, n in manifest["database"]["tables"].items() if t not in RESTORE_TABLES}
            found = {t: n for t, n in facts["tables"].items() if t not in RESTORE_TABLES}
            if expected == found and facts["identity"] == receipt.identity:
                return "restored", receipt.identity
            return "in use", None
    user_table = get_user_model()._meta.db_table
    used = ((AuditEvent._meta.db_table in tables and AuditEvent.objects.using(alias).exists())
            or (user_table in tables and get_user_model().objects.using(alias)
                .exclude(username=settings.FUPIN_SYSTEM_USERNAME).exists()))
    return ("in use" if used else "empty"), None


def restore_backup(backup: Path, *, database_url: str | None, media_dir: Path, analytics_dir: Path,
                   checkpoint_dir: Path, force: bool = False, allow_missing_keys: bool = False,
                   log: Callable[[str], None] = lambda message: None) -> dict:
    """Restore `backup` into the database `database_url` (default: the configured one) and the three folders.
    Checks everything it can before it writes anything; a second run of the same restore changes nothing."""
    backup = Path(backup)
    started = time.monotonic()
    manifest = read_manifest(backup)
    warnings = check_keys(manifest, keyring(), allow_missing=allow_missing_keys)
    for folder in (media_dir, analytics_dir, checkpoint_dir):
        check_destination(Path(folder), backup)
    log("Checking every file of the backup against its SHA-256 …")
    check_files(backup, manifest)
    pending = check_migrations(manifest)
    target = databases.target_settings(database_url)
    engine = databases.engine_of(target)
    if engine != manifest["database"]["engine"]:
        raise BackupRefused(f"The backup holds a {manifest['database']['engine']} database and the target is "
                            f"{engine}: restore into a database of the same kind.")
    described = databases.describe(target)
    if engine == "sqlite" and databases.in_memory(target):
        raise BackupRefused("The target is an in-memory SQLite database: name a file (--database-url "
                            "sqlite:////path/to/fupin.sqlite3).")
    exists = (databases.sqlite_path(target).is_file() and databases.sqlite_path(target).stat().st_size > 0
              if engine == "sqlite" else databases.postgres_database_exists(target))
    state, identity = "absent", None
    if exists:
        with databases.database_alias(TARGET_ALIAS, target):
            state, identity = target_state(TARGET_ALIAS, manifest)
    if state == "in use" and not force:
        raise BackupRefused(f"The database {described} already holds data: restore into a new database, or pass "
                            f"--force to replace what it holds (stop the web server and the worker first).")
    identity = identity or str(uuid.uuid4())
    entries = [StoredFile(e["path"], e["sha256"], e["bytes"]) for e in manifest["files"]]
    plans = {
        "media": plan_store(entries, "media", Path(media_dir)),
        "snapshots": plan_store(entries, "snapshots", snapshot_folder(analytics_dir, identity)),
        "audit-checkpoints": plan_store(entries, "audit-checkpoints", Path(checkpoint_dir)),
    }
    check_folders(plans, Path(checkpoint_dir), force=force)

    if state == "restored":
        log(f"{described} already holds this backup (identity {identity}); checking the folders.")
    else:
        log(f"Restoring the database into {described} …")
        restore_database(backup, manifest, target, exists=exists, state=state, identity=identity)
    copied = 0
    for plan in plans.values():
        for placement in plan:
            if placement.state == "same":
                continue
            if copy_file(backup / placement.entry.path, placement.target) != placement.entry.sha256:
                raise BackupRefused(f"{placement.entry.path} changed while it was restored; run the restore again.")
            copied += 1
    return {
        "restored": state != "restored",
        "backup": str(backup),
        "backup_id": manifest["backup_id"],
        "backup_created_at": manifest["created_at"],
        "database": described,
        "engine": engine,
        "identity": identity,
        "source_identity": manifest["database"]["identity"],
        "tables": len(manifest["database"]["tables"]),
        "rows": sum(manifest["database"]["tables"].values()),
        "files_copied": copied,
        "files_already_in_place": sum(1 for plan in plans.values() for p in plan if p.state == "same"),
        "folders": {"FUPIN_MEDIA_DIR": str(media_dir), "FUPIN_ANALYTICS_DIR": str(analytics_dir),
                    "FUPIN_AUDIT_CHECKPOINT_DIR": str(checkpoint_dir)},
        "migrations_to_apply": pending,
        "audit_key_ids": manifest["keys"]["audit"],
        "secret_key": ("same" if manifest["keys"].get("secret_key_fingerprint") == fingerprint(settings.SECRET_KEY)
                       else "different: sessions made before the backup end (everyone logs in again)"),
        "warnings": warnings,
        "seconds": round(time.monotonic() - started, 1),
    }


def check_folders(plans: dict, checkpoint_dir: Path, *, force: bool) -> None:
    differing = [p for plan in plans.values() for p in plan if p.state == "differs"]
    checkpoints = {p.target.name for p in plans["audit-checkpoints"]}
    foreign = [path.name for path in checkpoint_dir.glob("audit-*.json") if path.name not in checkpoints]
    # Never overwritten nor mixed: checkpoints are evidence, and another chain's would fail every verification.
    if foreign or any(p in plans["audit-checkpoints"] for p in differing):
        raise BackupRefused(f"The audit checkpoint folder {checkpoint_dir} holds checkpoints that are not this "
                            f"backup's: restore them into an empty folder (--audit-checkpoint-dir).")
    if differing and not force:
        first = differing[0]
        raise BackupRefused(f"{len(differing)} file(s) in the target folders differ from the backup's (the first: "
                            f"{first.target}): restore into new folders, or pass --force to replace them.")


def restore_database(backup: Path, manifest: dict, target: dict, *, exists: bool, state: str,
                     identity: str) -> None:
    """Put the backed-up database in place as a new database with `identity` and a Restoration row."""
    source = backup / manifest["database"]["file"]
    if manifest["database"]["engine"] == "sqlite":
        path = databases.sqlite_path(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Built beside the target under another name and renamed over it: the target is either the old database
        # or the whole restored one.
        staging = path.with_name(f".{path.name}.restoring")
        databases.remove_sqlite_files(staging)
        copy_file(source, staging)
        try:
            with databases.database_alias(TARGET_ALIAS, {**target, "NAME": str(staging)}):
                finish_database(TARGET_ALIAS, manifest, identity)
            connections[DEFAULT_DB_ALIAS].close()  # the target may be the configured database
            for suffix in ("-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            os.replace(staging, path)
        finally:
            databases.remove_sqlite_files(staging)
        return
    if not exists:
        databases.create_postgres_database(target)
    elif state in ("empty", "in use"):  # a schema made by `migrate`, or data the operator chose to replace
        with databases.database_alias(TARGET_ALIAS, target) as connection:
            databases.empty_postgres_schema(connection)
    databases.restore_postgres(target, source)
    with databases.database_alias(TARGET_ALIAS, target):
        finish_database(TARGET_ALIAS, manifest, identity)


def finish_database(alias: str, manifest: dict, identity: str) -> None:
    """Check the restored rows against the manifest, then give the database its own identity and its record of
    this restore, in one transaction."""
    facts = database_facts(alias)
    if facts["tables"] != manifest["database"]["tables"]:
        wrong = sorted(t for t in set(facts["tables"]) | set(manifest["database"]["tables"])
                       if facts["tables"].get(t) != manifest["database"]["tables"].get(t))
        raise BackupRefused(f"The restored database does not hold the rows the backup recorded (tables: "
                            f"{', '.join(wrong[:5])}).")
    with transaction.atomic(using=alias):
        rows = DatabaseIdentity.objects.using(alias)
        if not rows.update(uuid=identity, created_at=timezone.now()):
            DatabaseIdentity.objects.using(alias).create(pk=1, uuid=identity)
        if Restoration._meta.db_table in facts["tables"]:
            Restoration.objects.using(alias).create(
                backup_id=manifest["backup_id"], backup_created_at=manifest["created_at"],
                source_identity=manifest["database"]["identity"] or "", identity=identity)
