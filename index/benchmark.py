"""`python -m index bench`: how fast policy-qa is on this machine, in numbers.

Every figure that a user waits for is measured the way the user meets it: a command is a
fresh process (start-up and model load included, timed from outside, its peak RSS read
with wait4), a search inside a running app is timed warm. The corpus is indexed into a
temporary folder, so the user's own index and cache are never touched.

Other layers add their own rows without changing this module: pass `sections` to
`run_benchmark`, functions that get the built index (`BenchContext`) and the report, e.g.
from chat_app:

    def answers(context, report):
        samples = timed_ms(lambda q: engine.answer(q), [q.question for q in context.questions])
        p50, p95 = percentiles(samples)
        report.add("answer_p50_ms", "warm answer latency p50", p50, "ms")
        report.add("answer_overhead", "answer / question embedding", p50 / report.value("embed_question_ms"), "x")
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Callable, Sequence

from index.evaluation import GoldQuestion, load_questions
from ingest.atomic import write_atomically
from ingest.errors import SettingsError
from ingest.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
PROBE_QUERY = "Vendor Development Program"
# Rephrasings that make 100 distinct queries out of the dev questions: a repeated text would
# be answered from the search's embedding cache and measure nothing.
VARIANTS = ("", "In this paper, ", "According to the author, ", "Briefly: ")


@dataclass
class Row:
    key: str
    label: str
    value: float
    unit: str
    detail: str = ""


@dataclass
class BenchReport:
    machine: dict
    rows: list[Row] = field(default_factory=list)

    def add(self, key: str, label: str, value: float, unit: str, detail: str = "") -> None:
        self.rows.append(Row(key, label, float(value), unit, detail))

    def value(self, key: str) -> float:
        return next(r.value for r in self.rows if r.key == key)

    def figures(self) -> dict[str, float]:
        return {r.key: r.value for r in self.rows}

    def to_json(self) -> dict:
        return {"machine": self.machine, "figures": self.figures(), "rows": [asdict(r) for r in self.rows]}


@dataclass(frozen=True)
class BenchContext:
    """What a section may use: settings of the temporary index (built from the corpus, with
    the ONNX export in its cache) and the questions."""

    settings: Settings
    questions: list[GoldQuestion]
    work: Path


@dataclass(frozen=True)
class ProcessRun:
    seconds: float
    peak_rss_mb: float
    stdout: str
    returncode: int


Section = Callable[[BenchContext, BenchReport], None]


def run_benchmark(settings: Settings, gold: Path, runs: int = 5, sections: Sequence[Section] = (),
                  log: Callable[[str], None] = lambda line: None) -> BenchReport:
    """Measure builds, start-up, search and memory on `settings.corpus_dir` and `gold`."""
    questions = load_questions(gold)
    report = BenchReport(machine=machine_facts())
    work = Path(tempfile.mkdtemp(prefix="policy-qa-bench-"))
    try:
        index_settings = _builds(settings, work, runs, report, log)
        context = BenchContext(index_settings, questions, work)
        _models(context, runs, report, log)
        _commands(context, runs, report, log)
        _warm_search(context, report, log)
        for section in sections:
            section(context, report)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report.machine["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return report


def _builds(settings: Settings, work: Path, runs: int, report: BenchReport, log) -> Settings:
    cache = work / "cache"  # empty: the first build pays the export
    env = {"POLICY_QA_CORPUS_DIR": settings.corpus_dir, "POLICY_QA_CACHE_DIR": cache, "POLICY_QA_MODEL": settings.model}
    log("cold build, no ONNX export yet (torch embeds, then exports)")
    first = _build(env | {"POLICY_QA_INDEX_DIR": work / "index"})
    report.add("build_cold_no_export_s", "cold build, export not cached", first.seconds, "s",
               f"{_embedded(first)}; torch import + embed + ONNX export; peak {first.peak_rss_mb:.0f} MB")
    log("cold builds with the export cached (ONNX embeds)")
    cached = [_build(env | {"POLICY_QA_INDEX_DIR": work / f"index-{i}"}) for i in range(min(runs, 3))]
    best = _median_run(cached)
    report.add("build_cold_cached_s", "cold build, export cached", best.seconds, "s",
               f"median of {len(cached)}; {_embedded(best)}; no torch; peak {best.peak_rss_mb:.0f} MB")
    log("cold build with query_backend=torch (the build without the export)")
    torch_build = _build(env | {"POLICY_QA_INDEX_DIR": work / "index-torch", "POLICY_QA_QUERY_BACKEND": "torch"})
    report.add("build_cold_torch_s", "cold build, torch embedding", torch_build.seconds, "s",
               f"{_embedded(torch_build)}; peak {torch_build.peak_rss_mb:.0f} MB")
    log("rebuilds with nothing changed")
    same = [_build(env | {"POLICY_QA_INDEX_DIR": work / "index"}) for _ in range(runs)]
    report.add("build_unchanged_s", "rebuild, nothing changed", _median_run(same).seconds, "s",
               f"median of {runs}; files hashed only, no model loaded")
    edited = work / "corpus"
    shutil.copytree(settings.corpus_dir, edited)
    document = next((p for p in sorted(edited.rglob("*")) if p.suffix.lower() in (".md", ".markdown", ".txt")), None)
    if document is None:
        log("no Markdown or text file to append to: skipping the one-file-changed rebuild")
    else:
        log("rebuild after one file changed")
        edit_env = env | {"POLICY_QA_CORPUS_DIR": edited, "POLICY_QA_INDEX_DIR": work / "index-edit"}
        _build(edit_env)
        with document.open("a", encoding="utf-8") as handle:
            handle.write("\n\nA paragraph added for the benchmark: the Vendor Development Program was reviewed.\n")
        changed = _build(edit_env)
        report.add("build_one_file_changed_s", "rebuild, one file changed", changed.seconds, "s",
                   f"{_embedded(changed)} (vectors reused by text hash)")
    return Settings.load(environ={}).with_(corpus_dir=settings.corpus_dir, index_dir=work / "index",
                                           cache_dir=cache, model=settings.model, query_backend="onnx")


def _models(context: BenchContext, runs: int, report: BenchReport, log) -> None:
    questions = context.work / "questions.json"
    questions.write_text(json.dumps([q.question for q in context.questions]), encoding="utf-8")
    for backend, count in (("onnx", runs), ("torch", min(runs, 3))):
        log(f"model load, {backend} ({count} fresh processes)")
        probes = []
        for _ in range(count):
            run = _python(["-c", "from index.benchmark import probe_model; probe_model()", backend,
                           context.settings.model, str(context.settings.cache_dir), str(questions)], {})
            probes.append(json.loads(run.stdout.strip().splitlines()[-1]))
        load = statistics.median(p["load_s"] for p in probes)
        embed = statistics.median(p["embed_ms"] for p in probes)
        report.add(f"model_load_{backend}_s", f"model load, {backend}", load, "s",
                   f"import + load, median of {count} fresh processes")
        report.add(f"embed_question_{backend}_ms", f"embed one question, {backend}", embed, "ms",
                   f"warm, median over {len(context.questions)} questions")
    report.add("embed_question_ms", "embed one question (the floor)", report.value("embed_question_onnx_ms"), "ms",
               "the default path (onnx)")


def _commands(context: BenchContext, runs: int, report: BenchReport, log) -> None:
    env = {"POLICY_QA_INDEX_DIR": context.settings.index_dir, "POLICY_QA_CACHE_DIR": context.settings.cache_dir,
           "POLICY_QA_CORPUS_DIR": context.settings.corpus_dir, "POLICY_QA_MODEL": context.settings.model}
    for backend, count in (("onnx", runs), ("torch", min(runs, 3))):
        log(f"cold command start, {backend} ({count} runs)")
        starts = [_python(["-m", "index", "search", PROBE_QUERY], env | {"POLICY_QA_QUERY_BACKEND": backend})
                  for _ in range(count)]
        run = _median_run(starts)
        report.add(f"cold_search_{backend}_s", f"one-query search process, {backend}", run.seconds, "s",
                   f"median of {count}: python -m index search; peak {run.peak_rss_mb:.0f} MB")
    queries = context.work / "queries.jsonl"
    texts = [v + q.question for v in VARIANTS for q in context.questions][:100]
    queries.write_text("".join(json.dumps({"id": f"b{i}", "question": t}) + "\n" for i, t in enumerate(texts)),
                       encoding="utf-8")
    for backend in ("onnx", "torch"):
        log(f"batch search of {len(texts)} queries, {backend}")
        run = _python(["-m", "index", "search", "--queries", str(queries)], env | {"POLICY_QA_QUERY_BACKEND": backend})
        report.add(f"batch_qps_{backend}", f"batch search, {backend}", len(texts) / run.seconds, "queries/s",
                   f"{len(texts)} queries in {run.seconds:.2f} s, process start included")
        report.add(f"peak_rss_{backend}_mb", f"peak RSS, search process, {backend}", run.peak_rss_mb, "MB",
                   f"index + query embedder + {len(texts)} searches")


def _warm_search(context: BenchContext, report: BenchReport, log) -> None:
    from index.search import Searcher

    log("warm search latency")
    searcher = Searcher.open(context.settings)
    searcher.search(PROBE_QUERY)  # loads the embedder; not a warm figure
    texts = [q.question for q in context.questions]
    repeats = max(1, -(-100 // max(1, len(texts))))
    samples = []
    for _ in range(repeats):
        for text in texts:
            # The search caches question vectors (follow-ups repeat them); a warm search of a
            # new question embeds it, so the cache is emptied before each one.
            searcher.clear_query_cache()
            start = time.perf_counter()
            searcher.search(text, 10)
            samples.append((time.perf_counter() - start) * 1000)
    p50, p95 = percentiles(samples)
    detail = f"{len(samples)} hybrid searches ({repeats} x {len(texts)} dev questions), question embedded each time"
    report.add("search_warm_p50_ms", "warm search p50", p50, "ms", detail)
    report.add("search_warm_p95_ms", "warm search p95", p95, "ms", detail)


def probe_model() -> None:
    """Run in a fresh process: time import + load of one backend, then one-question embeds."""
    started = time.perf_counter()
    backend, model, cache, questions_file = sys.argv[1:5]
    if backend == "torch":
        from index.embedder import SentenceTransformerEmbedder

        embedder = SentenceTransformerEmbedder(model)
    else:
        from index.onnx_embedder import OnnxEmbedder, find_onnx_export

        embedder = OnnxEmbedder(model, find_onnx_export(model, Path(cache)))
    load = time.perf_counter() - started
    questions = json.loads(Path(questions_file).read_text(encoding="utf-8"))
    embedder.embed([questions[0]])
    print(json.dumps({"load_s": load, "embed_ms": statistics.median(timed_ms(lambda q: embedder.embed([q]), questions))}))


def timed_ms(call: Callable[[str], object], items: Sequence[str]) -> list[float]:
    samples = []
    for item in items:
        start = time.perf_counter()
        call(item)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def percentiles(samples: Sequence[float]) -> tuple[float, float]:
    """(p50, p95), nearest-rank on the sorted samples."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return statistics.median(ordered), p95


def run_process(args: list[str], env: dict[str, str], stream_stderr: bool = False) -> ProcessRun:
    """Run to the end; wall time from outside and the child's own peak RSS (wait4).
    `stream_stderr` passes the child's progress lines through instead of keeping them."""
    import subprocess

    with tempfile.TemporaryFile("w+", encoding="utf-8") as out, tempfile.TemporaryFile("w+", encoding="utf-8") as err:
        start = time.perf_counter()
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=None if stream_stderr else err)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0), err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:4])} failed ({process.returncode}): {stderr.strip()[-500:]}")
    return ProcessRun(seconds, usage.ru_maxrss / 1024, stdout, process.returncode)


def _python(args: list[str], env: dict) -> ProcessRun:
    base = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_QA_")}
    return run_process([sys.executable, *args], base | {"PYTHONPATH": str(ROOT)} | {k: str(v) for k, v in env.items()})


def _build(env: dict) -> ProcessRun:
    return _python(["-m", "index", "build", "--quiet"], env)


def _median_run(runs: list[ProcessRun]) -> ProcessRun:
    return sorted(runs, key=lambda r: r.seconds)[len(runs) // 2]


def _embedded(run: ProcessRun) -> str:
    """'embedded N texts, reused M' from the build's summary line."""
    line = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
    return line[line.find("(") + 1:line.find(";")] if "embedded" in line else "up to date"


def machine_facts() -> dict:
    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "-"

    return {"cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
            "platform": platform.platform(), "python": platform.python_version(),
            "versions": {n: version(n) for n in ("torch", "onnxruntime", "faiss-cpu", "bm25s", "numpy")},
            "load_average_before": [round(x, 2) for x in os.getloadavg()],
            "at": datetime.now(timezone.utc).isoformat(timespec="seconds")}


def render_table(report: BenchReport) -> str:
    m = report.machine
    lines = [f"policy-qa benchmark: {m['cores']} cores, python {m['python']}, load average "
             f"{m['load_average_before'][0]} before / {m.get('load_average_after', ['-'])[0]} after",
             f"{'':38} {'value':>10}  {'unit':<10} detail"]
    for r in report.rows:
        lines.append(f"{r.label:38} {r.value:10.3f}  {r.unit:<10} {r.detail}")
    return "\n".join(lines)


def write_report(report: BenchReport, out: Path, name: str = "bench.json") -> Path:
    return write_json(report.to_json(), out, name)


def write_json(value: dict, out: Path, name: str) -> Path:
    """Write atomically: a reader never sees half a file."""
    out.mkdir(parents=True, exist_ok=True)
    return write_atomically(out / name, json.dumps(value, indent=1))


def main(args, settings: Settings) -> int:
    """The `bench` command (see index/cli.py for its flags)."""
    log = (lambda line: None) if args.quiet else (lambda line: print(f"[bench] {line}", file=sys.stderr, flush=True))
    if args.scaling:
        from index.scaling import parse_sizes, run_scaling

        return run_scaling(settings, parse_sizes(args.sizes), Path(args.out), Path(args.gold), log)
    if args.runs < 1:
        raise SettingsError(f"--runs: must be at least 1, got {args.runs}")
    report = run_benchmark(settings, Path(args.gold), args.runs, log=log)
    print(render_table(report))
    print(f"written: {write_report(report, Path(args.out))}")
    return 0
