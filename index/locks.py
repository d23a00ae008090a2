"""Locks between processes on an index folder, with fcntl.flock.

- One writer at a time: `exclusive(folder / ".lock")`. A second build waits (and is told who
  it waits for); threads of one process exclude each other too, since each opens its own file.
- Readers hold a shared lock on the manifest of the generation they are reading, and the
  writer deletes an old generation only when it can take that lock exclusively, at once.

Why flock and not the filelock package (a dependency of torch, so it is installed): readers
need a shared lock and the writer a non-blocking exclusive probe of it, which filelock's
FileLock does not offer (its ReadWriteLock keeps its state in an SQLite database). And the
kernel drops a flock when its process ends, SIGKILL included: a lock is never stale, so
whatever a dead build left behind is known to be debris by the next build that gets the lock.
POSIX only (Linux, macOS), like the Makefile and CI.
"""

from __future__ import annotations

import fcntl
import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

_local = threading.local()  # the exclusive locks this thread holds: real path -> depth


def _held() -> dict[str, int]:
    if not hasattr(_local, "held"):
        _local.held = {}
    return _local.held


@contextmanager
def exclusive(path: Path, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the exclusive lock of `path` (created if missing) until the block ends.

    Re-entrant in one thread (a build holds it while `write_index` takes it again). When
    another holder has it, `on_wait(holder)` is called once, `holder` being what it wrote in
    the file ("pid 1234"), and this call waits. Ctrl-C interrupts the wait.
    """
    key = os.path.realpath(path)
    held = _held()
    if key in held:
        held[key] += 1
        try:
            yield
        finally:
            held[key] -= 1
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait(os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "another process")
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}\n".encode("ascii"), 0)
        held[key] = 1
        try:
            yield
        finally:
            del held[key]
    finally:
        os.close(fd)  # closing the file releases the lock


def holds(path: Path) -> bool:
    """Whether this thread holds the exclusive lock of `path`."""
    return os.path.realpath(path) in _held()


def open_shared(path: Path):
    """`path` opened for reading under a shared lock (released when the file is closed).

    Raises FileNotFoundError when the file is gone, also when it was moved or deleted while
    this call waited for the lock: the caller then looks for the current file again.
    """
    handle = open(path, "rb")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_SH)
        now, opened = os.stat(path), os.fstat(handle.fileno())
        if (now.st_dev, now.st_ino) != (opened.st_dev, opened.st_ino):
            raise FileNotFoundError(f"{path} was replaced while being opened")
    except BaseException:
        handle.close()
        raise
    return handle


@contextmanager
def unused(path: Path) -> Iterator[bool]:
    """True, with an exclusive lock held in the block, when nobody holds `path` (shared or
    not); False at once when somebody does. A missing file is unused."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        yield True
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)
