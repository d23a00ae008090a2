"""How long a user waits: Enter pressed to the cited answer drawn, in a real browser.

A measuring script, not a test: `.venv/bin/python tests/browser_timing.py`. It serves the
bundled paper's index (building it first if there is none), loads the page until the engine
and its model are in memory, asks one question to warm up, then asks 10 different questions
in one chat session and prints each time and the p50 and p95. "Drawn" means the answer's
last source card (or its "does not say" alert) is visible; "idle" means the script run that
drew it has finished too.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.settings import Settings  # noqa: E402
from tests.helpers import ROOT  # noqa: E402
from tests.streamlit_server import IDLE, StreamlitServer, launch, open_app, server_env  # noqa: E402

WARM_UP = "Who wrote the paper?"
QUESTIONS = [
    "When was BUILD established?",
    "What is selective industrial policy?",
    "What was Vietnam's average growth rate from 1991 to 2010?",
    "What did Malaysia do to support SMEs?",
    "What is the share of manufactured exports in Vietnam's total exports?",
    "Why did Vietnam's SMEs fail to link with FDI firms?",
    "What is the manufacturing value-added of Vietnam in 2017?",
    "What are the main engines of Vietnam's transformation?",
    "What is kaizen?",
    "What is the inflation rate of Vietnam?",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    rank = q * (len(ordered) - 1)  # linear interpolation between closest ranks
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def main() -> int:
    from playwright.sync_api import sync_playwright

    settings = Settings.load()
    corpus, index, cache = (ROOT / settings.corpus_dir, ROOT / settings.index_dir, ROOT / settings.cache_dir)
    if not (index / "CURRENT").is_file():
        subprocess.run([sys.executable, "-m", "index", "build"], cwd=ROOT, check=True)
    log = Path(tempfile.mkdtemp(prefix="policy-qa-timing-")) / "streamlit.log"
    with StreamlitServer(server_env(corpus, index, cache), log) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            started = time.perf_counter()
            page = open_app(browser, url)
            print(f"page loaded with the engine in {time.perf_counter() - started:.2f} s (warm-up)")
            drawn, idle = [], []
            for question in [WARM_UP] + QUESTIONS:
                count = page.locator('[data-testid="stChatMessage"]').count()
                box = page.locator('[data-testid="stChatInputTextArea"]')
                box.fill(question)
                t0 = time.perf_counter()
                box.press("Enter")
                answer = page.locator('[data-testid="stChatMessage"]').nth(count + 1)
                answer.locator('[data-testid="stCode"], [data-testid="stAlert"]').last.wait_for(timeout=60_000)
                t1 = time.perf_counter()
                page.wait_for_selector(IDLE, timeout=60_000)
                t2 = time.perf_counter()
                if question == WARM_UP:
                    continue
                drawn.append((t1 - t0) * 1000)
                idle.append((t2 - t0) * 1000)
                print(f"{drawn[-1]:7.0f} ms drawn {idle[-1]:7.0f} ms idle  {question}")
        finally:
            browser.close()
    print(f"Enter -> answer drawn: p50 {statistics.median(drawn):.0f} ms, p95 {percentile(drawn, 0.95):.0f} ms "
          f"(min {min(drawn):.0f}, max {max(drawn):.0f}; n={len(drawn)})")
    print(f"Enter -> app idle:     p50 {statistics.median(idle):.0f} ms, p95 {percentile(idle, 0.95):.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
