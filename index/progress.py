"""A terminal progress bar for builds (tqdm on stderr), one bar per stage."""

from __future__ import annotations

import sys


class TerminalProgress:
    def __init__(self, enabled: bool = True):
        self.enabled = enabled and sys.stderr is not None
        self._bar = None
        self._stage = None

    def __enter__(self) -> "TerminalProgress":
        return self

    def __exit__(self, *exc) -> None:
        self._close()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        if stage != self._stage:
            self._close()
            self._stage = stage
            self._bar = tqdm(total=total, desc=f"{stage:>13}", unit="", file=sys.stderr, leave=True,
                             bar_format="{desc} {bar} {n_fmt}/{total_fmt} [{elapsed}]")
        self._bar.total = total
        self._bar.n = done
        self._bar.refresh()

    def _close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
