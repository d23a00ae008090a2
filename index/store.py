"""The index on disk: what a generation holds and how it is written and read.

    manifest.json         format version, model and dimensions, chunking settings, the
                          corpus folder and its files' sha256, rejected files, counts, build
                          time, and every other file of the generation (index.generations)
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

Each build writes a new generation of the index folder and publishes it in one step; a
reader reads one generation whole, checked against its manifest (index.generations). No
pickle anywhere: numpy arrays are saved with allow_pickle=False.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.generations import (FORMAT_NAME, FORMAT_VERSION, MANIFEST, Damage, damaged, describe_files, opened,
                               read_jsonl, staged, verify_files)
from ingest.records import Chunk, DocumentMeta, Page, Sentence


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


# --- writing -------------------------------------------------------------------------------

def write_index(folder: Path, data: IndexData) -> str:
    """Write `data` as a new generation of `folder` and publish it; returns its name.

    Readers go on reading the generation they opened; the new one becomes current in one
    step, only once every file is on disk. `data.manifest` gets the generation's name and
    the description of its files.
    """
    from index.dense import save_dense

    with staged(folder) as (staging, name):
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
        _write_json(staging / MANIFEST, manifest)  # last: it describes the files above
    data.manifest = manifest
    return name


# --- reading -------------------------------------------------------------------------------

def read_manifest(folder: Path) -> dict:
    """The manifest of the current generation, checked (format, sha256 against CURRENT, the
    fields readers rely on); the other files are not read."""
    with opened(Path(folder)) as (_, manifest):
        return manifest


def read_index(folder: Path, ef_search: int | None = None, load_models: bool = True,
               full_check: bool = False, generation: str | None = None) -> IndexData:
    """Read the current generation (or the named one); with `load_models` False the FAISS and
    BM25 parts are skipped (for a rebuild that only reuses records and vectors); with
    `full_check` every file is hashed, whatever its size. Raises IndexDamagedError when a file
    does not match the manifest."""
    folder = Path(folder)
    with opened(folder, generation) as (path, manifest):
        try:
            verify_files(path, manifest, full_check)
            return _load(path, manifest, ef_search, load_models)
        except Damage as damage:
            raise damaged(folder, f"{path.name}: {damage}") from None
        except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError, RuntimeError) as error:
            # JSON of the wrong shape, an array cut short, a FAISS file of garbage: one line.
            raise damaged(folder, f"{path.name}: {type(error).__name__}: {error}") from None


def verify_index(folder: Path) -> dict:
    """Hash every file of the current generation against its manifest; returns the manifest."""
    folder = Path(folder)
    with opened(folder) as (path, manifest):
        try:
            verify_files(path, manifest, full=True)
        except Damage as damage:
            raise damaged(folder, f"{path.name}: {damage}") from None
        except OSError as error:
            raise damaged(folder, f"{path.name}: {type(error).__name__}: {error}") from None
        return manifest


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
            raise Damage(f"{len(rows)} {what} and {vectors.shape} vectors, the manifest says "
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
    records = read_jsonl(path / name)
    expected = manifest["index_files"].get(name, {}).get("rows")
    if len(records) != expected:
        raise Damage(f"{name} has {len(records)} rows, the manifest says {expected}")
    return records


def _is_hnsw(count: int, manifest: dict) -> bool:
    return count >= manifest["dense"]["hnsw_threshold"]


def _write_json(path: Path, value) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=1), encoding="utf-8")


def _write_jsonl(path: Path, records) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
