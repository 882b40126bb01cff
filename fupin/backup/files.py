"""File stores in a backup: copied with their SHA-256, and put back only as the same bytes.

Files are copied under a temporary name and renamed, so a restore interrupted half-way leaves no half file under a
real name, and a second run skips every file already in place with the right hash (restores are idempotent).
Symbolic links are not followed: a store holds files the application wrote itself.
"""

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1 << 20


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def store_files(root: Path) -> list[Path]:
    """Every regular file under `root` (relative paths, sorted); none when the folder does not exist."""
    if not root.is_dir():
        return []
    found = []
    for folder, directories, files in os.walk(root):
        directories.sort()
        for name in sorted(files):
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                found.append(path.relative_to(root))
    return found


def copy_file(source: Path, target: Path) -> str:
    """Copy `source` to `target` (written under a temporary name, synced, renamed); returns its SHA-256."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".restoring-", suffix=".tmp")
    try:
        with open(source, "rb") as reader, os.fdopen(handle, "wb") as writer:
            while chunk := reader.read(CHUNK):
                digest.update(chunk)
                writer.write(chunk)
            writer.flush()
            os.fsync(writer.fileno())
        shutil.copystat(source, temporary)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return digest.hexdigest()


@dataclass(frozen=True)
class StoredFile:
    path: str  # relative to the backup's folder, with "/" separators
    sha256: str
    bytes: int

    def as_dict(self) -> dict:
        return {"path": self.path, "sha256": self.sha256, "bytes": self.bytes}


def copy_store(source: Path, backup: Path, folder: str) -> list[StoredFile]:
    """Copy every file of the store `source` into `backup/folder`, recording each one's hash. A file that vanishes
    while the store is copied (an upload deleted after its job) is left out."""
    copied = []
    for relative in store_files(source):
        target = backup / folder / relative
        try:
            digest = copy_file(source / relative, target)
        except FileNotFoundError:
            continue
        copied.append(StoredFile(f"{folder}/{relative.as_posix()}", digest, target.stat().st_size))
    return copied


@dataclass(frozen=True)
class Placement:
    """What putting a backed-up file in place would do: "copy" (absent), "same" (already there, same bytes) or
    "differs" (another file is there)."""

    entry: StoredFile
    target: Path
    state: str


def plan_store(entries: list[StoredFile], folder: str, destination: Path) -> list[Placement]:
    plan = []
    for entry in entries:
        if not entry.path.startswith(folder + "/"):
            continue
        target = destination / entry.path.removeprefix(folder + "/")
        if not target.exists():
            state = "copy"
        elif target.is_file() and sha256_of(target) == entry.sha256:
            state = "same"
        else:
            state = "differs"
        plan.append(Placement(entry, target, state))
    return plan


def check_destination(path: Path, backup: Path) -> None:
    """A store must not be restored into the backup itself (nor the backup into a store)."""
    resolved, inside = path.resolve(), backup.resolve()
    if resolved == inside or inside in resolved.parents or resolved in inside.parents:
        raise ValueError(f"{path} overlaps the backup {backup}: restore the files into a folder of their own.")
