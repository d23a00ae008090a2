"""`python -m chat_app ...`: ask, chat and evaluate from the command line.

`ask --json` and `ask --questions FILE.jsonl` print the JSON contract evaluation scripts
read: {id, question, rewritten_question, answer, abstained, citations, hits}.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path

from chat_app.tuning.sets import DEFAULT_GOLD, DEFAULT_TEST, DEFAULT_TRAIN, HELD_OUT
from index.cli import Parser, fail, open_searcher, run_command
from index.hygiene import check_question, terminal_line
from ingest.errors import PolicyQAError, QuestionError
from ingest.settings import Settings



# Flags of `serve` whose setting has another name; their values reach Settings as text, so
# that a bad one is one line naming the flag ("--port: 'x' is not a valid int").
SERVE_FLAGS = {"api_host": "--host", "api_port": "--port", "api_workers": "--workers"}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return run_command(args, {"index_dir": args.index, "model": args.model,
                              "generator_url": getattr(args, "generator_url", None),
                              "generator_model": getattr(args, "generator_model", None),
                              **{field: getattr(args, flag[2:], None) for field, flag in SERVE_FLAGS.items()}},
                       SERVE_FLAGS)


def _parser() -> argparse.ArgumentParser:
    parser = Parser(prog="python -m chat_app", description="Cited answers from the indexed papers.")
    common = Parser(add_help=False)
    common.add_argument("--index", type=Path, help="index folder (default: $POLICY_QA_INDEX_DIR or .policy_qa/index)")
    common.add_argument("--model", help="embedding model the index was built with (default: the bundled one)")
    common.add_argument("--generator-url", help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1 (default: none)")
    common.add_argument("--generator-model", help="model name to ask the endpoint for")
    commands = parser.add_subparsers(dest="command", required=True)

    ask = commands.add_parser("ask", parents=[common], help="answer one question, or a JSONL file of them")
    ask.add_argument("question", nargs="?")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    ask.add_argument("--questions", type=Path, help="JSONL file of {id, question[, history]}: one JSON line each")
    ask.add_argument("--history", action="append", default=[], help="an earlier question (repeatable, oldest first)")
    ask.add_argument("--doc", action="append", metavar="NAME",
                     help="answer from this document only (repeatable; names as `python -m index chunks` shows them)")
    ask.add_argument("-k", type=int, default=None,
                     help="retrieved passages to return with the answer (`hits`), 1 to 8 (default 5)")
    ask.set_defaults(run=_ask)

    serve = commands.add_parser(
        "serve", parents=[common], help="the HTTP API (FastAPI + uvicorn), on 127.0.0.1:8000",
        description="Serve the answers as an HTTP JSON API: POST /v1/ask, GET /v1/search, /v1/documents, "
                    "/v1/chunks/{id}, /healthz, /readyz; OpenAPI at /openapi.json, docs at /docs. Read-only "
                    "unless POLICY_QA_API_TOKEN is set. Ctrl-C stops it.")
    serve.add_argument("--host", help="address to listen on (default: $POLICY_QA_API_HOST or 127.0.0.1, "
                                      "this machine only; 0.0.0.0 serves the network)")
    serve.add_argument("--port", help="port (default: $POLICY_QA_API_PORT or 8000)")
    serve.add_argument("--workers", help="server processes, each with its own engine "
                                         "(default: $POLICY_QA_API_WORKERS or 1; 2 on 2 cores)")
    serve.add_argument("--access-log", action="store_true", help="log each request (off: it costs ~10%% at load)")
    serve.set_defaults(run=_serve)

    chat = commands.add_parser("chat", parents=[common], help="an interactive chat in the terminal")
    chat.set_defaults(run=_chat)

    evaluate = commands.add_parser("evaluate", parents=[common], help="retrieval and answer metrics on gold sets")
    evaluate.add_argument("--gold", type=Path, action="append",
                          help=f"gold questions (repeatable; default {' and '.join(map(str, DEFAULT_GOLD))})")
    evaluate.add_argument("--json", action="store_true")
    evaluate.set_defaults(run=_evaluate)

    train = commands.add_parser(
        "train", parents=[common], help="fit the reader and abstention weights on training questions",
        description="Fit the answer reader (a conditional logit over candidate sentences) and the abstention "
                    "model (a logistic regression) on --gold, choosing L2 strengths and the threshold by "
                    "5-fold cross-validation; write the weights to --out. With --ablation, also refit with each "
                    "feature left out in turn and report what it costs on --test.")
    train.add_argument("--gold", type=Path, action="append",
                       help=f"training questions (repeatable; default: {', '.join(map(str, DEFAULT_TRAIN))}). The "
                            f"held-out sets ({', '.join(map(str, HELD_OUT))}) are refused, and questions they ask "
                            "too are left out")
    train.add_argument("--out", type=Path, default=None, help="where to write the weights "
                                                              "(default chat_app/engine/reader_model.json)")
    train.add_argument("--ablation", action="store_true", help="leave each feature out in turn, report on --test")
    train.add_argument("--test", type=Path, default=DEFAULT_TEST, help=f"held-out questions (default {DEFAULT_TEST})")
    train.set_defaults(run=_train)
    bench = commands.add_parser("bench", parents=[common], help="measure speed and memory (not a test)",
                                description="Everything `python -m index bench` measures, plus warm answer latency "
                                            "p50/p95, its overhead over embedding the question alone, a one-question "
                                            "ask process and the answer engine's peak memory.")
    bench.add_argument("--gold", default="eval/dev.jsonl", help="questions to ask (default eval/dev.jsonl)")
    bench.add_argument("--out", default=".policy_qa/bench", help="output folder (default .policy_qa/bench)")
    bench.add_argument("--runs", type=int, default=5, help="fresh processes per figure; medians (default 5)")
    bench.add_argument("--quiet", action="store_true")
    bench.add_argument("--http", action="store_true",
                       help="instead: load the HTTP API (a real server on loopback) with concurrent clients")
    bench.add_argument("--clients", dest="client_counts", default="1,8,32", help="with --http: concurrent clients, each count in turn "
                                                           "(default 1,8,32)")
    bench.add_argument("--workers", dest="worker_counts", default="1,2", help="with --http: server workers, each count in turn (default 1,2)")
    bench.add_argument("--requests", type=int, default=2000, help="with --http: requests per client count "
                                                                  "(default 2000)")
    bench.add_argument("--unique", action="store_true",
                       help="with --http: make every question new (no cached question vectors)")
    bench.set_defaults(run=_bench)
    return parser


def _serve(args, settings: Settings) -> int:
    from chat_app.http_api.server import serve

    return serve(settings, access_log=args.access_log)


def _bench(args, settings: Settings) -> int:
    if args.http:
        from chat_app.cli.http_bench import main as http_bench

        return http_bench(args, settings)
    from chat_app.cli.benchmark import main as bench

    return bench(args, settings)


def _engine(settings: Settings):
    from chat_app.engine import AnswerEngine

    return AnswerEngine(open_searcher(settings), settings)


def _ask(args, settings: Settings) -> int:
    if (args.question is None) == (args.questions is None):
        raise PolicyQAError("ask: give either a QUESTION or --questions FILE.jsonl")
    if args.question is not None:
        check_question(args.question)
    for n, earlier in enumerate(args.history, start=1):
        check_question(earlier, f"--history {n}")
    from chat_app.engine.pipeline import RELATED_K

    engine = _engine(settings)
    docs = set(args.doc) if args.doc else None
    k = RELATED_K if args.k is None else args.k
    if args.questions is not None:
        from index.evaluation import load_questions

        for q in load_questions(args.questions):
            print(json.dumps(engine.ask(q.question, q.history, docs, k).to_json(q.id), ensure_ascii=False), flush=True)
        return 0
    answer = engine.ask(args.question, args.history, docs, k)
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False, indent=1))
    else:
        print(render(answer))
    return 0


def render(answer) -> str:
    """An answer for the terminal: the text, how the question was understood, the sources.
    Every piece goes through terminal_line: quotes and names come from the documents, which
    may hold control sequences (a window title, a cleared screen) or newlines."""
    clean = terminal_line
    lines = []
    if answer.rewritten_question != answer.question:
        lines.append(f"(understood as: {clean(answer.rewritten_question)})")
    lines.append(textwrap.fill(clean(answer.text), 100))
    if answer.note:
        lines.append(f"note: {clean(answer.note)}")
    for c in answer.citations:
        lines.append(f"[{c.n}] {clean(c.label)}")
        lines.append(textwrap.indent(textwrap.fill(f"\"{clean(c.quote)}\"", 96), "    "))
    if answer.abstained and answer.hits:
        lines.append("related passages:")
        for h in answer.hits:
            lines.append(f"  - {clean(h.chunk.citation())}: {clean(h.chunk.text)[:140]}…")
    return "\n".join(lines)


def _chat(args, settings: Settings) -> int:
    engine = _engine(settings)
    history: list[str] = []
    if hasattr(sys.stdin, "reconfigure"):  # bytes that are not UTF-8 are refused below, not a traceback
        sys.stdin.reconfigure(errors="surrogateescape")
    print("Ask about the paper (empty line or Ctrl-D to quit; 'new' starts a new conversation).")
    while True:
        try:
            question = input("> ").strip()
        except EOFError:
            print()
            return 0
        if not question:
            return 0
        if question.lower() == "new":
            history = []
            continue
        try:
            check_question(question)
        except QuestionError as error:
            fail(str(error))
            continue
        print(render(engine.ask(question, history)))
        print()
        history.append(question)


def _evaluate(args, settings: Settings) -> int:
    from chat_app.tuning.evaluation import evaluate_sets, render_sets

    engine = _engine(settings)
    paths = args.gold or [p for p in DEFAULT_GOLD if p.exists()]
    report = evaluate_sets(engine, paths)
    if args.json:
        print(json.dumps(report.to_json(), indent=1))
    else:
        print(render_sets(report))
    return 0


def _train(args, settings: Settings) -> int:
    from chat_app.tuning.training import train

    return train(args, settings)
