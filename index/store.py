"""The index on disk: immutable generations behind one pointer, every file in the manifest.

    <index>/CURRENT         {"generation", "manifest_sha256", "previous"}: the one generation
                            readers open; replaced in one step (os.replace) by each build
    <index>/.lock           held by the build writing this index (see index.locks)
    <index>/gen-<id>/       one complete build, never changed once published:
        manifest.json         format version, model and dimensions, chunking settings, the
                              corpus folder and its files' sha256, rejected files, counts,
                              build time, and `index_files`: every other file of the
                              generation with its bytes, sha256 and rows (JSONL) or shape (.npy)
        documents.jsonl       each document's text, pages and citation facts
        chunks.jsonl          one Chunk per line, in row order of the vectors
        chunk_vectors.npy     float32 (chunks x dimensions), L2-normalised
        dense.faiss           the HNSW graph, only above the exact-search threshold
        sentence_dense.faiss  the same for the sentence vectors, when there are that many
        keyword/              the BM25 index (bm25s' own arrays and JSON, no pickle)
        sentences.jsonl       one Sentence per line, in row order of sentence_vectors.npy
        sentence_vectors.npy  float32, L2-normalised
        terms.json            acronyms the corpus defines and its word counts
    <index>/.staging-<id>/  a generation being written; the next build removes it if its
                            writer died

Readers resolve CURRENT once, hold a shared lock on that generation's manifest while they
read, and read nothing else: a build publishing meanwhile cannot mix its files into theirs.
A build keeps the generation it replaced (a reader may have just resolved it) and deletes
older ones that no reader holds. Files are checked against the manifest on every open (sizes,
rows and shapes; sha256 of every file up to HASH_ON_OPEN_MAX_BYTES), and all of them by
sha256 when `full_check` is asked (a build deciding whether the index is up to date).
The manifest is whatever the writer wrote: files added to a generation are covered without a
list to maintain. No pickle anywhere: numpy arrays are saved with allow_pickle=False.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from index import locks
from ingest.errors import IndexDamagedError, IndexMismatchError, IndexNotFoundError
from ingest.records import Chunk, DocumentMeta, Page, Sentence

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
# (bytes, rows, shape) on open and its sha256 in builds and `python -m index verify`.
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
class StoredDocument:
    name: str
    text: str
    pages: tuple[Page, ...]
    meta: DocumentMeta

    def to_json(self) -> dict:
        return {
            "name": self.name, "text": self.text,
            "pages": [[p.number, p.label, p.start, p.end] for p in self.pages],
            "meta": {"title": self.meta.title, "authors": list(self.meta.authors),
                     "short_authors": self.meta.short_authors, "year": self.meta.year},
        }

    @classmethod
    def from_json(cls, record: dict) -> "StoredDocument":
        meta = record["meta"]
        return cls(
            name=record["name"], text=record["text"],
            pages=tuple(Page(n, label, s, e) for n, label, s, e in record["pages"]),
            meta=DocumentMeta(meta["title"], tuple(meta["authors"]), meta["short_authors"], meta["year"]),
        )

    def page_at(self, offset: int) -> Page | None:
        for page in self.pages:
            if page.start <= offset < page.end:
                return page
        return self.pages[-1] if self.pages and offset >= self.pages[-1].start else None


@dataclass
class IndexData:
    manifest: dict
    documents: dict[str, StoredDocument]
    chunks: list[Chunk]
    chunk_vectors: np.ndarray
    sentences: list[Sentence]
    sentence_vectors: np.ndarray
    acronyms: dict[str, str] = field(default_factory=dict)
    word_counts: dict[str, int] = field(default_factory=dict)
    dense: object | None = None  # a FAISS index; built from the vectors when not stored
    keyword: object | None = None  # a KeywordIndex
    sentence_dense: object | None = None  # a FAISS index over the sentence vectors


@dataclass(frozen=True)
class Pointer:
    """What CURRENT says."""

    generation: str
    manifest_sha256: str
    previous: str | None = None


class _Damage(Exception):
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


def write_index(folder: Path, data: IndexData) -> str:
    """Write `data` as a new generation of `folder` and publish it; returns its name.

    Readers go on reading the generation they opened; the new one becomes current in one
    step, only once every file is on disk. `data.manifest` gets the generation's name and
    the description of its files.
    """
    from index.dense import save_dense

    folder = Path(folder)
    with writing(folder):
        name = GENERATION + datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f") + f"-{secrets.token_hex(3)}"
        staging = folder / (STAGING + name)
        staging.mkdir()
        try:
            _write_jsonl(staging / "documents.jsonl", (d.to_json() for d in data.documents.values()))
            _write_jsonl(staging / "chunks.jsonl", (c.to_json() for c in data.chunks))
            _write_jsonl(staging / "sentences.jsonl", (s.to_json() for s in data.sentences))
            np.save(staging / "chunk_vectors.npy", data.chunk_vectors, allow_pickle=False)
            np.save(staging / "sentence_vectors.npy", data.sentence_vectors, allow_pickle=False)
            if data.manifest["dense"]["type"] == "hnsw":
                save_dense(data.dense, staging / "dense.faiss")
            if _is_hnsw(len(data.sentence_vectors), data.manifest):
                save_dense(data.sentence_dense, staging / "sentence_dense.faiss")
            data.keyword.save(staging / "keyword")
            _write_json(staging / "terms.json", {"acronyms": data.acronyms, "word_counts": data.word_counts})
            manifest = {**data.manifest, "format": FORMAT_NAME, "format_version": FORMAT_VERSION,
                        "generation": name, "index_files": describe_files(staging)}
            _write_json(staging / MANIFEST, manifest)
            _fsync_tree(staging)
            os.rename(staging, folder / name)
            _fsync_dir(folder)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        try:
            previous = _pointer_or_none(folder)
        except IndexMismatchError:  # CURRENT itself was damaged: nothing worth keeping behind it
            previous = None
        _publish(folder, Pointer(name, _sha256_file(folder / name / MANIFEST),
                                 previous.generation if previous else None))
        data.manifest = manifest
        _remove_legacy(folder)
        _remove_debris(folder)
    return name


def describe_files(folder: Path) -> dict[str, dict]:
    """Every file under `folder` (the manifest aside): bytes and sha256, and the rows of a
    JSONL file or the shape and dtype of a .npy array, for the cheap checks on open."""
    described = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p != folder / MANIFEST):
        record: dict = {"bytes": path.stat().st_size, "sha256": _sha256_file(path)}
        if path.suffix == ".jsonl":
            record["rows"] = len(_read_jsonl(path))
        elif path.suffix == ".npy":
            shape, dtype = _npy_header(path)
            record["shape"], record["dtype"] = list(shape), dtype
        described[path.relative_to(folder).as_posix()] = record
    return described


def _publish(folder: Path, pointer: Pointer) -> None:
    temporary = folder / f"{POINTER}.tmp-{os.getpid()}"
    with temporary.open("w", encoding="utf-8") as handle:
        json.dump({"generation": pointer.generation, "manifest_sha256": pointer.manifest_sha256,
                   "previous": pointer.previous}, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, folder / POINTER)  # the one step that publishes a generation
    _fsync_dir(folder)


def _remove_debris(folder: Path) -> None:
    """What dead builds left (staging and trash folders, pointer drafts, generations nobody
    points to) and generations older than the previous one, unless a reader holds them.
    Only called by the writer. With CURRENT unreadable no generation is touched: a build may
    still take vectors from one of them."""
    pointer = None
    try:
        pointer = _pointer_or_none(folder)
    except IndexMismatchError:
        pass
    for entry in sorted(folder.iterdir()):
        name = entry.name
        if name.startswith((STAGING, TRASH, f"{POINTER}.tmp-")):
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

def read_manifest(folder: Path) -> dict:
    """The manifest of the current generation, checked (format, sha256 against CURRENT, the
    fields readers rely on); the other files are not read."""
    with _opened(Path(folder)) as (_, manifest):
        return manifest


def read_index(folder: Path, ef_search: int | None = None, load_models: bool = True,
               full_check: bool = False, generation: str | None = None) -> IndexData:
    """Read the current generation (or the named one); with `load_models` False the FAISS and
    BM25 parts are skipped (for a rebuild that only reuses records and vectors); with
    `full_check` every file is hashed, whatever its size. Raises IndexDamagedError when a file
    does not match the manifest."""
    folder = Path(folder)
    with _opened(folder, generation) as (path, manifest):
        try:
            verify_files(path, manifest, full_check)
            return _load(path, manifest, ef_search, load_models)
        except _Damage as damage:
            raise damaged(folder, f"{path.name}: {damage}") from None
        except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError, RuntimeError) as error:
            # JSON of the wrong shape, an array cut short, a FAISS file of garbage: one line.
            raise damaged(folder, f"{path.name}: {type(error).__name__}: {error}") from None


def verify_index(folder: Path) -> dict:
    """Hash every file of the current generation against its manifest; returns the manifest."""
    folder = Path(folder)
    with _opened(folder) as (path, manifest):
        try:
            verify_files(path, manifest, full=True)
        except _Damage as damage:
            raise damaged(folder, f"{path.name}: {damage}") from None
        except OSError as error:
            raise damaged(folder, f"{path.name}: {type(error).__name__}: {error}") from None
        return manifest


def generations(folder: Path) -> list[str]:
    """Generation folders present, newest first (names sort by build time)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted((p.name for p in folder.iterdir() if _GENERATION_NAME.match(p.name) and p.is_dir()), reverse=True)


def verify_files(path: Path, manifest: dict, full: bool = False) -> None:
    """Every file the manifest lists is there with its size, shape (.npy) and sha256 (all
    files when `full`, small ones otherwise). Raises _Damage."""
    for name, record in manifest["index_files"].items():
        if not isinstance(record, dict) or Path(name).is_absolute() or ".." in Path(name).parts:
            raise _Damage(f"the manifest's entry for {name!r} is not valid")
        file = path / name
        try:
            size = file.stat().st_size
        except FileNotFoundError:
            raise _Damage(f"{name} is missing") from None
        if size != record.get("bytes"):
            raise _Damage(f"{name} has {size} bytes, the manifest says {record.get('bytes')}")
        if "shape" in record:
            shape, dtype = _npy_header(file)
            if list(shape) != record["shape"] or dtype != record.get("dtype"):
                raise _Damage(f"{name} holds a {dtype} array of shape {list(shape)}, the manifest says "
                              f"{record.get('dtype')} {record['shape']}")
        if (full or size <= HASH_ON_OPEN_MAX_BYTES) and _sha256_file(file) != record.get("sha256"):
            raise _Damage(f"{name} does not match its sha256 in the manifest")


@contextmanager
def _opened(folder: Path, generation: str | None = None) -> Iterator[tuple[Path, dict]]:
    """The current generation's folder and checked manifest, with a shared lock on it held
    until the block ends (so no build deletes it meanwhile)."""
    handle, path, manifest = _open_generation(folder, generation)
    try:
        yield path, manifest
    finally:
        handle.close()


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
    pointer = _pointer_or_none(folder)
    if pointer is not None:
        return pointer
    if (folder / MANIFEST).is_file():  # the format-1 layout, or a folder of some other tool
        _check_format(folder, _parse_json(folder / MANIFEST, (folder / MANIFEST).read_bytes()))
        raise damaged(folder, f"{MANIFEST} outside a generation and no {POINTER}")
    if generations(folder):
        raise damaged(folder, f"{POINTER} is missing")
    raise IndexNotFoundError(f"{folder}: no index here (build one with: python -m index build)")


def _pointer_or_none(folder: Path) -> Pointer | None:
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


def _load(path: Path, manifest: dict, ef_search: int | None, load_models: bool) -> IndexData:
    from index.dense import build_dense_from_manifest, load_dense
    from index.keyword import KeywordIndex

    terms = json.loads((path / "terms.json").read_text(encoding="utf-8"))
    data = IndexData(
        manifest=manifest,
        documents={d.name: d for d in map(StoredDocument.from_json, _read_rows(path, "documents.jsonl", manifest))},
        chunks=[Chunk.from_json(r) for r in _read_rows(path, "chunks.jsonl", manifest)],
        chunk_vectors=np.load(path / "chunk_vectors.npy", allow_pickle=False),
        sentences=[Sentence.from_json(r) for r in _read_rows(path, "sentences.jsonl", manifest)],
        sentence_vectors=np.load(path / "sentence_vectors.npy", allow_pickle=False),
        acronyms=terms["acronyms"], word_counts=terms["word_counts"],
    )
    counts, dimensions = manifest["counts"], manifest["model"]["dimensions"]
    for what, rows, vectors, expected in (("chunks", data.chunks, data.chunk_vectors, counts["chunks"]),
                                          ("sentences", data.sentences, data.sentence_vectors, counts["sentences"])):
        if not len(rows) == len(vectors) == expected or vectors.ndim != 2 or vectors.shape[1] != dimensions:
            raise _Damage(f"{len(rows)} {what} and {vectors.shape} vectors, the manifest says "
                          f"{expected} of {dimensions} dimensions")
    if load_models:
        if manifest["dense"]["type"] == "hnsw":
            data.dense = load_dense(path / "dense.faiss", ef_search)
        else:
            data.dense = build_dense_from_manifest(data.chunk_vectors, manifest)
        if _is_hnsw(len(data.sentence_vectors), manifest):  # a graph takes minutes to build: stored
            data.sentence_dense = load_dense(path / "sentence_dense.faiss", ef_search)
        else:
            data.sentence_dense = build_dense_from_manifest(data.sentence_vectors, manifest)
        data.keyword = KeywordIndex.load(path / "keyword")
    return data


def _read_rows(path: Path, name: str, manifest: dict) -> list[dict]:
    """A JSONL file of the generation, with as many rows as its manifest entry says."""
    records = _read_jsonl(path / name)
    expected = manifest["index_files"].get(name, {}).get("rows")
    if len(records) != expected:
        raise _Damage(f"{name} has {len(records)} rows, the manifest says {expected}")
    return records


def _is_hnsw(count: int, manifest: dict) -> bool:
    return count >= manifest["dense"]["hnsw_threshold"]


def _npy_header(path: Path) -> tuple[tuple[int, ...], str]:
    with path.open("rb") as handle:
        try:
            version = np.lib.format.read_magic(handle)
            read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            shape, _, dtype = read(handle)
        except ValueError as error:
            raise _Damage(f"{path.name} is not a numpy array ({error})") from None
    return tuple(shape), str(dtype)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_json(path: Path, value) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=1), encoding="utf-8")


def _write_jsonl(path: Path, records) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def _read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
    for path in [folder, *(p for p in folder.rglob("*") if p.is_dir())]:
        _fsync_dir(path)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
