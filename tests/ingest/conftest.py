"""Fixtures of the ingest tests: the PDF worker's process ids, and whether a group is gone."""

from __future__ import annotations

import os
import time

import pytest

from ingest import bounded


@pytest.fixture
def worker_pids(monkeypatch) -> list[int]:
    """The ids of the PDF workers started during the test (each leads its process group);
    the test starts with no worker running."""
    pids: list[int] = []
    start = bounded._WORKER._start

    def recording_start():
        start()
        pids.append(bounded._WORKER.process.pid)

    bounded._WORKER.stop()
    monkeypatch.setattr(bounded._WORKER, "_start", recording_start)
    return pids


def group_gone(pgid: int, wait: float = 5.0) -> bool:
    """True once no process of the group is left (init reaps an orphaned Tesseract soon after
    its worker is killed)."""
    deadline = time.monotonic() + wait
    while True:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
