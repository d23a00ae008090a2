"""The index as the app sees it: is there one, what is in it, is it behind the corpus folder,
and building it with progress a progress bar can show. No Streamlit here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable

from typing_extensions import TypedDict

from index.builder import BuildReport, build_index
from index.corpus import RejectedJSON, corpus_signature  # noqa: F401 (the app's cheap "did the corpus change?")
from index.search import CorpusStatus, Hit
from index.store import IndexData, read_manifest
from ingest.errors import IndexMismatchError, IndexNotFoundError
from ingest.records import Chunk, json_shape
from ingest.settings import Settings

# Where each build stage sits on one overall bar (stages come in this order; a stage that
# has nothing to do is skipped, so the bar only moves forward).
_STAGES = {
    "waiting": (0.0, 0.0, "Waiting for another build of this index to finish"),
    "reading": (0.0, 0.15, "Reading the documents"),
    "loading model": (0.15, 0.25, "Loading the embedding model"),
    "embedding": (0.25, 0.9, "Embedding new passages"),
    "indexing": (0.9, 0.95, "Writing the index"),
    "onnx export": (0.95, 1.0, "Preparing the question model"),
}


@json_shape
class DocumentJSON(TypedDict):
    """A document of the index and its citation facts."""

    name: str
    """The file name in the corpus: what `doc` filters name."""
    chunks: int
    title: str
    authors: list[str]
    short_authors: str
    """As citations name them: "Pham, Ohno & Tran"."""
    year: str
    citation: str
    """How answers cite it: authors (year), title."""


@json_shape
class DocumentsJSON(TypedDict):
    """What the index holds and when it was built."""

    generation: str
    """The build answers come from; it changes with every rebuild."""
    built_at: str
    """ISO 8601, UTC."""
    model: str
    documents: list[DocumentJSON]
    rejected: list[RejectedJSON]
    """Files of the corpus that could not be indexed, and why."""


@dataclass(frozen=True)
class IndexInfo:
    """What the sidebar shows about the index, read from its manifest only (cheap)."""

    folder: Path
    manifest: dict | None  # None: no usable index
    problem: str = ""  # why an index that is there cannot be used

    @property
    def exists(self) -> bool:
        return self.manifest is not None

    @property
    def key(self) -> str:
        """The generation the index folder points to: what the cached engine is keyed by, so
        that a rebuild (a new generation) loads a new engine and nothing mixes two builds."""
        return f"{self.folder.resolve()}@{self.manifest['generation']}" if self.manifest else ""

    @property
    def documents(self) -> list[tuple[str, int]]:
        files = (self.manifest or {}).get("files", {})
        return [(name, int(record.get("chunks", 0))) for name, record in sorted(files.items())]

    @property
    def rejected(self) -> list[tuple[str, str]]:
        return [(r["file"], r["reason"]) for r in (self.manifest or {}).get("rejected", [])]

    @property
    def model(self) -> str:
        return (self.manifest or {}).get("model", {}).get("name", "")

    @property
    def built_at(self) -> str:
        raw = (self.manifest or {}).get("built_at", "")
        try:
            return datetime.fromisoformat(raw).strftime("%Y-%m-%d %H:%M UTC")
        except ValueError:
            return raw


def documents_json(data: IndexData) -> DocumentsJSON:
    """The documents of a loaded index with their chunk counts (from its manifest, as the
    app's sidebar lists them) and citation facts."""
    manifest = data.manifest
    info = IndexInfo(Path(), manifest)
    documents: list[DocumentJSON] = []
    for name, chunks in info.documents:
        meta = data.documents[name].meta
        documents.append({"name": name, "chunks": chunks, "title": meta.title, "authors": list(meta.authors),
                          "short_authors": meta.short_authors, "year": meta.year, "citation": meta.label(name)})
    return {"generation": manifest["generation"], "built_at": manifest["built_at"], "model": info.model,
            "documents": documents, "rejected": [{"file": file, "reason": reason} for file, reason in info.rejected]}


def index_info(settings: Settings) -> IndexInfo:
    folder = Path(settings.index_dir)
    try:
        return IndexInfo(folder, read_manifest(folder))
    except IndexNotFoundError:
        return IndexInfo(folder, None)
    except IndexMismatchError as error:
        return IndexInfo(folder, None, str(error))


def build(settings: Settings, progress: Callable[[float, str], None], embedder=None) -> BuildReport:
    """`build_index` with its stage progress turned into one fraction and a line of text.
    Raises NothingIndexedError like build_index (the old index is then left as it was)."""

    def on_stage(stage: str, done: int, total: int) -> None:
        low, high, text = _STAGES.get(stage, (0.0, 1.0, stage.capitalize()))
        share = done / total if total else 1.0
        counted = f" ({done}/{total})" if total > 1 else ""
        progress(min(1.0, low + (high - low) * share), f"{text}{counted}")

    # With no embedder given, build_index loads one only if there is new text, preferring the
    # model's ONNX export (no torch), and makes that export when it is missing. Another build
    # of the same index (another session, a `python -m index build`) is waited for.
    return build_index(settings, progress=on_stage, embedder=embedder,
                       on_wait=lambda message: on_stage("waiting", 0, 1))


def describe_changes(status: CorpusStatus) -> str:
    return f"The corpus folder has changed since the index was built ({status.parts()})."


def documents_of(chunks: Iterable[Chunk]) -> list[str]:
    return list(dict.fromkeys(c.doc for c in chunks))


def sections_of(chunks: Iterable[Chunk], docs: Iterable[str] | None = None) -> list[str]:
    """Section names in document order, of the given documents (all when None)."""
    wanted = None if docs is None else set(docs)
    return list(dict.fromkeys(c.section for c in chunks if c.section and (wanted is None or c.doc in wanted)))


def passages_in(chunks: Iterable[Chunk], docs: set[str] | None, sections: set[str] | None,
                limit: int) -> list[Hit]:
    """The passages of some sections in reading order: an official browsing section 4.2
    needs no query."""
    out = []
    for chunk in chunks:
        if (docs is None or chunk.doc in docs) and (sections is None or chunk.section in sections):
            out.append(Hit(len(out) + 1, chunk, 0.0))
            if len(out) == limit:
                break
    return out
