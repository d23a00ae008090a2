"""Retrieval metrics by the judging rules of eval/JUDGING.md.

Evidence is matched on normalised text (lower case, every run of characters other than a-z
and 0-9 replaced by one space); an evidence item is a phrase or a list of phrases that must
all occur in one passage; a passage is relevant when it satisfies any item.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from index.hygiene import text_problem
from ingest.errors import InputFileError

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def normalise(text: str) -> str:
    return " " + _NON_ALNUM.sub(" ", text.lower()).strip() + " "


def _phrase_in(phrase: str, normalised_text: str) -> bool:
    return normalise(phrase).strip() in normalised_text


def is_relevant(text: str, evidence: list) -> bool:
    norm = normalise(text)
    for item in evidence:
        phrases = item if isinstance(item, list) else [item]
        if phrases and all(_phrase_in(p, norm) for p in phrases):
            return True
    return False


@dataclass
class GoldQuestion:
    id: str
    question: str
    answerable: bool = True
    evidence: list = field(default_factory=list)
    answer: list = field(default_factory=list)
    kind: str = ""
    history: list[str] = field(default_factory=list)


def load_questions(path: Path, require_gold: bool = False) -> list[GoldQuestion]:
    """Read a JSONL file of questions; each line needs `id` and `question` (other fields are
    optional unless `require_gold`)."""
    path = Path(path)
    try:
        # utf-8-sig: a byte-order mark at the start (Notepad writes one) is not part of line 1.
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except OSError as error:
        raise InputFileError(f"{path}: cannot be read ({error.strerror})") from None
    except UnicodeDecodeError:
        raise InputFileError(f"{path}: not UTF-8 text") from None
    questions, seen = [], set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as error:
            raise InputFileError(f"{path} line {number}: not JSON ({error.msg})") from None
        if not isinstance(record, dict):
            raise InputFileError(f"{path} line {number}: expected a JSON object")
        for name in ("id", "question"):
            if not isinstance(record.get(name), (str, int)) or str(record.get(name)).strip() == "":
                raise InputFileError(f"{path} line {number}: field {name!r} is missing or empty")
        history = record.get("history", [])
        if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
            raise InputFileError(f"{path} line {number}: field 'history' must be a list of strings")
        # The same check as a question typed on the command line ("\ud800" is valid JSON).
        for name, text in [("id", str(record["id"])), ("question", record["question"])] + \
                [("history", h) for h in history]:
            problem = text_problem(str(text))
            if problem:
                raise InputFileError(f"{path} line {number}: field {name!r} {problem}")
        if require_gold and "answerable" not in record:
            raise InputFileError(f"{path} line {number}: field 'answerable' is missing")
        qid = str(record["id"])
        if qid in seen:
            raise InputFileError(f"{path} line {number}: duplicate id {qid!r}")
        seen.add(qid)
        questions.append(GoldQuestion(
            id=qid, question=str(record["question"]), answerable=bool(record.get("answerable", True)),
            evidence=record.get("evidence", []), answer=record.get("answer", []),
            kind=str(record.get("kind", "")), history=history,
        ))
    return questions


def first_relevant_rank(texts: list[str], evidence: list) -> int | None:
    return next((rank for rank, text in enumerate(texts, 1) if is_relevant(text, evidence)), None)


def ndcg_at(texts: list[str], evidence: list, total_relevant: int, k: int = 10) -> float:
    """Binary-relevance nDCG@k; the ideal ranking puts every relevant passage of the index first."""
    dcg = sum(1 / math.log2(rank + 1) for rank, text in enumerate(texts[:k], 1) if is_relevant(text, evidence))
    ideal = sum(1 / math.log2(rank + 1) for rank in range(1, min(total_relevant, k) + 1))
    return dcg / ideal if ideal else 0.0


@dataclass
class RetrievalScores:
    name: str
    recall: dict[int, float]
    mrr10: float
    ndcg10: float
    ranks: dict[str, int | None]  # question id -> rank of the first relevant passage (top 10)

    def to_json(self) -> dict:
        return {"name": self.name, **{f"recall@{k}": round(v, 4) for k, v in self.recall.items()},
                "mrr@10": round(self.mrr10, 4), "ndcg@10": round(self.ndcg10, 4),
                "ranks": self.ranks}


def score_retrieval(name: str, questions: list[GoldQuestion], ranked_texts: dict[str, list[str]],
                    corpus_texts: list[str]) -> RetrievalScores:
    """`ranked_texts[qid]`: the top-10 passages for each question, best first."""
    answerable = [q for q in questions if q.answerable and q.evidence]
    ranks, ndcgs = {}, []
    for q in answerable:
        texts = ranked_texts[q.id][:10]
        ranks[q.id] = first_relevant_rank(texts, q.evidence)
        total = sum(1 for t in corpus_texts if is_relevant(t, q.evidence))
        ndcgs.append(ndcg_at(texts, q.evidence, total))
    n = max(1, len(answerable))
    recall = {k: sum(1 for r in ranks.values() if r is not None and r <= k) / n for k in (1, 5, 10)}
    mrr = sum(1 / r for r in ranks.values() if r is not None) / n
    return RetrievalScores(name, recall, mrr, sum(ndcgs) / n, ranks)


def score_modes(searcher, questions: list[GoldQuestion]) -> list[RetrievalScores]:
    """Retrieval scores of the hybrid ranking and of BM25 and dense alone, in that order."""
    corpus_texts = [c.text for c in searcher.data.chunks]
    rows = []
    for mode in ("hybrid", "keyword", "dense"):
        ranked = {q.id: [h.chunk.text for h in searcher.search(q.question, 10, mode=mode)] for q in questions}
        rows.append(score_retrieval({"keyword": "bm25"}.get(mode, mode), questions, ranked, corpus_texts))
    return rows
