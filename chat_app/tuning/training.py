"""`python -m chat_app train`: fit the reader's weights on the training questions, and with
--ablation measure what each feature is worth on the held-out questions."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from pathlib import Path

from chat_app.engine.pipeline import ABSTAIN_FEATURES, AnswerEngine
from chat_app.tuning.evaluation import AnswerScores, score_answers
from chat_app.tuning.fitting import Example, adapt, collect, fit
from chat_app.tuning.sets import DEFAULT_TRAIN, HELD_OUT
from chat_app.engine.reader import FEATURES
from chat_app.engine.reader_model import MODEL_PATH, FittedModels, initial_models, save_models
from index.cli import open_searcher
from index.evaluation import GoldQuestion, load_questions
from ingest.errors import InputFileError
from ingest.settings import Settings


def train(args, settings: Settings) -> int:
    paths = args.gold or DEFAULT_TRAIN
    held_out = [p for p in HELD_OUT if p.exists()]
    _refuse_held_out(paths, held_out)
    questions, dropped = _without_held_out([q for path in paths for q in _prefixed(path)], held_out)
    # Candidates and features do not depend on the weights: deliberate with placeholders.
    engine = AnswerEngine(open_searcher(settings), settings, models=initial_models(FEATURES, ABSTAIN_FEATURES))
    examples = collect(engine, questions)
    models = fit(engine, examples, paths)
    models.provenance["dropped_as_held_out"] = dropped
    out = args.out or MODEL_PATH
    save_models(models, out)
    print(describe(models))
    print(f"written: {out}")
    if args.ablation:
        print()
        print(ablation(engine, examples, load_questions(args.test, require_gold=True), models, args.test))
    return 0


def _refuse_held_out(paths: list[Path], held_out: list[Path]) -> None:
    digests = {hashlib.sha256(p.read_bytes()).digest(): p for p in held_out}
    for path in paths:
        try:
            digest = hashlib.sha256(Path(path).read_bytes()).digest()
        except OSError as error:
            raise InputFileError(f"{path}: cannot be read ({error.strerror})") from None
        if digest in digests:
            raise InputFileError(f"{path}: is the held-out set {digests[digest]}; the reader is never fitted on it")


def _without_held_out(questions: list[GoldQuestion], held_out: list[Path]) -> tuple[list[GoldQuestion], list[str]]:
    """The training questions but those that a held-out set asks too (the sets were written
    apart, and "What is the capital of Malaysia?" came up in two of them)."""
    asked = {_plain(q.question, q.history) for path in held_out for q in load_questions(path, require_gold=True)}
    kept = [q for q in questions if _plain(q.question, q.history) not in asked]
    return kept, [q.id for q in questions if _plain(q.question, q.history) in asked]


def _plain(question: str, history: list[str]) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", " ".join([*history, question]).lower()))


def _prefixed(path: Path) -> list[GoldQuestion]:
    """The questions of a file with ids made unique across files ("heldout:h03")."""
    return [replace(q, id=f"{Path(path).stem}:{q.id}") for q in load_questions(path, require_gold=True)]


def describe(models: FittedModels) -> str:
    p = models.provenance
    lines = [f"fitted on {p.get('questions')} questions ({p.get('answerable_with_an_answering_candidate')} with an "
             "answering candidate)",
             f"reader: L2 {p['reader']['l2']}, CV top-1 accuracy by L2 {p['reader']['cv_top1_accuracy']}"]
    for name, weight in zip(models.reader.linear.features, models.reader.linear.weights):
        lines.append(f"  {name:20} {weight:+.3f}")
    lines.append(f"abstention: L2 {p['abstain']['l2']}, threshold {models.abstain.threshold:.3f}, CV {p['abstain']['cv']}")
    for name, weight in zip(models.abstain.linear.features, models.abstain.linear.weights):
        lines.append(f"  {name:20} {weight:+.3f}")
    lines.append(f"  {'(bias)':20} {models.abstain.linear.bias:+.3f}")
    return "\n".join(lines)


def score_with(engine: AnswerEngine, tests: list[Example], models: FittedModels) -> AnswerScores:
    adapt(engine, tests, models.reader.adapter)
    answers = {e.gold.id: engine.decide(e.found, models) for e in tests}
    return score_answers([e.gold for e in tests], answers, [0.0] * len(tests))


def ablation(engine: AnswerEngine, train_examples: list[Example], test_questions, full: FittedModels,
             test_path: Path) -> str:
    """Each feature left out in turn, both models refitted without it: what it costs on the
    test set, and for the reader's features also in cross-validation on the training questions
    (top-1 accuracy, 5 folds, each of SHUFFLES shuffles), which is where they were chosen."""
    tests = collect(engine, test_questions)
    base = score_with(engine, tests, full)
    base_cv = _cv_top1(train_examples, frozenset())
    lines = [f"ablation on {test_path} ({base.answerable} answerable, {base.unanswerable} not): "
             "each feature left out, both models refitted on train; train CV: reader top-1 in cross-validation",
             f"{'left out':22} {'answer':>7} {'cite':>6} {'abstain':>8} {'false':>6}   {'cost (test)':>11} "
             f"{'train CV':>9} {'cost (CV)':>9}",
             f"{'(none)':22} {base.answer_accuracy:7.3f} {base.citation_accuracy:6.3f} {base.abstention_accuracy:8.3f} "
             f"{base.false_abstentions:6d}   {'':>11} {base_cv:9.3f}"]
    for name in FEATURES + ABSTAIN_FEATURES:
        scores = score_with(engine, tests, fit(engine, train_examples, drop=frozenset({name}),
                                                 adapter=full.reader.adapter))
        left = _cv_top1(train_examples, frozenset({name})) if name in FEATURES else None
        cv = f"{left:9.3f} {base_cv - left:+9.3f}" if left is not None else ""
        lines.append(f"{name:22} {scores.answer_accuracy:7.3f} {scores.citation_accuracy:6.3f} "
                     f"{scores.abstention_accuracy:8.3f} {scores.false_abstentions:6d}   "
                     f"{base.answer_accuracy - scores.answer_accuracy:+11.3f} {cv}")
    return "\n".join(lines)


def _cv_top1(examples: list[Example], drop: frozenset[str]) -> float:
    """Mean cross-validated top-1 accuracy of the reader over SHUFFLES shuffles of the folds:
    one shuffle moves by a question or two, more than most features are worth."""
    from chat_app.tuning.fitting import SHUFFLES, cross_validate_reader

    runs = [max(cross_validate_reader(examples, drop, seeds=(seed,))[1].values()) for seed in range(SHUFFLES)]
    return sum(runs) / len(runs)
