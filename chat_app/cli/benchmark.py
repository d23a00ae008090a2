"""`python -m chat_app bench`: the index benchmark (index/benchmark.py) plus the answer rows:
warm answer latency, its overhead over embedding the question alone, a one-question `ask`
process, and the peak memory of a process holding the answer engine with the paper loaded.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from index.benchmark import (VARIANTS, BenchContext, BenchReport, _median_run, _python, percentiles, render_table,
                             run_benchmark, timed_ms, write_report)
from ingest.settings import Settings


def answer_rows(runs: int):
    def section(context: BenchContext, report: BenchReport) -> None:
        from chat_app.engine import AnswerEngine

        engine = AnswerEngine.open(context.settings)
        questions = [v + q.question for v in VARIANTS for q in context.questions]
        for question in questions[:5]:  # warm: model, first-call costs, caches of passages
            engine.ask(question)
        def ask(question: str):
            engine.searcher.clear_query_cache()  # a new question is embedded, as in use
            return engine.ask(question)

        samples = timed_ms(ask, questions)
        p50, p95 = percentiles(samples)
        report.add("answer_warm_p50_ms", "warm answer latency p50", p50, "ms", f"{len(samples)} questions")
        report.add("answer_warm_p95_ms", "warm answer latency p95", p95, "ms", f"{len(samples)} questions")
        report.add("answer_overhead", "overhead: answer p50 / question embedding", p50 / report.value("embed_question_ms"),
                   "x", "the floor is embedding the question alone")
        env = {"POLICY_QA_INDEX_DIR": context.settings.index_dir, "POLICY_QA_CACHE_DIR": context.settings.cache_dir,
               "POLICY_QA_MODEL": context.settings.model}
        asks = [_python(["-m", "chat_app", "ask", context.questions[0].question, "--json"], env) for _ in range(runs)]
        run = _median_run(asks)
        report.add("cold_ask_s", "one-question ask process", run.seconds, "s", f"median of {runs}")
        probe = _python(["-c", "from chat_app.cli.benchmark import probe_engine; probe_engine()"], env)
        report.add("engine_peak_rss_mb", "peak RSS, answer engine with the paper", probe.peak_rss_mb, "MB",
                   json.loads(probe.stdout)["detail"])

    return section


def probe_engine() -> None:
    """Run in a fresh process: load the engine as the app does and answer questions."""
    from chat_app.engine import AnswerEngine

    started = time.perf_counter()
    engine = AnswerEngine.open(Settings.load())
    questions = [json.loads(line)["question"] for line in Path("eval/dev.jsonl").read_text().splitlines() if line]
    for question in questions:
        engine.ask(question)
    print(json.dumps({"detail": f"loaded and answered {len(questions)} questions in "
                                f"{time.perf_counter() - started:.2f} s"}))


def main(args, settings: Settings) -> int:
    log = (lambda line: None) if args.quiet else (lambda line: print(f"[bench] {line}", file=sys.stderr, flush=True))
    report = run_benchmark(settings, Path(args.gold), args.runs, sections=[answer_rows(args.runs)], log=log)
    print(render_table(report))
    print(f"written: {write_report(report, Path(args.out))}")
    return 0
