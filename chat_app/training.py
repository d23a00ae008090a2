"""`python -m chat_app train`: fit the reader's weights on the training questions, and with
--ablation measure what each feature is worth on the held-out questions."""

from __future__ import annotations

from pathlib import Path

from chat_app.engine import ABSTAIN_FEATURES, AnswerEngine
from chat_app.evaluation import AnswerScores, score_answers
from chat_app.fitting import Example, collect, fit
from chat_app.reader import FEATURES
from chat_app.reader_model import MODEL_PATH, FittedModels, initial_models, save_models
from index.cli import open_searcher
from index.evaluation import load_questions
from ingest.settings import Settings


def train(args, settings: Settings) -> int:
    # Candidates and features do not depend on the weights: deliberate with placeholders.
    engine = AnswerEngine(open_searcher(settings), settings, models=initial_models(FEATURES, ABSTAIN_FEATURES))
    from chat_app.cli import DEFAULT_TRAIN

    paths = args.gold or DEFAULT_TRAIN
    examples = collect(engine, [q for path in paths for q in _prefixed(path)])
    models = fit(engine, examples, paths)
    out = args.out or MODEL_PATH
    save_models(models, out)
    print(describe(models))
    print(f"written: {out}")
    if args.ablation:
        print()
        print(ablation(engine, examples, load_questions(args.test, require_gold=True), models, args.test))
    return 0


def _prefixed(path: Path):
    """The questions of a file with ids made unique across files ("heldout.jsonl:h03")."""
    from dataclasses import replace

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
    answers = {e.gold.id: engine.decide(e.found, models) for e in tests}
    return score_answers([e.gold for e in tests], answers, [0.0] * len(tests))


def ablation(engine: AnswerEngine, train_examples: list[Example], test_questions, full: FittedModels,
             test_path: Path) -> str:
    """Each feature left out in turn (both models refitted without it), scored on the test set."""
    tests = collect(engine, test_questions)
    base = score_with(engine, tests, full)
    lines = [f"ablation on {test_path} ({base.answerable} answerable, {base.unanswerable} not): "
             "each feature left out, both models refitted on train",
             f"{'left out':22} {'answer':>7} {'cite':>6} {'abstain':>8} {'false':>6}   cost (answer acc.)",
             f"{'(none)':22} {base.answer_accuracy:7.3f} {base.citation_accuracy:6.3f} {base.abstention_accuracy:8.3f} "
             f"{base.false_abstentions:6d}"]
    for name in FEATURES + ABSTAIN_FEATURES:
        scores = score_with(engine, tests, fit(engine, train_examples, drop=frozenset({name})))
        lines.append(f"{name:22} {scores.answer_accuracy:7.3f} {scores.citation_accuracy:6.3f} "
                     f"{scores.abstention_accuracy:8.3f} {scores.false_abstentions:6d}   "
                     f"{base.answer_accuracy - scores.answer_accuracy:+.3f}")
    return "\n".join(lines)
