"""The index on disk: one folder with fixed file names and a manifest, written atomically.

    manifest.json         format version, model and dimensions, chunking settings,
                          per-file sha256, rejected files, counts, build time
    documents.jsonl       each document's text, pages and citation facts (for quotes and
                          the passage around them)
    chunks.jsonl          one Chunk per line, in row order of the vectors
    chunk_vectors.npy     float32 (chunks x dimensions), L2-normalised
    dense.faiss           the HNSW graph, only above the exact-search threshold
    sentence_dense.faiss  the same for the sentence vectors, when there are that many
    keyword/              the BM25 index (bm25s' own arrays and JSON, no pickle)
    sentences.jsonl       one Sentence per line, in row order of sentence_vectors.npy
    sentence_vectors.npy  float32, L2-normalised
    terms.json            acronyms the corpus defines and its word counts

Writing goes to a sibling temporary folder that replaces the old one only when complete, so
a failed or interrupted build never leaves a half-written index and the old one survives.
No pickle anywhere: numpy arrays are saved with allow_pickle=False.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ingest.errors import IndexMismatchError, IndexNotFoundError
from ingest.records import Chunk, DocumentMeta, Page, Sentence

FORMAT_NAME = "policy-qa-index"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"


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


def write_index(folder: Path, data: IndexData) -> None:
    """Write `data` to `folder`, replacing what is there only once everything is on disk."""
    from index.dense import save_dense

    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.building-", dir=folder.parent))
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
        _write_json(staging / MANIFEST, data.manifest)  # last: its presence marks a complete index
        _fsync_tree(staging)
        _swap(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def read_manifest(folder: Path) -> dict:
    folder = Path(folder)
    path = folder / MANIFEST
    if not path.is_file():
        raise IndexNotFoundError(f"{folder}: no index here (build one with: python -m index build)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise IndexMismatchError(f"{path}: not a readable manifest ({error}); rebuild the index") from None
    if manifest.get("format") != FORMAT_NAME or manifest.get("format_version") != FORMAT_VERSION:
        raise IndexMismatchError(
            f"{folder}: index format {manifest.get('format')!r} version {manifest.get('format_version')}, "
            f"this version of policy-qa reads {FORMAT_NAME!r} version {FORMAT_VERSION}; "
            "rebuild it with: python -m index build")
    return manifest


def read_index(folder: Path, ef_search: int | None = None, load_models: bool = True) -> IndexData:
    """Read an index; with `load_models` False the FAISS and BM25 parts are skipped (for a
    rebuild that only reuses records and vectors)."""
    from index.dense import build_dense_from_manifest, load_dense
    from index.keyword import KeywordIndex

    folder = Path(folder)
    manifest = read_manifest(folder)
    try:
        terms = json.loads((folder / "terms.json").read_text(encoding="utf-8"))
        data = IndexData(
            manifest=manifest,
            documents={d.name: d for d in map(StoredDocument.from_json, _read_jsonl(folder / "documents.jsonl"))},
            chunks=[Chunk.from_json(r) for r in _read_jsonl(folder / "chunks.jsonl")],
            chunk_vectors=np.load(folder / "chunk_vectors.npy", allow_pickle=False),
            sentences=[Sentence.from_json(r) for r in _read_jsonl(folder / "sentences.jsonl")],
            sentence_vectors=np.load(folder / "sentence_vectors.npy", allow_pickle=False),
            acronyms=terms["acronyms"], word_counts=terms["word_counts"],
        )
        if load_models:
            if manifest["dense"]["type"] == "hnsw":
                data.dense = load_dense(folder / "dense.faiss", ef_search)
            else:
                data.dense = build_dense_from_manifest(data.chunk_vectors, manifest)
            if _is_hnsw(len(data.sentence_vectors), manifest):  # a graph takes minutes to build: stored
                data.sentence_dense = load_dense(folder / "sentence_dense.faiss", ef_search)
            else:
                data.sentence_dense = build_dense_from_manifest(data.sentence_vectors, manifest)
            data.keyword = KeywordIndex.load(folder / "keyword")
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as error:
        # A manifest with a part missing or damaged (a copy cut short, a file deleted by hand)
        # ended in a traceback; say it in one line, and a build then makes a new index.
        raise IndexMismatchError(f"{folder}: the index is damaged ({type(error).__name__}: {error}); "
                                 "rebuild it with: python -m index build") from None
    return data


def _is_hnsw(count: int, manifest: dict) -> bool:
    return count >= manifest["dense"]["hnsw_threshold"]


def _swap(staging: Path, folder: Path) -> None:
    """Put `staging` in the place of `folder`. The old folder is moved aside first and only
    deleted once the new one is in place, so at every instant one complete index exists."""
    old = None
    if folder.exists():
        old = folder.with_name(f".{folder.name}.old-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(folder, old)
    try:
        os.replace(staging, folder)
    except BaseException:
        if old is not None:
            os.replace(old, folder)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


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
