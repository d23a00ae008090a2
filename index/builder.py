"""Build (or bring up to date) the index of a corpus folder.

A file whose bytes and chunking settings are unchanged is not read again: its chunks,
sentences and text come from the previous index. Vectors are reused by the hash of the text
they embed, across files and rebuilds, so only new text is embedded; and the embedding
model (torch) is loaded only when there is new text.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import numpy as np
from typing_extensions import TypedDict

from index.corpus import (Rejected, RejectedJSON, SourceFile, corpus_record, file_sha256,  # noqa: F401 (file_sha256: API)
                          recorded_corpus, scan_corpus)
from index.dense import DenseParams, build_dense, index_type
from index.keyword import KeywordIndex
from index.generations import REBUILD, generations, writing
from index.store import IndexData, StoredDocument, read_index, write_index
from index.tokens import find_acronyms, words
from ingest import chunk_document, load_document
from ingest.errors import (IndexDamagedError, IndexMismatchError, IndexNotFoundError, NothingIndexedError,
                           UnreadableFileError)
from ingest.records import Chunk, Sentence, json_shape
from ingest.sentences import chunk_sentences
from ingest.settings import Settings

def _pipeline_fingerprint() -> str:
    """A hash of the code that turns files into chunks, sentences and tokens. When that code
    changes, unchanged files are read again (their vectors are still reused by text hash)."""
    import ingest
    from index import tokens

    digest = hashlib.sha256()
    for path in sorted(Path(ingest.__file__).parent.glob("*.py")) + [Path(tokens.__file__)]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


PIPELINE_VERSION = _pipeline_fingerprint()
PACKAGE_VERSION = "0.1.0"

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@json_shape
class BuildJSON(TypedDict):
    """What a build did (the summary `python -m index build` prints)."""

    up_to_date: bool
    """Nothing had changed: the index was left as it was."""
    files: list[str]
    rejected: list[RejectedJSON]
    chunks: int
    sentences: int
    embedded: int
    """Texts embedded by this build; the others' vectors were reused."""
    seconds: float
    damaged: str
    """What was wrong with the index this build replaced, if anything."""


@dataclass
class BuildReport:
    index_dir: Path
    files: list[str] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    chunks: int = 0
    sentences: int = 0
    embedded: int = 0
    reused_vectors: int = 0
    reread_files: int = 0
    seconds: float = 0.0
    up_to_date: bool = False
    damaged: str = ""  # what was wrong with the index this build replaced (it was not trusted)
    query_export: str = ""  # the ONNX export for questions: present, exported, skipped or failed: ...

    @property
    def exit_code(self) -> int:
        return 2 if self.rejected else 0

    def to_json(self) -> BuildJSON:
        return {"up_to_date": self.up_to_date, "files": list(self.files), "rejected": [r.to_json() for r in self.rejected],
                "chunks": self.chunks, "sentences": self.sentences, "embedded": self.embedded,
                "seconds": round(self.seconds, 3), "damaged": self.damaged}


def build_index(settings: Settings, progress: Progress | None = None, embedder=None,
                on_wait: Callable[[str], None] | None = None) -> BuildReport:
    """Index `settings.corpus_dir` into `settings.index_dir`.

    Raises NothingIndexedError (and leaves any previous index as it was) when no file could
    be read. `embedder` may be passed to reuse a model already in memory. One build writes an
    index at a time: another one waits, after `on_wait(message)` says for whom.
    """
    with writing(settings.index_dir, on_wait):
        return _build(settings, progress or (lambda stage, done, total: None), embedder)


def _build(settings: Settings, progress: Progress, embedder) -> BuildReport:
    started = time.perf_counter()
    report = BuildReport(index_dir=settings.index_dir)
    sources, rejected = scan_corpus(settings.corpus_dir)
    seen = _seen(sources, rejected)
    previous, report.damaged = _previous_index(settings)

    if previous is not None and not report.damaged and _unchanged(previous.manifest, settings, seen):
        report.files = [s.name for s in sources if s.name in previous.manifest["files"]]
        report.rejected = [Rejected(r["file"], r["reason"]) for r in previous.manifest["rejected"]]
        report.chunks, report.sentences = len(previous.chunks), len(previous.sentences)
        report.up_to_date = True
        report.query_export = _ensure_query_export(settings, progress, embedder)
        report.seconds = time.perf_counter() - started
        return report

    documents: dict[str, StoredDocument] = {}
    chunks: list[Chunk] = []
    sentences: list[Sentence] = []
    file_records: dict[str, dict] = {}
    for done, source in enumerate(sources, start=1):
        progress("reading", done - 1, len(sources))
        try:
            doc, doc_chunks, doc_sentences, reread = _read_source(source, settings, previous)
        except UnreadableFileError as error:
            rejected.append(Rejected(source.name, error.reason))
            continue
        report.reread_files += reread
        documents[doc.name] = doc
        chunks += doc_chunks
        sentences += doc_sentences
        file_records[source.name] = {"sha256": source.sha256, "chunks": len(doc_chunks)}
    progress("reading", len(sources), len(sources))
    rejected.sort(key=lambda r: r.file)
    report.rejected = rejected
    if not chunks:
        raise NothingIndexedError(
            f"{settings.corpus_dir}: no file could be indexed" + (f" ({len(rejected)} rejected)" if rejected else "")
            + ("; the previous index is unchanged" if previous is not None else ""),
            rejected=tuple(rejected))  # the CLI shows each file's reason

    texts = [c.embed_text for c in chunks] + [s.text for s in sentences]
    vectors, embedded, reused = _vectors_for(texts, settings, previous, progress, embedder)
    chunk_vectors, sentence_vectors = vectors[:len(chunks)], vectors[len(chunks):]
    report.embedded, report.reused_vectors = embedded, reused

    progress("indexing", 0, 1)
    params = DenseParams(settings.hnsw_threshold, settings.hnsw_m, settings.hnsw_ef_construction,
                         settings.hnsw_ef_search)
    all_text = "\n".join(d.text for d in documents.values())
    data = IndexData(
        manifest={}, documents=documents, chunks=chunks, chunk_vectors=chunk_vectors,
        sentences=sentences, sentence_vectors=sentence_vectors,
        acronyms=find_acronyms(all_text), word_counts=dict(Counter(words(all_text))),
        dense=build_dense(chunk_vectors, params), keyword=KeywordIndex.build([c.embed_text for c in chunks]),
        sentence_dense=build_dense(sentence_vectors, params) if len(sentence_vectors) >= params.hnsw_threshold else None,
    )
    report.seconds = time.perf_counter() - started
    data.manifest = _manifest(settings, vectors.shape[1], params, len(chunks), file_records, seen,
                              rejected, len(sentences), report.seconds)
    write_index(settings.index_dir, data)
    progress("indexing", 1, 1)
    report.files = list(file_records)
    report.chunks, report.sentences = len(chunks), len(sentences)
    report.query_export = _ensure_query_export(settings, progress, embedder)
    report.seconds = time.perf_counter() - started
    return report


def _ensure_query_export(settings: Settings, progress: Progress, embedder) -> str:
    """Make the ONNX export that lets questions be embedded without torch (once per model).

    Looking for it hashes files only, so an up-to-date rebuild still never imports torch.
    A caller's own embedder (a test fake) means the caller owns the model: no export then.
    A failed export does not fail the build: questions fall back to torch.
    """
    from index.embedder import SentenceTransformerEmbedder
    from index.onnx_embedder import export_onnx, find_onnx_export

    if settings.query_backend == "torch":
        return "skipped"
    if find_onnx_export(settings.model, settings.cache_dir) is not None:
        return "present"
    if embedder is not None and not isinstance(embedder, SentenceTransformerEmbedder):
        return "skipped"
    progress("onnx export", 0, 1)
    try:
        export_onnx(settings.model, settings.cache_dir)
    except Exception as error:  # torch's exporter raises many kinds; none should lose the index
        import warnings

        warnings.warn(f"ONNX export of {settings.model!r} failed ({error}); questions will use torch",
                      stacklevel=2)
        return f"failed: {error}"
    progress("onnx export", 1, 1)
    return "exported"


def _previous_index(settings: Settings) -> tuple[IndexData | None, str]:
    """The index being replaced, when its records and vectors can be reused, and what was
    wrong with it if it is damaged. Every file is hashed: "up to date" is only ever said of
    an index that matches its manifest. A damaged index is not used at all; the newest other
    generation that verifies (the one it replaced, kept for readers) may still lend its
    vectors, and the corpus is read again whole."""
    folder = settings.index_dir
    try:
        current = read_index(folder, load_models=False, full_check=True)
    except IndexNotFoundError:
        return None, ""
    except IndexDamagedError as error:
        problem = str(error).removesuffix(f"; {REBUILD}")  # this build is the advised rebuild
        for name in generations(folder):
            try:
                kept = read_index(folder, load_models=False, full_check=True, generation=name)
            except IndexMismatchError:
                continue
            if kept.manifest["model"]["name"] == settings.model:
                # Its files are whole, but its records describe some older corpus: they are
                # reused only for files whose bytes match, like any previous index's.
                return kept, problem
        return None, problem
    except IndexMismatchError:  # another format (an older layout): built anew
        return None, ""
    return (current if current.manifest["model"]["name"] == settings.model else None), ""


def _settings_record(settings: Settings) -> dict:
    return {"chunk_chars": settings.chunk_chars, "pipeline_version": PIPELINE_VERSION}


def _seen(sources: list[SourceFile], unsupported: list[Rejected]) -> dict[str, str | None]:
    """Every file of the corpus folder and its hash (None for files of an unsupported type)."""
    return {**{r.file: None for r in unsupported}, **{s.name: s.sha256 for s in sources}}


def _unchanged(manifest: dict, settings: Settings, seen: dict[str, str | None]) -> bool:
    # Every setting the dense index is built with counts: comparing the threshold alone called
    # an index "up to date" after POLICY_QA_HNSW_M or the ef_construction had changed. So does
    # the corpus folder: two folders with the same files are still two corpora.
    dense = manifest["dense"]
    return (manifest["chunking"] == _settings_record(settings)
            and recorded_corpus(manifest["corpus"], settings.index_dir) == Path(settings.corpus_dir).resolve()
            and (dense["hnsw_threshold"], dense["hnsw_m"], dense["ef_construction"])
            == (settings.hnsw_threshold, settings.hnsw_m, settings.hnsw_ef_construction)
            and manifest["sources"] == seen)


def _read_source(source: SourceFile, settings: Settings, previous: IndexData | None):
    """(document, chunks, sentences, 1 if the file was read again else 0)."""
    if previous is not None:
        old = previous.manifest["files"].get(source.name)
        if old and old["sha256"] == source.sha256 and previous.manifest["chunking"] == _settings_record(settings):
            chunks = [c for c in previous.chunks if c.doc == source.name]
            ids = {c.id for c in chunks}
            return (previous.documents[source.name], chunks,
                    [s for s in previous.sentences if s.chunk_id in ids], 0)
    doc = load_document(source.path, source.name, settings=settings)
    chunks = chunk_document(doc, settings.chunk_chars)
    sentences = [s for c in chunks for s in chunk_sentences(doc, c)]
    return StoredDocument(doc.name, doc.text, doc.pages, doc.meta), chunks, sentences, 1


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def _vectors_for(texts: list[str], settings: Settings, previous: IndexData | None,
                 progress: Progress, embedder) -> tuple[np.ndarray, int, int]:
    """Vectors for `texts`: from the previous index where the same text was embedded by the
    same model, from the model otherwise. Returns (vectors, embedded count, reused count)."""
    cache: dict[str, np.ndarray] = {}
    if previous is not None:
        old_texts = [c.embed_text for c in previous.chunks] + [s.text for s in previous.sentences]
        old_vectors = np.concatenate([previous.chunk_vectors, previous.sentence_vectors])
        cache = {text_key(t): old_vectors[i] for i, t in enumerate(old_texts)}
    keys = [text_key(t) for t in texts]
    missing = sorted({k: i for i, k in reversed(list(enumerate(keys))) if k not in cache}.values())
    if missing:
        if embedder is None:
            progress("loading model", 0, 1)
            embedder = _build_embedder(settings)
            progress("loading model", 1, 1)
        batch = settings.batch_size
        # Longest first: batches of similar length waste less padding.
        order = sorted(missing, key=lambda i: -len(texts[i]))
        for start in range(0, len(order), batch):
            progress("embedding", start, len(order))
            part = order[start:start + batch]
            for i, vector in zip(part, embedder.embed([texts[i] for i in part], batch_size=batch)):
                cache[keys[i]] = vector
        progress("embedding", len(order), len(order))
    dimensions = len(next(iter(cache.values())))
    vectors = np.zeros((len(texts), dimensions), dtype=np.float32)
    for i, key in enumerate(keys):
        vectors[i] = cache[key]
    return vectors, len(missing), len(texts) - len(missing)


def _build_embedder(settings: Settings):
    """The model's ONNX export when the cache has one, torch otherwise (or when asked for).

    Same vectors either way (cosine >= 0.9999999), but the export loads in 0.3 s instead of
    5 s for torch and embeds the paper's texts 1.1-1.3x faster on 2 cores (see batch_size).
    """
    if settings.query_backend != "torch":
        from index.onnx_embedder import OnnxEmbedder, find_onnx_export

        export = find_onnx_export(settings.model, settings.cache_dir)
        if export is not None:
            return OnnxEmbedder(settings.model, export)
    from index.embedder import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(settings.model)


def _manifest(settings: Settings, dimensions: int, params: DenseParams, count: int, files: dict,
              seen: dict[str, str | None], rejected: list[Rejected], sentences: int, seconds: float) -> dict:
    return {  # the store adds the format, the generation's name and its files
        "package_version": PACKAGE_VERSION,
        "model": {"name": settings.model, "dimensions": int(dimensions)},
        "chunking": _settings_record(settings),
        "dense": {"type": index_type(count, params), "metric": "inner_product (cosine of normalised vectors)",
                  "hnsw_threshold": params.hnsw_threshold, "hnsw_m": params.hnsw_m,
                  "ef_construction": params.ef_construction, "ef_search": params.ef_search},
        "keyword": {"library": "bm25s", "k1": 1.2, "b": 0.75},
        # what the changed-corpus warning compares with
        "corpus": corpus_record(settings.corpus_dir, settings.index_dir),
        "files": files,
        "sources": seen,
        "rejected": [r.to_json() for r in rejected],
        "counts": {"documents": len(files), "chunks": count, "sentences": sentences},
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "build_seconds": round(seconds, 3),
    }

