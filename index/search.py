"""Hybrid search: dense (FAISS) and keyword (BM25) rankings fused by reciprocal rank."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from index.dense import search_dense
from index.fusion import reciprocal_rank_fusion
from index.store import IndexData, read_index
from index.tokens import expand_acronyms
from ingest.errors import IndexMismatchError
from ingest.records import Chunk, ChunkKind
from ingest.settings import Settings

MODES = ("hybrid", "dense", "keyword")


@dataclass(frozen=True)
class Hit:
    rank: int
    chunk: Chunk
    score: float  # the fused score (or the single ranking's own score in dense/keyword mode)
    dense_rank: int | None = None
    keyword_rank: int | None = None
    dense_score: float | None = None  # cosine similarity
    keyword_score: float | None = None  # BM25

    def to_json(self) -> dict:
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

    def describe(self) -> str:
        parts = [f"{label}: {', '.join(names)}" for label, names in
                 (("new", self.added), ("removed", self.removed), ("changed", self.changed)) if names]
        return "the corpus has changed since the index was built (" + "; ".join(parts) + \
            "); rebuild with: python -m index build"


class Searcher:
    def __init__(self, data: IndexData, settings: Settings):
        self.data = data
        self.settings = settings
        self._embedder = None
        rows = {c.id: i for i, c in enumerate(data.chunks)}
        self._sentence_rows = np.array([rows[s.chunk_id] for s in data.sentences], dtype=np.int64)

    @classmethod
    def open(cls, settings: Settings) -> "Searcher":
        data = read_index(settings.index_dir, settings.hnsw_ef_search)
        built_with = data.manifest["model"]["name"]
        if built_with != settings.model:
            raise IndexMismatchError(
                f"{settings.index_dir}: the index was built with model {built_with!r} "
                f"({data.manifest['model']['dimensions']} dimensions), but the model setting is "
                f"{settings.model!r}; rebuild with: python -m index build, or set POLICY_QA_MODEL={built_with}")
        return cls(data, settings)

    @property
    def embedder(self):
        if self._embedder is None:
            from index.query_embedder import load_query_embedder

            self._embedder = load_query_embedder(self.settings, self.data.manifest)
        return self._embedder

    def embed_query(self, text: str) -> np.ndarray:
        return _cached_embedding(self.embedder, text)

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
            weights = {"dense": self.settings.dense_weight, "keyword": self.settings.keyword_weight,
                       "sentence": self.settings.sentence_weight}
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

    def corpus_status(self, corpus_dir: Path | None = None) -> CorpusStatus:
        from index.builder import scan_corpus

        corpus_dir = Path(corpus_dir or self.settings.corpus_dir)
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


def _rank_map(ranking: tuple[np.ndarray, np.ndarray] | None) -> dict[int, tuple[int, float]]:
    if ranking is None:
        return {}
    ids, scores = ranking
    return {int(i): (rank, float(s)) for rank, (i, s) in enumerate(zip(ids, scores), 1)}


@lru_cache(maxsize=512)
def _cached(embedder, text: str) -> bytes:
    return embedder.embed([text])[0].tobytes()


def _cached_embedding(embedder, text: str) -> np.ndarray:
    """Follow-ups and the find-passages mode ask the same text again; embed it once."""
    return np.frombuffer(_cached(embedder, text), dtype=np.float32)
