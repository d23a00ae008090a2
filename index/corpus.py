"""The corpus folder as the build, the corpus check and uploads see it: one walk.

The walk survives what a real folder holds: a symbolic link that points to itself or to
nothing, a folder or file this user may not read, a FIFO that would block a read forever,
names with newlines or bytes that are not UTF-8. Each such entry is one `Rejected` line
(file and reason) and the rest of the corpus is used. Hidden names (".git", ".draft.md") are
skipped. Links to files are followed (a paper linked in from elsewhere is indexed under the
link's name); links to folders are reported and not followed, so the walk cannot loop.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from typing_extensions import TypedDict

from index.hygiene import display_name
from ingest import SUPPORTED_SUFFIXES
from ingest.errors import NothingIndexedError
from ingest.loader import META_SUFFIX
from ingest.records import json_shape


@json_shape
class RejectedJSON(TypedDict):
    """A file of the corpus that is not in the index, and why."""

    file: str
    reason: str


@dataclass(frozen=True)
class Rejected:
    file: str
    reason: str

    def __str__(self) -> str:
        return f"{display_name(self.file)}: {self.reason}"

    def to_json(self) -> RejectedJSON:
        return {"file": self.file, "reason": self.reason}


@dataclass(frozen=True)
class CorpusEntry:
    """A regular file of the corpus (or a link to one), as found by the walk."""

    path: Path
    name: str  # relative to the corpus folder, with "/": how the document is known and cited
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class SourceFile:
    path: Path
    name: str
    sha256: str  # of the file and of its citation sidecar, if any


def walk_corpus(corpus_dir: Path) -> tuple[list[CorpusEntry], list[Rejected]]:
    """Every regular file under `corpus_dir` (hidden names skipped) and the entries that
    cannot be used, each with its reason; both sorted by name."""
    entries: list[CorpusEntry] = []
    rejected: list[Rejected] = []
    _walk(Path(corpus_dir), "", entries, rejected)
    return sorted(entries, key=lambda e: e.name), sorted(rejected, key=lambda r: r.file)


def _walk(folder: Path, prefix: str, entries: list[CorpusEntry], rejected: list[Rejected]) -> None:
    try:
        children = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as error:
        rejected.append(Rejected(prefix.rstrip("/") or str(folder), f"folder cannot be read ({error.strerror})"))
        return
    for child in children:
        if child.name.startswith("."):
            continue
        name = prefix + child.name
        if not _is_utf8(name):  # recorded escaped: the manifest and the terminal are UTF-8
            rejected.append(Rejected(display_name(name), "the file name is not valid UTF-8; rename the file"))
            continue
        try:
            info = os.stat(child.path)  # follows links: the file a link stands for
        except OSError as error:
            rejected.append(Rejected(name, _stat_problem(child, error)))
            continue
        if stat.S_ISDIR(info.st_mode):
            if child.is_symlink():
                rejected.append(Rejected(name, "a link to a folder; not followed (link the files instead)"))
            else:
                _walk(Path(child.path), name + "/", entries, rejected)
        elif stat.S_ISREG(info.st_mode):
            entries.append(CorpusEntry(Path(child.path), name, info.st_size, info.st_mtime_ns))
        else:  # a FIFO, socket or device: reading one could block the build forever
            rejected.append(Rejected(name, "not a regular file"))


def _stat_problem(entry: os.DirEntry, error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return "a symbolic link that loops (it points back to itself)"
    if error.errno == errno.ENOENT and entry.is_symlink():
        return "a broken symbolic link (what it points to is missing)"
    return f"cannot be read ({error.strerror})"


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # os.fsdecode turned undecodable bytes into lone surrogates
        return False
    return True


def scan_corpus(corpus_dir: Path) -> tuple[list[SourceFile], list[Rejected]]:
    """Files to index with their hashes, and files that cannot be (wrong type, unreadable,
    broken links...), in a stable order."""
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise NothingIndexedError(f"{corpus_dir}: corpus folder not found")
    entries, rejected = walk_corpus(corpus_dir)
    files = []
    for entry in entries:
        if entry.name.endswith(META_SUFFIX):
            continue  # citation facts of a document, read with it
        suffix = entry.path.suffix
        if suffix.lower() not in SUPPORTED_SUFFIXES:
            rejected.append(Rejected(entry.name, f"unsupported file type {suffix or '(none)'}; use .pdf, .md or .txt"))
            continue
        try:
            files.append(SourceFile(entry.path, entry.name, file_sha256(entry.path)))
        except OSError as error:
            culprit = Path(error.filename or "").name
            which = f"its citation file {culprit} " if culprit.endswith(META_SUFFIX) else ""
            rejected.append(Rejected(entry.name, f"{which}cannot be read ({error.strerror})"))
    return files, sorted(rejected, key=lambda r: r.file)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256(path.read_bytes())
    sidecar = path.with_name(path.name + META_SUFFIX)
    if sidecar.is_file():
        digest.update(b"\0meta\0" + sidecar.read_bytes())
    return digest.hexdigest()


def corpus_signature(corpus_dir: Path) -> tuple:
    """Names, sizes and modification times of the corpus entries, and the rejected ones: when
    this is unchanged the corpus is, so the files need not be hashed again."""
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        return ()
    entries, rejected = walk_corpus(corpus_dir)
    return tuple((e.name, e.size, e.mtime_ns) for e in entries) + tuple((r.file, r.reason) for r in rejected)


def corpus_record(corpus_dir: Path, index_dir: Path) -> dict:
    """How a manifest records the corpus an index was built from: its absolute path, and the
    path from the index folder, which still holds when a project is copied or moved whole."""
    corpus, index = Path(corpus_dir).resolve(), Path(index_dir).resolve()
    return {"path": str(corpus), "from_index": os.path.relpath(corpus, index)}


def recorded_corpus(record: dict, index_dir: Path) -> Path:
    """The corpus folder a manifest's `corpus` record names, seen from `index_dir`."""
    beside = (Path(index_dir) / record["from_index"]).resolve()
    return beside if beside.is_dir() else Path(record["path"])
