"""`python -m chat_app bench --http`: the HTTP API under load, measured (not a test).

For each worker count, a real `python -m chat_app serve --workers N` starts on 127.0.0.1 and a
free port; once every worker has loaded the index, N concurrent clients (httpx2, one
connection each, kept alive) send a fixed number of POST /v1/ask, together, for each client
count. Questions are the gold file's, in turn: as asked (the question-vector cache of each
worker then holds them after the first round, as it does for questions people repeat), or with
--unique each one made new by a numbered lead-in, so every request embeds its question.
Reports answers per second, p50/p95/p99 latency, errors (anything but 200), the server's
memory summed over its processes (RSS, and PSS that counts shared pages once) and the CPU the
client itself took from the same cores; writes http.json to --out. Traffic goes to loopback only, and the run ends by itself.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from chat_app.cli.server_process import ServerProcess, free_port
from index.benchmark import machine_facts, write_json
from ingest.errors import PolicyQAError
from ingest.settings import ENV_PREFIX, Settings

ARRIVAL_GAP = 0.005  # seconds between the first requests of two clients
STARTED = "Application startup complete."  # uvicorn's line once a worker has run the app's startup


@dataclass(frozen=True)
class LoadResult:
    workers: int
    clients: int
    requests: int
    seconds: float
    answers_per_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    rss_mb: float
    pss_mb: float
    client_cpu: float  # share of one core the load client itself used: the server had the rest


def parse_counts(text: str, flag: str) -> list[int]:
    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        counts = []
    if not counts or min(counts) < 1:
        raise PolicyQAError(f"{flag}: give whole numbers from 1 up, separated by commas (e.g. 1,8,32), got {text!r}")
    return counts


def main(args, settings: Settings) -> int:
    from index.evaluation import load_questions

    clients, workers = parse_counts(args.client_counts, "--clients"), parse_counts(args.worker_counts, "--workers")
    if args.requests < 1:
        raise PolicyQAError(f"--requests: must be at least 1, got {args.requests}")
    questions = load_questions(Path(args.gold))
    bodies = [{"question": q.question, "history": list(q.history)} for q in questions]
    results = []
    for count in workers:
        results += _run_server(settings, count, clients, args.requests, bodies, args.unique, Path(args.out))
    print(render(results, len(bodies), args.unique))
    report = {"machine": machine_facts(), "gold": str(args.gold), "unique": args.unique,
              "results": [asdict(r) for r in results]}
    print(f"written: {write_json(report, Path(args.out), 'http.json')}")
    return 0


def _run_server(settings: Settings, workers: int, clients: list[int], requests: int, bodies: list[dict],
                unique: bool, out: Path) -> list[LoadResult]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)} | settings.to_environ()
    log = out / f"serve-{workers}.log"
    command = [sys.executable, "-m", "chat_app", "serve", "--host", "127.0.0.1", "--port", "{port}",
               "--workers", str(workers)]
    print(f"[bench] {workers} worker(s) on 127.0.0.1:{port}", file=sys.stderr, flush=True)
    server = ServerProcess(command, port, "/readyz", env, log)
    with server as url:
        _wait_for_workers(log, workers)
        asyncio.run(drive(url, bodies, 8, 4 * len(bodies), unique, offset=10**6))  # warm every worker
        results = []
        for count in clients:
            print(f"[bench]   {count} client(s), {requests} requests", file=sys.stderr, flush=True)
            cpu = time.process_time()
            seconds, latencies, errors = asyncio.run(drive(url, bodies, count, requests, unique))
            cpu = time.process_time() - cpu
            rss, pss = server.memory_mb()
            results.append(_result(workers, count, requests, seconds, latencies, errors, rss, pss, cpu / seconds))
    return results


def _wait_for_workers(log: Path, workers: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while log.read_text(errors="replace").count(STARTED) < workers:
        if time.monotonic() > deadline:
            raise PolicyQAError(f"{log}: not all {workers} workers started in {timeout:.0f} s")
        time.sleep(0.2)


async def drive(url: str, bodies: list[dict], clients: int, requests: int, unique: bool,
                offset: int = 0) -> tuple[float, list[float], int]:
    """`requests` POST /v1/ask from `clients` concurrent clients: wall seconds, the latency of
    each request in ms, and how many did not answer 200."""
    import httpx2

    numbers = itertools.count()
    latencies: list[float] = []
    errors = 0

    async def client(session, position: int) -> None:
        nonlocal errors
        # Clients arrive a few ms apart, as people do. Arriving in the same instant, all their
        # connections are accepted by whichever worker wakes first (asyncio accepts every
        # pending one at once), and keep-alive keeps them there: one worker does the work of two.
        await asyncio.sleep(position * ARRIVAL_GAP)
        while (n := next(numbers)) < requests:
            body = bodies[n % len(bodies)]
            if unique:  # a question never asked before: its embedding is not in any cache
                body = {**body, "question": f"Question {offset + n}: {body['question']}"}
            started = time.perf_counter()
            try:
                response = await session.post("/v1/ask", json=body)
                failed = response.status_code != 200
            except httpx2.HTTPError:
                failed = True
            latencies.append((time.perf_counter() - started) * 1000)
            errors += failed

    limits = httpx2.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx2.AsyncClient(base_url=url, limits=limits, timeout=60) as session:
        started = time.perf_counter()
        await asyncio.gather(*(client(session, position) for position in range(clients)))
        seconds = time.perf_counter() - started
    return seconds, latencies, errors


def _result(workers: int, clients: int, requests: int, seconds: float, latencies: list[float], errors: int,
            rss: float, pss: float, client_cpu: float) -> LoadResult:
    ordered = sorted(latencies)

    def at(share: float) -> float:
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    return LoadResult(workers, clients, requests, round(seconds, 3), round(requests / seconds, 1), round(at(0.50), 2),
                      round(at(0.95), 2), round(at(0.99), 2), errors, round(rss, 1), round(pss, 1), round(client_cpu, 2))


def render(results: list[LoadResult], questions: int, unique: bool) -> str:
    mix = "each request a new question (--unique)" if unique else f"{questions} questions asked in turn"
    lines = [f"POST /v1/ask on loopback, {mix}",
             f"{'workers':>7} {'clients':>7} {'requests':>8} {'answers/s':>9} {'p50 ms':>7} {'p95 ms':>7} "
             f"{'p99 ms':>7} {'errors':>6} {'RSS MB':>7} {'PSS MB':>7} {'client CPU':>10}"]
    for r in results:
        lines.append(f"{r.workers:>7} {r.clients:>7} {r.requests:>8} {r.answers_per_s:>9.1f} {r.p50_ms:>7.1f} "
                     f"{r.p95_ms:>7.1f} {r.p99_ms:>7.1f} {r.errors:>6} {r.rss_mb:>7.0f} {r.pss_mb:>7.0f} "
                     f"{r.client_cpu:>9.0%}")
    return "\n".join(lines)
