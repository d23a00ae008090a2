"""Write a file so that a reader sees either the old file or the new one whole, never half.

The bytes go to a temporary file beside the target (same folder, so same file system) named
`.<name>.tmp-<pid>-<thread>-<random>`, and os.replace moves it over the target in one step.
Two writers of one file (processes, threads of one, containers with equal pids) never share a
temporary. The file gets the mode of a new file (umask), not the old file's; a symbolic link
at the target is replaced by a file. A writer killed between the two steps leaves its
temporary behind: whatever cleans a folder recognises it by TEMPORARY_MARK. `durable` also flushes the bytes
and the folder entry to disk, for a file whose loss after a crash would lose data (the
index's CURRENT pointer); caches and reports do without.
"""

from __future__ import annotations

import os
import secrets
import threading
from pathlib import Path

TEMPORARY_MARK = ".tmp-"  # in every temporary's name: what a clean-up recognises as debris


def temporary_for(path: Path) -> Path:
    return path.with_name(f".{path.name}{TEMPORARY_MARK}{os.getpid()}-{threading.get_ident()}-{secrets.token_hex(4)}")


def write_atomically(path: Path, data: bytes | str, durable: bool = False) -> Path:
    """`data` (text is written as UTF-8) as the whole of `path`. On failure the target is
    untouched and the temporary removed; the error propagates."""
    temporary = temporary_for(path)
    try:
        with temporary.open("wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    if durable:
        fsync_dir(path.parent)
    return path


def fsync_dir(folder: Path) -> None:
    """Make a folder's entries (a file just moved into it) survive a crash."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
