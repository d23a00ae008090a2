"""Answer metrics by the judging rules of eval/JUDGING.md, beside the retrieval metrics.

Answer matching is on lightly normalised text (lower case, Markdown emphasis and
backslashes removed, whitespace collapsed); an alternative is a phrase or a list of phrases
that must all occur. An answer counts when it matches, is at most 700 characters long and
the engine did not abstain.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field, replace

from pathlib import Path

from chat_app.engine import AnswerEngine
from chat_app.records import Answer
from index.evaluation import GoldQuestion, RetrievalScores, is_relevant, load_questions, score_modes
from index.hygiene import terminal_line

JUDGED_MAX_CHARS = 700  # the judging rules: a longer answer does not count


def normalise_answer(text: str) -> str:
    text = text.lower().replace("\\", "")
    text = re.sub(r"[*_]{1,3}", "", text)
    return " ".join(text.split())


def answer_matches(text: str, alternatives: list) -> bool:
    norm = normalise_answer(text)
    for alternative in alternatives:
        phrases = alternative if isinstance(alternative, list) else [alternative]
        if phrases and all(normalise_answer(p) in norm for p in phrases):
            return True
    return False


@dataclass
class AnswerScores:
    answer_accuracy: float
    citation_accuracy: float
    abstention_accuracy: float
    false_abstentions: int
    answerable: int
    unanswerable: int
    latency_p50_ms: float
    latency_p95_ms: float
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # (id, what, question)
    answer_chars_median: float = 0.0  # of the answers given (not of refusals)
    answer_chars_max: int = 0
    latencies_ms: list[float] = field(default_factory=list, repr=False)
    # kind -> (right, questions): answered right for answerable kinds, refused for unanswerable ones
    by_kind: dict[str, tuple[int, int]] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "answer_accuracy": round(self.answer_accuracy, 4),
            "citation_accuracy": round(self.citation_accuracy, 4),
            "abstention_accuracy": round(self.abstention_accuracy, 4),
            "false_abstentions": self.false_abstentions,
            "answerable": self.answerable, "unanswerable": self.unanswerable,
            "latency_ms": {"p50": round(self.latency_p50_ms, 2), "p95": round(self.latency_p95_ms, 2)},
            "answer_chars": {"median": self.answer_chars_median, "max": self.answer_chars_max},
            "failures": [{"id": i, "problem": p, "question": q} for i, p, q in self.failures],
            "by_kind": {k: {"right": r, "questions": n, "accuracy": round(r / n, 4)} for k, (r, n) in self.by_kind.items()},
        }


def run_answers(engine: AnswerEngine, questions: list[GoldQuestion]) -> tuple[AnswerScores, dict[str, Answer]]:
    answers = {q.id: engine.ask(q.question, q.history) for q in questions}
    # Latency is measured warm: a second pass, so model loading and first-call costs are out;
    # each question is embedded again, as a new question would be.
    latencies = []
    for q in questions:
        engine.searcher.clear_query_cache()
        latencies.append(engine.ask(q.question, q.history).seconds * 1000)
    return score_answers(questions, answers, latencies), answers


def score_answers(questions: list[GoldQuestion], answers: dict[str, Answer], latencies: list[float]) -> AnswerScores:
    answerable = [q for q in questions if q.answerable]
    unanswerable = [q for q in questions if not q.answerable]
    correct = cited = answered = false_abstentions = abstained = 0
    failures = []
    for q in answerable:
        a = answers[q.id]
        if a.abstained:
            false_abstentions += 1
            failures.append((q.id, "abstained", q.question))
            continue
        answered += 1
        ok = answer_matches(a.text, q.answer) and len(a.text) <= JUDGED_MAX_CHARS
        correct += ok
        if not ok:
            failures.append((q.id, f"wrong answer: {a.text[:120]}", q.question))
        if any(is_relevant(c.chunk.text, q.evidence) or is_relevant(c.quote, q.evidence) for c in a.citations):
            cited += 1
        else:
            failures.append((q.id, "citation has no evidence", q.question))
    for q in unanswerable:
        if answers[q.id].abstained:
            abstained += 1
        else:
            failures.append((q.id, f"answered: {answers[q.id].text[:120]}", q.question))
    wrong = {qid for qid, problem, _ in failures if problem != "citation has no evidence"}
    by_kind: dict[str, tuple[int, int]] = {}
    for q in questions:
        right, total = by_kind.get(q.kind or "-", (0, 0))
        by_kind[q.kind or "-"] = (right + (q.id not in wrong), total + 1)
    quantiles = statistics.quantiles(latencies, n=20) if len(latencies) >= 2 else latencies * 19
    lengths = [len(a.text) for a in answers.values() if not a.abstained]
    return AnswerScores(
        answer_accuracy=correct / max(1, len(answerable)),
        citation_accuracy=cited / max(1, answered),
        abstention_accuracy=abstained / max(1, len(unanswerable)),
        false_abstentions=false_abstentions,
        answerable=len(answerable), unanswerable=len(unanswerable),
        latency_p50_ms=statistics.median(latencies) if latencies else 0.0,
        latency_p95_ms=quantiles[18] if quantiles else 0.0,
        failures=failures,
        answer_chars_median=statistics.median(lengths) if lengths else 0.0,
        answer_chars_max=max(lengths, default=0),
        latencies_ms=list(latencies),
        by_kind=dict(sorted(by_kind.items())),
    )


@dataclass
class SetReport:
    """Retrieval and answer figures of one gold file."""

    gold: Path
    questions: list[GoldQuestion]
    retrieval: list[RetrievalScores]  # hybrid, bm25, dense
    answers: AnswerScores

    def to_json(self) -> dict:
        return {"gold": str(self.gold), "questions": len(self.questions),
                "retrieval": [r.to_json() for r in self.retrieval], "answers": self.answers.to_json()}


@dataclass
class EvaluationReport:
    sets: list[SetReport]
    combined: SetReport

    def to_json(self) -> dict:
        # The top-level keys are those of the single combined report of earlier versions.
        combined = self.combined.to_json()
        return {"gold": [str(s.gold) for s in self.sets], "questions": combined["questions"],
                "retrieval": combined["retrieval"], "answers": combined["answers"],
                "sets": [s.to_json() for s in self.sets]}


def _retrieval(engine: AnswerEngine, questions: list[GoldQuestion]) -> list[RetrievalScores]:
    # A follow-up is not a search query: it is searched only once resolved, by the engine.
    return score_modes(engine.searcher, [q for q in questions if not q.history])


def evaluate_sets(engine: AnswerEngine, paths: list[Path]) -> EvaluationReport:
    """Each gold file scored on its own, and all of them together (from the same answers)."""
    sets, everything, answered, latencies = [], [], {}, []
    for path in paths:
        questions = load_questions(path, require_gold=True)
        scores, answers = run_answers(engine, questions)
        sets.append(SetReport(Path(path), questions, _retrieval(engine, questions), scores))
        # ids are unique within a file, not across files
        for q in questions:
            key = f"{path}:{q.id}"
            everything.append(replace(q, id=key))
            answered[key] = answers[q.id]
        latencies += scores.latencies_ms
    combined = SetReport(Path("+".join(str(s.gold) for s in sets)), everything,
                         [_merged(name, [s.retrieval[i] for s in sets]) for i, name in enumerate(("hybrid", "bm25", "dense"))],
                         score_answers(everything, answered, latencies))
    return EvaluationReport(sets, combined)


def _merged(name: str, parts: list[RetrievalScores]) -> RetrievalScores:
    """Retrieval scores of several sets as one: means weighted by each set's scored questions."""
    counts = [len(p.ranks) for p in parts]  # the answerable questions each set scored
    total = sum(counts) or 1
    recall = {k: sum(p.recall[k] * n for p, n in zip(parts, counts)) / total for k in (1, 5, 10)}
    ranks = {f"{i}:{qid}": rank for i, p in enumerate(parts) for qid, rank in p.ranks.items()}
    return RetrievalScores(name, recall, sum(p.mrr10 * n for p, n in zip(parts, counts)) / total,
                           sum(p.ndcg10 * n for p, n in zip(parts, counts)) / total, ranks)


def render_sets(report: EvaluationReport) -> str:
    lines = [f"{'set':28} {'qs':>4} {'R@5':>6} {'MRR10':>6} {'answer':>7} {'cite':>6} {'abstain':>8} "
             f"{'false':>6} {'chars':>9} {'p50 ms':>7}"]
    for s in report.sets + [report.combined]:
        a, r = s.answers, s.retrieval[0]
        name = str(s.gold) if s is not report.combined else "all sets"
        lines.append(f"{name[-28:]:28} {len(s.questions):4d} {r.recall[5]:6.3f} {r.mrr10:6.3f} {a.answer_accuracy:7.3f} "
                     f"{a.citation_accuracy:6.3f} {a.abstention_accuracy:8.3f} "
                     f"{a.false_abstentions:3d}/{a.answerable:<3d}{a.answer_chars_median:5.0f}/{a.answer_chars_max:<4d}"
                     f"{a.latency_p50_ms:6.1f}")
    lines.append("(answer, cite, abstain: accuracies; false: false abstentions / answerable; chars: median/max of answers)")
    for s in report.sets:
        kinds = ", ".join(f"{k} {r}/{n}" for k, (r, n) in s.answers.by_kind.items())
        lines.append(f"by kind in {s.gold}: {kinds}")
    for s in report.sets:
        if s.answers.failures:
            lines.append(f"failures in {s.gold}:")
            lines += [f"  {qid} {terminal_line(problem)}  <- {terminal_line(question)}"
                      for qid, problem, question in s.answers.failures]
    return "\n".join(lines)
