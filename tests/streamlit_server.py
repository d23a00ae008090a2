"""The real app in a real browser: a `streamlit run` server in its own process group, and
headless Debian Chromium driven by Playwright. Shared by tests/chat_app/test_browser.py and
tests/browser_timing.py (see /work/shared/RECIPES.md for why each setting is what it is).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from chat_app.cli.server_process import ServerProcess, free_port
from tests.helpers import ROOT

CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright's own browser download does not work here
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = ROOT / "test-output" / "screenshots"

IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
CHAT_INPUT = '[data-testid="stChatInputTextArea"]'
MESSAGE = '[data-testid="stChatMessage"]'
# What an answer ends with once drawn: a citation's copy block, or the "does not say" alert
# (the first copy block of a card is inside its closed expander: the last one is visible).
ANSWER_DRAWN = '[data-testid="stCode"], [data-testid="stAlert"]'


class StreamlitServer(ServerProcess):
    """`with StreamlitServer(env) as url:` runs chat_app/web/app.py until the block ends."""

    def __init__(self, env: dict[str, str], log: Path, startup_timeout: float = 90.0,
                 command: list[str] | None = None):
        """`command` starts the server some other way (`make run`, streamlit without an
        address); "{port}" in it is replaced by the free port chosen here."""
        command = command or [
            sys.executable, "-m", "streamlit", "run", "chat_app/web/app.py", "--server.headless", "true",
            "--server.address", "127.0.0.1", "--server.port", "{port}", "--browser.gatherUsageStats", "false"]
        super().__init__(command, free_port(), "/_stcore/health", env, log, startup_timeout)


def server_env(corpus_dir: Path, index_dir: Path, cache_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_QA_")}
    env.update({"POLICY_QA_CORPUS_DIR": str(corpus_dir), "POLICY_QA_INDEX_DIR": str(index_dir),
                "POLICY_QA_CACHE_DIR": str(cache_dir), "PYTHONUNBUFFERED": "1"})
    return env


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def open_app(browser, url: str, width: int = 1100, height: int = 900, timeout_ms: int = 90_000):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(url)
    page.wait_for_selector(CHAT_INPUT, timeout=timeout_ms)  # the engine is loaded: the chat is drawn
    page.wait_for_selector(IDLE, timeout=timeout_ms)
    return page


def press_question(page, question: str) -> int:
    """Type a question and press Enter; returns how many messages there were before."""
    before = page.locator(MESSAGE).count()
    box = page.locator(CHAT_INPUT)
    box.fill(question)
    box.press("Enter")
    return before


def wait_for_answer(page, before: int, timeout_ms: int = 60_000):
    """The new assistant message once its answer is drawn, and the app idle again. After
    Enter the app may still say "notRunning" from the last run: wait for the message first."""
    answer = page.locator(MESSAGE).nth(before + 1)
    answer.locator(ANSWER_DRAWN).last.wait_for(timeout=timeout_ms)
    page.wait_for_selector(IDLE, timeout=timeout_ms)
    return answer
