"""`python -m index ...`: build, search, chunks, verify and evaluate from the command line.

The command names, flags and JSON fields are a contract that evaluation scripts rely on.
Every failure ends as one line on stderr and exit code 1, never a traceback; Ctrl-C exits
130 and SIGTERM 143, quietly, after the same clean-up as any other failure.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import textwrap
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from index.hygiene import check_question, display_name, one_line, terminal_line
from ingest.errors import InputFileError, NothingIndexedError, PolicyQAError
from ingest.settings import Settings

DEFAULT_GOLD = Path("eval/dev.jsonl")


class Terminated(BaseException):
    """SIGTERM, raised where the program stands so that `finally` blocks clean up (a build's
    staging folder) as they do for Ctrl-C. A BaseException: `except Exception` must not
    swallow it."""


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return run_command(args, {"corpus_dir": getattr(args, "corpus", None), "index_dir": args.index,
                              "model": args.model})


def run_command(args: argparse.Namespace, overrides: dict, flags: dict[str, str] | None = None) -> int:
    """The edge of every command line: settings from flags (`overrides`, None = not given;
    `flags`: a field's flag when it is not --<field>) and environment, then the command.
    Whatever goes wrong ends here as one line on stderr."""
    if hasattr(sys.stdout, "reconfigure"):  # a terminal that cannot show a character gets \u escapes
        sys.stdout.reconfigure(errors="backslashreplace")
    with _terminate_quietly():
        try:
            return args.run(args, Settings.load(overrides, flags=flags))
        except PolicyQAError as error:
            return fail(str(error))
        except KeyboardInterrupt:
            _exit_quietly()
            return 130
        except Terminated:
            _exit_quietly()
            return 143
        except BrokenPipeError:  # `... | head`: the reader has all it wants
            _discard_stdout()
            return 0
        except OSError as error:  # the disk, permissions: the user's to fix, named in one line
            where = f"{error.filename}: " if error.filename else ""
            return fail(f"{where}{error.strerror or error}")
        except Exception as error:  # a bug; still one line, and it says so
            return fail(f"unexpected {type(error).__name__}: {error} (this is a bug in policy-qa; "
                        "please report it with the command that caused it)")


class Parser(argparse.ArgumentParser):
    """argparse, but a bad flag or value is one line that names it, not the whole usage block
    above it (`-k abc`: "python -m index search: error: argument -k: invalid int value: 'abc'
    (see python -m index search --help)"). Subcommands inherit the class."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _exit_quietly() -> None:
    """An interrupted command is about to exit: objects the interrupt left half made (a progress
    bar stopped mid-refresh) may complain as they are collected ("Exception ignored in ...",
    with a traceback). The user stopped the command; those lines are not for them."""
    sys.unraisablehook = lambda unraisable: None


def fail(message: str) -> int:
    print(f"error: {one_line(message)}", file=sys.stderr)
    return 1


def warn(message: str) -> None:
    print(one_line(message), file=sys.stderr)


@contextmanager
def _terminate_quietly() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers belong to the main thread
        return

    def terminated(signum, frame):
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _discard_stdout() -> None:
    """Point stdout at /dev/null: Python's flush at exit would otherwise meet the closed pipe
    again and print "Exception ignored ... BrokenPipeError"."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):  # not a real file (a test's captured stdout)
        pass


def _parser() -> argparse.ArgumentParser:
    parser = Parser(prog="python -m index", description="Build and search the policy-qa index.")
    common = Parser(add_help=False)
    common.add_argument("--index", type=Path, help="index folder (default: $POLICY_QA_INDEX_DIR or .policy_qa/index)")
    common.add_argument("--model", help="embedding model (default: $POLICY_QA_MODEL or the bundled all-MiniLM-L6-v2)")
    commands = parser.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", parents=[common], help="index the corpus folder")
    build.add_argument("--corpus", type=Path, help="corpus folder (default: $POLICY_QA_CORPUS_DIR or corpus/)")
    build.add_argument("--quiet", action="store_true", help="no progress bar")
    build.set_defaults(run=_build)

    search = commands.add_parser("search", parents=[common], help="ranked passages for a query")
    search.add_argument("query", nargs="?", help="the query (or use --queries)")
    search.add_argument("-k", type=int, default=None, help="passages per query (default 5; 10 with --queries)")
    search.add_argument("--json", action="store_true", help="print a JSON array of hits")
    search.add_argument("--queries", type=Path, help="JSONL file of {id, question} objects")
    search.add_argument("--format", choices=("jsonl", "trec"), default="jsonl", help="output of --queries")
    search.add_argument("--mode", choices=("hybrid", "dense", "keyword"), default="hybrid")
    search.add_argument("--doc", action="append", metavar="NAME",
                        help="search this document only (repeatable; names as `python -m index chunks` shows them)")
    search.set_defaults(run=_search)

    chunks = commands.add_parser("chunks", parents=[common], help="every chunk record as JSONL")
    chunks.set_defaults(run=_chunks)

    verify = commands.add_parser("verify", parents=[common],
                                 help="check every file of the index against its manifest (sha256)")
    verify.set_defaults(run=_verify)

    evaluate = commands.add_parser("evaluate", parents=[common], help="retrieval metrics on a gold set")
    evaluate.add_argument("--gold", type=Path, default=DEFAULT_GOLD, help=f"gold questions (default {DEFAULT_GOLD})")
    evaluate.add_argument("--json", action="store_true")
    evaluate.set_defaults(run=_evaluate)

    bench = commands.add_parser(
        "bench", help="measure builds, start-up, search latency and memory (not a test)",
        formatter_class=argparse.RawDescriptionHelpFormatter, description=textwrap.dedent("""\
        Index the corpus into a temporary folder and measure, in fresh processes: cold builds
        (ONNX export cached or not, torch), rebuilds (nothing changed, one file changed), model
        load (torch, onnx), a one-query `search` process, batch search of 100 queries, peak RSS;
        and in this process: warm search p50/p95 over the gold questions and the time to embed
        one question. Prints a table and writes bench.json to --out.
        With --scaling instead: synthetic corpora of --sizes chunks (vectors around the paper's
        real ones, text recombined from its sentences): build time, disk size, dense/BM25/fused
        latency, RSS, HNSW recall@10 vs exact search with efSearch tuned to >= 0.95;
        writes scaling.json and scaling.png. The 1M size takes about 8 min and 6 GB on 2 cores."""))
    bench.add_argument("--corpus", type=Path, help="corpus folder (default: $POLICY_QA_CORPUS_DIR or corpus/)")
    bench.add_argument("--model", help="embedding model (default: $POLICY_QA_MODEL or the bundled all-MiniLM-L6-v2)")
    bench.add_argument("--gold", type=Path, default=DEFAULT_GOLD, help=f"questions to search (default {DEFAULT_GOLD})")
    bench.add_argument("--out", type=Path, default=Path(".policy_qa/bench"), help="output folder (default .policy_qa/bench)")
    bench.add_argument("--runs", type=int, default=5, help="fresh processes per cheap figure; medians (default 5)")
    bench.add_argument("--scaling", action="store_true", help="run the synthetic scaling study instead")
    bench.add_argument("--sizes", default="1000,10000,100000,1000000", help="chunk counts for --scaling")
    bench.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    bench.set_defaults(run=_bench, index=None)
    return parser


def _bench(args, settings: Settings) -> int:
    from index.benchmark import main as bench_main

    return bench_main(args, settings)


def _build(args, settings: Settings) -> int:
    from index.builder import build_index
    from index.progress import TerminalProgress

    try:
        with TerminalProgress(enabled=not args.quiet) as progress:
            report = build_index(settings, progress, on_wait=warn)
    except NothingIndexedError as error:
        # The error line only counts the rejected files; say why each one was refused.
        for rejected in error.rejected:
            warn(str(rejected))
        raise
    if report.damaged:
        warn(f"warning: {report.damaged}; it was built again from the corpus")
    for rejected in report.rejected:
        warn(str(rejected))
    files = f"{len(report.files)} file{'s' if len(report.files) != 1 else ''}"
    if report.up_to_date:
        print(f"index up to date: {files}, {report.chunks} chunks ({report.seconds:.2f} s) -> {report.index_dir}")
    else:
        print(f"indexed {files}, {report.chunks} chunks, {report.sentences} sentences in {report.seconds:.2f} s "
              f"(embedded {report.embedded} texts, reused {report.reused_vectors}; "
              f"{len(report.rejected)} file{'s' if len(report.rejected) != 1 else ''} rejected) -> {report.index_dir}")
    return report.exit_code


def open_searcher(settings: Settings):
    """The index for a command, with a warning line when the corpus changed since its build."""
    from index.search import Searcher

    searcher = Searcher.open(settings)
    status = searcher.corpus_status()
    if status.stale:
        rebuild = "python -m index build"
        if searcher.corpus_dir.resolve() != Path(settings.corpus_dir).resolve():  # built with --corpus
            rebuild += f" --corpus {searcher.corpus_dir}"
        warn(f"warning: {status.describe(rebuild)}")
    return searcher


def _search(args, settings: Settings) -> int:
    if (args.query is None) == (args.queries is None):
        raise PolicyQAError("search: give either a QUERY or --queries FILE.jsonl")
    if args.k is not None and args.k < 1:
        raise PolicyQAError(f"-k: must be at least 1, got {args.k}")
    if args.query is not None:
        check_question(args.query, "the query")  # "" ranked five arbitrary passages
    from index.search import check_documents

    searcher = open_searcher(settings)
    docs = check_documents(args.doc, searcher.documents)
    if args.queries is not None:
        from index.evaluation import load_questions

        k = args.k or 10
        questions = load_questions(args.queries)
        if args.format == "trec":
            # A run line is six fields split on whitespace: an id with a space in it would
            # shift every field after it and trec_eval would misread the whole run.
            spaced = next((q.id for q in questions if len(q.id.split()) != 1), None)
            if spaced is not None:
                raise InputFileError(f"{args.queries}: id {spaced!r} contains whitespace, "
                                     "which --format trec cannot write; use ids without spaces")
        for question in questions:
            hits = searcher.search(question.question, k, mode=args.mode, docs=docs)
            if args.format == "trec":
                for hit in hits:
                    print(f"{question.id} Q0 {hit.chunk.id} {hit.rank} {hit.score:.6f} policy-qa-{args.mode}")
            else:
                print(json.dumps({"id": question.id, "hits": [h.to_json() for h in hits]}, ensure_ascii=False))
        return 0
    hits = searcher.search(args.query, args.k or settings.top_k, mode=args.mode, docs=docs)
    if args.json:
        print(json.dumps([h.to_json() for h in hits], ensure_ascii=False, indent=1))
        return 0
    if not hits:
        print("no passages found")
    for hit in hits:
        # Document text and names may hold terminal control sequences: shown without them.
        c = hit.chunk
        where = " · ".join(x for x in (display_name(c.doc), terminal_line(c.section),
                                       f"p. {terminal_line(c.page_label)}" if c.page_label else "") if x)
        print(f"{hit.rank}. [{hit.score:.4f}] {where}")
        print(textwrap.indent(textwrap.fill(terminal_line(c.text), 100), "   "))
        print()
    return 0


def _chunks(args, settings: Settings) -> int:
    from index.store import read_index

    for chunk in read_index(settings.index_dir, load_models=False).chunks:
        print(json.dumps(chunk.to_json(), ensure_ascii=False))
    return 0


def _verify(args, settings: Settings) -> int:
    from index.store import verify_index

    manifest = verify_index(settings.index_dir)
    print(f"index ok: {manifest['generation']}, {len(manifest['index_files']) + 1} files match the manifest "
          f"(sha256) -> {settings.index_dir}")
    return 0


def _evaluate(args, settings: Settings) -> int:
    from index.evaluation import load_questions, score_modes

    searcher = open_searcher(settings)
    questions = load_questions(args.gold, require_gold=True)
    rows = score_modes(searcher, questions)
    if args.json:
        print(json.dumps({"gold": str(args.gold), "questions": len(questions),
                          "retrieval": [r.to_json() for r in rows]}, indent=1))
        return 0
    print(render_retrieval_table(rows, questions, len(questions)))
    return 0


def render_retrieval_table(rows, questions, count: int) -> str:
    lines = [f"retrieval on {count} questions ({sum(q.answerable for q in questions)} answerable)",
             f"{'':8} {'R@1':>6} {'R@5':>6} {'R@10':>6} {'MRR@10':>7} {'nDCG@10':>8}"]
    for r in rows:
        lines.append(f"{r.name:8} {r.recall[1]:6.3f} {r.recall[5]:6.3f} {r.recall[10]:6.3f} {r.mrr10:7.3f} {r.ndcg10:8.3f}")
    by_id = {q.id: q for q in questions}
    misses = [(qid, rank) for qid, rank in rows[0].ranks.items() if rank != 1]
    lines.append("misses of hybrid (first relevant passage not ranked first):" if misses else "misses: none")
    for qid, rank in misses:
        lines.append(f"  {qid} rank {rank if rank else '>10'}: {terminal_line(by_id[qid].question)}")
    return "\n".join(lines)
