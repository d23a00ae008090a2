"""The generations of an index folder: the CURRENT pointer, one writer, pinned readers,
debris, and every file checked against its generation's manifest. What the files hold is
index.store's business; this module only knows files.

    <index>/CURRENT         {"generation", "manifest_sha256", "previous"}: the one generation
                            readers open; replaced in one step (os.replace) by each build
    <index>/.lock           held by the build writing this index (see index.locks)
    <index>/gen-<id>/       one complete build, never changed once published; its
                            manifest.json lists every other file with bytes and sha256, and
                            rows (JSONL) or shape and dtype (.npy)
    <index>/.staging-<id>/  a generation being written; removed by the next build if its
                            writer died

Readers resolve CURRENT once and hold a shared lock on that generation's manifest while they
read, so a build publishing meanwhile cannot mix its files into theirs. A build keeps the
generation it replaced (a reader may have just resolved it) and deletes older ones that no
reader holds. Files are checked on every open (sizes, shapes; sha256 of each file up to
HASH_ON_OPEN_MAX_BYTES) and all hashed when a full check is asked (a build deciding whether
the index is up to date). Whatever files the writer puts in a generation are covered: there
is no list of them to maintain.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from index import locks
from ingest.atomic import TEMPORARY_MARK, fsync_dir, write_atomically
from ingest.errors import IndexDamagedError, IndexMismatchError, IndexNotFoundError

FORMAT_NAME = "policy-qa-index"
FORMAT_VERSION = 2  # 2: generations behind CURRENT, every file in the manifest (1: one folder)
MANIFEST = "manifest.json"
POINTER = "CURRENT"
LOCK = ".lock"
GENERATION = "gen-"
STAGING = ".staging-"
TRASH = ".trash-"
REBUILD = "rebuild it with: python -m index build"
# Hashing runs at about 1 GB/s here: the paper's whole index (1 MB) costs 1 ms, so every
# file of an ordinary index is hashed on every open. The vectors of a million chunks (1.5 GB)
# would add seconds to each question process: above this size a file gets the cheap checks
# (bytes, shape) on open and its sha256 in builds and `python -m index verify`.
HASH_ON_OPEN_MAX_BYTES = 64 * 2**20
# A reader that loses a race with a build's clean-up (the generation it resolved was just
# deleted) resolves CURRENT again; more misses than this in a row mean a damaged pointer.
OPEN_ATTEMPTS = 5
# Files of the format-1 layout, removed once a build has published a generation beside them.
LEGACY_FILES = ("manifest.json", "documents.jsonl", "chunks.jsonl", "chunk_vectors.npy", "dense.faiss",
                "sentence_dense.faiss", "keyword", "sentences.jsonl", "sentence_vectors.npy", "terms.json")
_GENERATION_NAME = re.compile(r"^gen-[0-9A-Za-z_.-]+$")
# What readers rely on in a manifest; a manifest without it is damaged, not a KeyError later.
_MANIFEST_SHAPE = {
    "format": str, "format_version": int, "generation": str, "built_at": str,
    "corpus": {"path": str, "from_index": str},
    "model": {"name": str, "dimensions": int},
    "chunking": dict, "files": dict, "sources": dict, "rejected": list,
    "dense": {"type": str, "hnsw_threshold": int, "hnsw_m": int, "ef_construction": int, "ef_search": int},
    "counts": {"chunks": int, "sentences": int},
    "index_files": dict,
}


@dataclass(frozen=True)
class Pointer:
    """What CURRENT says."""

    generation: str
    manifest_sha256: str
    previous: str | None = None


class Damage(Exception):
    """A part of a generation that does not match its manifest; `detail` says which."""


def damaged(folder: Path, detail: str) -> IndexDamagedError:
    return IndexDamagedError(f"{folder}: the index is damaged ({detail}); {REBUILD}")


# --- writing -------------------------------------------------------------------------------

@contextmanager
def writing(folder: Path, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Be the one writer of `folder` until the block ends. Debris of builds that died
    (staging folders, generations nobody points to) is removed as soon as the lock is ours:
    while we hold it, nobody else can be writing them."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    first = not locks.holds(folder / LOCK)

    def waiting(holder: str) -> None:
        if on_wait is not None:
            on_wait(f"{folder}: another build ({holder}) is writing this index; waiting for it to finish")

    with locks.exclusive(folder / LOCK, waiting):
        if first:
            _remove_debris(folder)
        yield


@contextmanager
def staged(folder: Path) -> Iterator[tuple[Path, str]]:
    """A staging folder for a new generation of `folder` and its name. The caller writes the
    generation's files there, its manifest last; when the block ends the generation is
    synced, renamed into place and published, and older ones are cleaned up. If the block
    fails (or is interrupted) the staging folder is removed and nothing changes."""
    folder = Path(folder)
    with writing(folder):
        name = GENERATION + datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f") + f"-{secrets.token_hex(3)}"
        staging = folder / (STAGING + name)
        staging.mkdir()
        try:
            yield staging, name
            _fsync_tree(staging)
            os.rename(staging, folder / name)
            fsync_dir(folder)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        try:
            previous = pointer_or_none(folder)
        except IndexMismatchError:  # CURRENT itself was damaged: nothing worth keeping behind it
            previous = None
        _publish(folder, Pointer(name, sha256_file(folder / name / MANIFEST),
                                 previous.generation if previous else None))
        _remove_legacy(folder)
        _remove_debris(folder)


def describe_files(folder: Path) -> dict[str, dict]:
    """Every file under `folder` (the manifest aside): bytes and sha256, and the rows of a
    JSONL file or the shape and dtype of a .npy array, for the cheap checks on open."""
    described = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p != folder / MANIFEST):
        record: dict = {"bytes": path.stat().st_size, "sha256": sha256_file(path)}
        if path.suffix == ".jsonl":
            record["rows"] = len(read_jsonl(path))
        elif path.suffix == ".npy":
            shape, dtype = npy_header(path)
            record["shape"], record["dtype"] = list(shape), dtype
        described[path.relative_to(folder).as_posix()] = record
    return described


def _publish(folder: Path, pointer: Pointer) -> None:
    # The one step that publishes a generation: durable, since losing it loses the build.
    write_atomically(folder / POINTER, json.dumps({"generation": pointer.generation, "manifest_sha256":
                                                   pointer.manifest_sha256, "previous": pointer.previous}),
                     durable=True)


def _remove_debris(folder: Path) -> None:
    """What dead builds left (staging and trash folders, pointer drafts, generations nobody
    points to) and generations older than the previous one, unless a reader holds them.
    Only called by the writer. With CURRENT unreadable no generation is touched: a build may
    still take vectors from one of them."""
    pointer = None
    try:
        pointer = pointer_or_none(folder)
    except IndexMismatchError:
        pass
    for entry in sorted(folder.iterdir()):
        name = entry.name
        # Pointer drafts: ".CURRENT.tmp-<pid>-...", and "CURRENT.tmp-<pid>" as builds before named them.
        if name.startswith((STAGING, TRASH, f".{POINTER}{TEMPORARY_MARK}", f"{POINTER}.tmp-")):
            _remove(entry)
        elif pointer is not None and name.startswith(GENERATION) and name not in (pointer.generation, pointer.previous):
            with locks.unused(entry / MANIFEST) as free:
                if free:  # nobody is reading it, and nobody can start: move it out of reach first
                    trash = entry.with_name(TRASH + name)
                    os.rename(entry, trash)
            if free:
                _remove(trash)
    # Format 1 built beside the index folder: ".index.building-XXXX", ".index.old-PID".
    for leftover in folder.parent.glob(f".{folder.name}.building-*"):
        _remove(leftover)
    for leftover in folder.parent.glob(f".{folder.name}.old-*"):
        _remove(leftover)


def _remove_legacy(folder: Path) -> None:
    """The files of a format-1 index in this folder, now that a generation replaces them
    (manifest first: a half-removed old index is then no index, not a damaged one)."""
    for name in LEGACY_FILES:
        _remove(folder / name)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink()
        except FileNotFoundError:
            pass


# --- reading -------------------------------------------------------------------------------

@contextmanager
def opened(folder: Path, generation: str | None = None) -> Iterator[tuple[Path, dict]]:
    """The current generation's folder (or the named one's) and its checked manifest, with a
    shared lock on it held until the block ends, so that no build deletes it meanwhile."""
    handle, path, manifest = _open_generation(Path(folder), generation)
    try:
        yield path, manifest
    finally:
        handle.close()


def generations(folder: Path) -> list[str]:
    """Generation folders present, newest first (names sort by build time)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted((p.name for p in folder.iterdir() if _GENERATION_NAME.match(p.name) and p.is_dir()), reverse=True)


def verify_files(path: Path, manifest: dict, full: bool = False) -> None:
    """Every file the manifest lists is there with its size, shape (.npy) and sha256 (all
    files when `full`, small ones otherwise). Raises Damage."""
    for name, record in manifest["index_files"].items():
        if not isinstance(record, dict) or Path(name).is_absolute() or ".." in Path(name).parts:
            raise Damage(f"the manifest's entry for {name!r} is not valid")
        file = path / name
        try:
            size = file.stat().st_size
        except FileNotFoundError:
            raise Damage(f"{name} is missing") from None
        if size != record.get("bytes"):
            raise Damage(f"{name} has {size} bytes, the manifest says {record.get('bytes')}")
        if "shape" in record:
            shape, dtype = npy_header(file)
            if list(shape) != record["shape"] or dtype != record.get("dtype"):
                raise Damage(f"{name} holds a {dtype} array of shape {list(shape)}, the manifest says "
                              f"{record.get('dtype')} {record['shape']}")
        if (full or size <= HASH_ON_OPEN_MAX_BYTES) and sha256_file(file) != record.get("sha256"):
            raise Damage(f"{name} does not match its sha256 in the manifest")


def _open_generation(folder: Path, generation: str | None):
    for _ in range(OPEN_ATTEMPTS):
        pointer = _pointer(folder) if generation is None else None
        name = generation or pointer.generation
        path = folder / name
        try:
            handle = locks.open_shared(path / MANIFEST)
        except FileNotFoundError:
            if generation is not None or (path.is_dir() and _pointer(folder) == pointer):
                raise damaged(folder, f"{name}/{MANIFEST} is missing") from None
            continue  # a build removed it after we read CURRENT: read CURRENT again
        try:
            manifest = _check_manifest(folder, name, handle.read(), pointer)
        except BaseException:
            handle.close()
            raise
        return handle, path, manifest
    raise damaged(folder, f"{POINTER} names {name}, which is missing")


def _pointer(folder: Path) -> Pointer:
    """CURRENT, or why there is no index to read."""
    pointer = pointer_or_none(folder)
    if pointer is not None:
        return pointer
    if (folder / MANIFEST).is_file():  # the format-1 layout, or a folder of some other tool
        _check_format(folder, _parse_json(folder / MANIFEST, (folder / MANIFEST).read_bytes()))
        raise damaged(folder, f"{MANIFEST} outside a generation and no {POINTER}")
    if generations(folder):
        raise damaged(folder, f"{POINTER} is missing")
    raise IndexNotFoundError(f"{folder}: no index here (build one with: python -m index build)")


def pointer_or_none(folder: Path) -> Pointer | None:
    try:
        raw = (folder / POINTER).read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as error:
        raise damaged(folder, f"{POINTER} cannot be read ({error.strerror})") from None
    try:
        value = json.loads(raw)
        pointer = Pointer(value["generation"], value["manifest_sha256"], value.get("previous"))
    except (ValueError, TypeError, KeyError):
        raise damaged(folder, f"{POINTER} is not a valid pointer") from None
    if not (isinstance(pointer.generation, str) and _GENERATION_NAME.match(pointer.generation)
            and isinstance(pointer.manifest_sha256, str)
            and (pointer.previous is None or isinstance(pointer.previous, str))):
        raise damaged(folder, f"{POINTER} is not a valid pointer")
    return pointer


def _check_manifest(folder: Path, name: str, raw: bytes, pointer: Pointer | None) -> dict:
    manifest = _parse_json(folder / name / MANIFEST, raw, folder)
    _check_format(folder, manifest)
    if pointer is not None and hashlib.sha256(raw).hexdigest() != pointer.manifest_sha256:
        raise damaged(folder, f"{name}/{MANIFEST} does not match its sha256 in {POINTER}")
    problem = _shape_problem(manifest, _MANIFEST_SHAPE, "")
    if problem:
        raise damaged(folder, f"{name}/{MANIFEST}: {problem}")
    if manifest["generation"] != name:
        raise damaged(folder, f"{name}/{MANIFEST} belongs to {manifest['generation']}")
    return manifest


def _parse_json(path: Path, raw: bytes, folder: Path | None = None):
    try:
        return json.loads(raw)
    except ValueError as error:
        if folder is None:  # the format-1 manifest: not ours to call damaged
            raise IndexMismatchError(f"{path}: not a readable manifest ({error}); rebuild the index") from None
        raise damaged(folder, f"{path.relative_to(folder)} is not JSON ({error})") from None


def _check_format(folder: Path, manifest) -> None:
    if not isinstance(manifest, dict):
        raise damaged(folder, f"{MANIFEST} is not a JSON object")
    if manifest.get("format") != FORMAT_NAME or manifest.get("format_version") != FORMAT_VERSION:
        raise IndexMismatchError(
            f"{folder}: index format {manifest.get('format')!r} version {manifest.get('format_version')}, "
            f"this version of policy-qa reads {FORMAT_NAME!r} version {FORMAT_VERSION}; {REBUILD}")


def _shape_problem(value, shape, where: str) -> str | None:
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            return f"{where or 'the manifest'} is not an object"
        for key, inner in shape.items():
            if key not in value:
                return f"{where + '.' if where else ''}{key} is missing"
            problem = _shape_problem(value[key], inner, f"{where + '.' if where else ''}{key}")
            if problem:
                return problem
        return None
    return None if isinstance(value, shape) else f"{where} is not a {shape.__name__}"


def npy_header(path: Path) -> tuple[tuple[int, ...], str]:
    with path.open("rb") as handle:
        try:
            version = np.lib.format.read_magic(handle)
            read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            shape, _, dtype = read(handle)
        except ValueError as error:
            raise Damage(f"{path.name} is not a numpy array ({error})") from None
    return tuple(shape), str(dtype)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
    for path in [folder, *(p for p in folder.rglob("*") if p.is_dir())]:
        fsync_dir(path)


