"""Hybrid search: dense (FAISS) and keyword (BM25) rankings fused by reciprocal rank."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np
from typing_extensions import TypedDict

from index.dense import search_dense
from index.fusion import reciprocal_rank_fusion
from index.hygiene import display_name
from index.generations import damaged
from index.store import IndexData, read_index
from index.tokens import expand_acronyms
from ingest.errors import IndexMismatchError, UnknownDocumentError
from ingest.records import Chunk, ChunkKind, json_shape, section_topic
from ingest.settings import Settings

MODES = ("hybrid", "dense", "keyword")
QUERY_CACHE_SIZE = 512


@json_shape
class HitJSON(TypedDict):
    """A ranked passage, as `python -m index search --json` prints it."""

    rank: int
    """1 for the best match."""
    chunk_id: str
    doc: str
    section: str
    page: int | None
    page_label: str | None
    score: float
    """The fused score (or the one ranking's own score with mode dense or keyword)."""
    text: str


@dataclass(frozen=True)
class Hit:
    rank: int
    chunk: Chunk
    score: float  # the fused score (or the single ranking's own score in dense/keyword mode)
    dense_rank: int | None = None
    keyword_rank: int | None = None
    dense_score: float | None = None  # cosine similarity
    keyword_score: float | None = None  # BM25

    def to_json(self) -> HitJSON:
        c = self.chunk
        return {"rank": self.rank, "chunk_id": c.id, "doc": c.doc, "section": c.section, "page": c.page,
                "page_label": c.page_label, "score": round(float(self.score), 6), "text": c.text}


@dataclass(frozen=True)
class CorpusStatus:
    """How the corpus folder differs from what the index was built from."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()

    @property
    def stale(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def parts(self) -> str:
        """"new: a.md; changed: b.pdf", names escaped if they hold control characters."""
        return "; ".join(f"{label}: {', '.join(map(display_name, names))}" for label, names in
                         (("new", self.added), ("removed", self.removed), ("changed", self.changed)) if names)

    def describe(self, rebuild: str = "python -m index build") -> str:
        return f"the corpus has changed since the index was built ({self.parts()}); rebuild with: {rebuild}"


def check_documents(names: Iterable[str] | None, known: Iterable[str], what: str = "--doc") -> frozenset[str] | None:
    """The documents a question or search is limited to (None: all of them, as is an empty
    choice in the app), or UnknownDocumentError naming those the index does not hold."""
    scope = frozenset(names) if names else None
    known = list(known)
    unknown = sorted((scope or set()) - set(known))
    if unknown:
        raise UnknownDocumentError(f"{what}: no document named {', '.join(map(repr, unknown))} in the index; "
                                   f"it holds {', '.join(known)}")
    return scope


class Searcher:
    def __init__(self, data: IndexData, settings: Settings, embedder=None):
        """`embedder` may be passed to reuse a model already in memory (as `build_index`
        takes one); by default the query embedder is loaded on the first search."""
        self.data = data
        self.settings = settings
        self._embedder = embedder
        self._query_cache: dict[str, np.ndarray] = {}
        _check_consistent(data, settings)
        rows = self._rows = {c.id: i for i, c in enumerate(data.chunks)}
        self.documents = tuple(dict.fromkeys(c.doc for c in data.chunks))  # names, in index order
        self._sentence_rows = np.array([rows[s.chunk_id] for s in data.sentences], dtype=np.int64)
        self._rows_of_section: dict[str, list[int]] = {}
        for row, chunk in enumerate(data.chunks):
            self._rows_of_section.setdefault(chunk.section, []).append(row)

    @classmethod
    def open(cls, settings: Settings, embedder=None) -> "Searcher":
        data = read_index(settings.index_dir, settings.hnsw_ef_search)
        built_with = data.manifest["model"]["name"]
        if built_with != settings.model:
            raise IndexMismatchError(
                f"{settings.index_dir}: the index was built with model {built_with!r} "
                f"({data.manifest['model']['dimensions']} dimensions), but the model setting is "
                f"{settings.model!r}; rebuild with: python -m index build, or set POLICY_QA_MODEL={built_with}")
        return cls(data, settings, embedder)

    def chunk(self, chunk_id: str) -> Chunk | None:
        row = self._rows.get(chunk_id)
        return None if row is None else self.data.chunks[row]

    @property
    def embedder(self):
        if self._embedder is None:
            from index.query_embedder import load_query_embedder

            self._embedder = load_query_embedder(self.settings, self.data.manifest)
        return self._embedder

    def embed_query(self, text: str) -> np.ndarray:
        """Follow-ups and the find-passages mode ask the same text again: embed it once. The
        cache lives on the searcher, so a reloaded index does not keep the old one alive."""
        vector = self._query_cache.get(text)
        if vector is None:
            if len(self._query_cache) >= QUERY_CACHE_SIZE:
                self._query_cache.pop(next(iter(self._query_cache)))
            vector = self._query_cache[text] = self.embedder.embed([text])[0]
        return vector

    def clear_query_cache(self) -> None:
        """Forget embedded questions: latency measurements time a new question each time."""
        self._query_cache.clear()

    def search(self, query: str, k: int | None = None, mode: str = "hybrid",
               docs: set[str] | None = None, sections: set[str] | None = None) -> list[Hit]:
        """The k best chunks for `query`; `docs` and `sections` restrict where to look."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        k = k or self.settings.top_k
        query = expand_acronyms(query, self.data.acronyms)
        restricted = docs is not None or sections is not None
        depth = max(50, 4 * k) if not restricted else len(self.data.chunks)
        rankings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        if mode in ("hybrid", "dense"):
            vector = self.embed_query(query)
            rankings["dense"] = search_dense(self.data.dense, vector, depth)
            if mode == "hybrid" and self.settings.sentence_weight > 0 and len(self.data.sentences):
                rankings["sentence"] = self._by_best_sentence(vector, depth)
        if mode in ("hybrid", "keyword"):
            rankings["keyword"] = self.data.keyword.search(query, depth)
        if mode == "hybrid":
            named = [row for section in self.named_sections(query) for row in self._rows_of_section[section]]
            if named:
                rankings["section"] = (np.array(named, dtype=np.int64), np.ones(len(named), dtype=np.float32))
        if mode == "hybrid":
            weights = {"dense": self.settings.dense_weight, "keyword": self.settings.keyword_weight,
                       "sentence": self.settings.sentence_weight, "section": self.settings.keyword_weight}
            fused = reciprocal_rank_fusion([list(map(int, ids)) for ids, _ in rankings.values()],
                                           [weights[name] for name in rankings], self.settings.rrf_k)
            fused = self._demote_references(fused)
        else:
            ids, scores = rankings[mode]
            fused = [(int(i), float(s)) for i, s in zip(ids, scores)]
        dense_rank = _rank_map(rankings.get("dense"))
        keyword_rank = _rank_map(rankings.get("keyword"))
        hits = []
        for row, score in fused:
            chunk = self.data.chunks[row]
            if (docs is not None and chunk.doc not in docs) or (sections is not None and chunk.section not in sections):
                continue
            d, kw = dense_rank.get(row), keyword_rank.get(row)
            hits.append(Hit(len(hits) + 1, chunk, score, d and d[0], kw and kw[0], d and d[1], kw and kw[1]))
            if len(hits) == k:
                break
        return hits

    def named_sections(self, query: str) -> list[str]:
        """The sections a query names: "section 4.2", "the acknowledgement", "the abstract".
        Officials ask about a part of a paper by its heading."""
        lowered = query.lower()
        numbers = re.findall(r"\bsection\s+(\d+(?:\.\d+)*)", lowered)
        named: list[str] = []
        for section in self._rows_of_section:
            number = re.match(r"^(\d+(?:\.\d+)*)", section)
            topic = section_topic(section).lower()
            by_number = number and any(number.group(1) == n or number.group(1).startswith(n + ".") for n in numbers)
            by_name = len(topic) >= 5 and re.search(rf"\b{re.escape(topic)}\b", lowered)
            if by_number or by_name:
                named.append(section)
        return named

    def _by_best_sentence(self, vector: np.ndarray, depth: int) -> tuple[np.ndarray, np.ndarray]:
        """Chunks ranked by their best sentence's cosine to the query."""
        ids, scores = search_dense(self.data.sentence_dense, vector, depth * 3)
        best: dict[int, float] = {}
        for sentence, score in zip(ids, scores):
            row = int(self._sentence_rows[sentence])
            if row not in best:
                best[row] = float(score)  # results come best first
        rows = list(best)[:depth]
        return np.array(rows, dtype=np.int64), np.array([best[r] for r in rows], dtype=np.float32)

    def _demote_references(self, fused: list[tuple[int, float]]) -> list[tuple[int, float]]:
        factor = self.settings.reference_weight
        if factor == 1:
            return fused
        scored = [(row, score * factor if self.data.chunks[row].kind is ChunkKind.REFERENCES else score)
                  for row, score in fused]
        return sorted(scored, key=lambda pair: -pair[1])

    @property
    def corpus_dir(self) -> Path:
        """The corpus folder the index was built from (the setting, for an index in memory
        that does not say): what "the corpus has changed" is about."""
        from index.corpus import recorded_corpus

        record = self.data.manifest.get("corpus")
        return recorded_corpus(record, self.settings.index_dir) if record else Path(self.settings.corpus_dir)

    def corpus_status(self, corpus_dir: Path | None = None) -> CorpusStatus:
        from index.corpus import scan_corpus

        corpus_dir = Path(corpus_dir or self.corpus_dir)
        if not corpus_dir.is_dir():
            return CorpusStatus()
        sources, unsupported = scan_corpus(corpus_dir)
        now = {s.name: s.sha256 for s in sources} | {r.file: None for r in unsupported}
        before = self.data.manifest["sources"]
        return CorpusStatus(
            added=tuple(sorted(set(now) - set(before))),
            removed=tuple(sorted(set(before) - set(now))),
            changed=tuple(sorted(n for n in set(now) & set(before) if now[n] != before[n])),
        )


def _check_consistent(data: IndexData, settings: Settings) -> None:
    """Every ranking returns row numbers of `data.chunks`: rows from one build and chunks from
    another ended in an IndexError deep in the fusion. An index whose parts disagree is
    damaged, said in one line before any search."""
    chunks, sentences = len(data.chunks), len(data.sentences)
    parts = [("chunk vectors", len(data.chunk_vectors), chunks),
             ("sentence vectors", len(data.sentence_vectors), sentences)]
    if data.dense is not None:
        parts.append(("dense index", data.dense.ntotal, chunks))
    if data.keyword is not None:
        parts.append(("keyword index", data.keyword.num_docs, chunks))
    if data.sentence_dense is not None:
        parts.append(("sentence index", data.sentence_dense.ntotal, sentences))
    for name, count, expected in parts:
        if count != expected:
            raise damaged(settings.index_dir, f"{count} rows in the {name} for {expected} entries")
    ids = {c.id for c in data.chunks}
    stray = next((s.chunk_id for s in data.sentences if s.chunk_id not in ids), None)
    if stray is not None:
        raise damaged(settings.index_dir, f"a sentence of chunk {stray}, which the index does not hold")


def _rank_map(ranking: tuple[np.ndarray, np.ndarray] | None) -> dict[int, tuple[int, float]]:
    if ranking is None:
        return {}
    ids, scores = ranking
    return {int(i): (rank, float(s)) for rank, (i, s) in enumerate(zip(ids, scores), 1)}
