"""The device's secrets on disk are its owner's alone: directory 0700, files 0600.

The device database holds staff PIN hashes and every sale; the data directory also holds
the credential fallback file, the service token and backups. Each is created with its
mode set by ``chmod``/``fchmod`` after creation, so the process umask cannot widen (or
narrow) it; SQLite gives a database's ``-wal`` and ``-shm`` the database file's mode.

``pos-agent serve`` refuses to start while any of them is readable or writable by group
or others (:func:`check`): the file may already have been copied, which a silent repair
would hide. ``pos-agent init``, the install and upgrade step, repairs them and says so
(:func:`repair`).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

DIR_MODE, FILE_MODE = 0o700, 0o600
#: Files of the data directory that hold secrets (the database's journals included).
SECRET_FILES = (
    "agent.sqlite3",
    "agent.sqlite3-wal",
    "agent.sqlite3-shm",
    "credential",
    "service.token",
)
BACKUPS = "backups"


class ExposedFile(RuntimeError):
    """A secret file or directory others than its owner may read or write."""


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) if missing; a directory created here is 0700."""
    if not path.is_dir():
        path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        os.chmod(path, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty with mode 0600 if it does not exist (an empty file is a new
    SQLite database), so whatever writes it next writes an owner-only file.

    Raises:
        OSError: it cannot be created.
    """
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return path
    try:
        os.fchmod(descriptor, FILE_MODE)
    finally:
        os.close(descriptor)
    return path


def exposed(data_dir: Path) -> list[tuple[Path, int]]:
    """The data directory's secret paths group or others may use, with their modes."""
    paths = [data_dir, *(data_dir / name for name in SECRET_FILES)]
    backups = data_dir / BACKUPS
    if backups.is_dir():
        paths += [backups, *sorted(backups.iterdir())]
    found = []
    for path in paths:
        try:
            mode = stat.S_IMODE(path.lstat().st_mode)
        except FileNotFoundError:
            continue
        if mode & 0o077 and not path.is_symlink():
            found.append((path, mode))
    return found


def check(data_dir: Path) -> None:
    """Refuse a data directory whose secrets others may read.

    Raises:
        ExposedFile: naming the first such path, its mode and the command that fixes it.
    """
    for path, mode in exposed(data_dir):
        wanted = DIR_MODE if path.is_dir() else FILE_MODE
        raise ExposedFile(
            f"{path} is open to other users (mode {mode:04o}): it holds PIN hashes or "
            f"credentials; run `chmod {wanted:o} {path}` (or `pos-agent init`, which fixes "
            "every file) and consider the data copied"
        )


def repair(data_dir: Path) -> list[Path]:
    """Make the data directory's secrets owner-only again; return what was changed."""
    changed = []
    for path, _ in exposed(data_dir):
        os.chmod(path, DIR_MODE if path.is_dir() else FILE_MODE)
        changed.append(path)
    return changed
