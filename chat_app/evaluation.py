"""Answer metrics by the judging rules of eval/JUDGING.md, beside the retrieval metrics.

Answer matching is on lightly normalised text (lower case, Markdown emphasis and
backslashes removed, whitespace collapsed); an alternative is a phrase or a list of phrases
that must all occur. An answer counts when it matches, is at most 700 characters long and
the engine did not abstain.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

from chat_app.engine import AnswerEngine
from chat_app.records import Answer
from index.evaluation import GoldQuestion, is_relevant

MAX_ANSWER_CHARS = 700


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

    def to_json(self) -> dict:
        return {
            "answer_accuracy": round(self.answer_accuracy, 4),
            "citation_accuracy": round(self.citation_accuracy, 4),
            "abstention_accuracy": round(self.abstention_accuracy, 4),
            "false_abstentions": self.false_abstentions,
            "answerable": self.answerable, "unanswerable": self.unanswerable,
            "latency_ms": {"p50": round(self.latency_p50_ms, 2), "p95": round(self.latency_p95_ms, 2)},
            "failures": [{"id": i, "problem": p, "question": q} for i, p, q in self.failures],
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
        ok = answer_matches(a.text, q.answer) and len(a.text) <= MAX_ANSWER_CHARS
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
    quantiles = statistics.quantiles(latencies, n=20) if len(latencies) >= 2 else latencies * 19
    return AnswerScores(
        answer_accuracy=correct / max(1, len(answerable)),
        citation_accuracy=cited / max(1, answered),
        abstention_accuracy=abstained / max(1, len(unanswerable)),
        false_abstentions=false_abstentions,
        answerable=len(answerable), unanswerable=len(unanswerable),
        latency_p50_ms=statistics.median(latencies) if latencies else 0.0,
        latency_p95_ms=quantiles[18] if quantiles else 0.0,
        failures=failures,
    )
