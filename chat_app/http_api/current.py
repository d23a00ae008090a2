"""The index a request reads: one answer engine per index generation, replaced when a build
publishes a new one, so that a server picks up a rebuild without a restart.

A build writes a whole new generation and then replaces the CURRENT pointer in one step
(index.generations). Each request looks at CURRENT (one stat; read only when it changed); a
new generation is loaded whole, as every reader loads one, before any request uses it. A
request holds the engine it started with, so it never sees two builds mixed, and never a
half-built one.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from chat_app.engine import AnswerEngine
from index.generations import POINTER, pointer_or_none
from index.search import Searcher
from ingest.settings import Settings


@dataclass(frozen=True)
class Loaded:
    engine: AnswerEngine
    generation: str
    # One request at a time answers with an engine. Its Python work holds the GIL anyway, and
    # the parts it shares between calls (the searcher's cache of question vectors, PyStemmer's
    # stemmer, which its authors say is not thread-safe) are then safe. Throughput comes from
    # worker processes (`serve --workers`), each with its own engine.
    lock: threading.Lock = field(default_factory=threading.Lock, compare=False)

    @property
    def manifest(self) -> dict:
        return self.engine.searcher.data.manifest


class CurrentIndex:
    def __init__(self, settings: Settings):
        self.settings = settings
        self._pointer = Path(settings.index_dir) / POINTER
        self._loaded: Loaded | None = None
        self._stamp: tuple | None = None  # CURRENT's inode and time when _loaded was checked
        self._embedder = None  # the question model, kept across generations (same model)
        self._loading = threading.Lock()

    def get(self) -> Loaded:
        """The engine of the current generation; loads it when CURRENT has changed. Raises
        IndexNotFoundError or IndexMismatchError (damaged, another model) when there is no
        usable index."""
        stamp = _stamp(self._pointer)
        loaded = self._loaded
        if loaded is not None and stamp == self._stamp:
            return loaded
        with self._loading:  # one thread loads; the others wait for it, then take its engine
            if self._loaded is not None and stamp == self._stamp:
                return self._loaded
            pointer = pointer_or_none(self._pointer.parent)
            if self._loaded is not None and pointer is not None and pointer.generation == self._loaded.generation:
                self._stamp = stamp  # CURRENT was touched, not moved to another build
                return self._loaded
            searcher = Searcher.open(self.settings, embedder=self._embedder)
            generation = searcher.data.manifest["generation"]
            if self._loaded is None or self._loaded.generation != generation:
                if self._embedder is None:
                    self._embedder = searcher.embedder
                    self._embedder.embed(["warm up"])  # the first call of a model is slow; pay it here
                self._loaded = Loaded(AnswerEngine(searcher, self.settings), generation)
            # The stamp read before opening: had CURRENT moved on meanwhile, the next request
            # sees another stamp and looks again.
            self._stamp = stamp
            return self._loaded

    @property
    def embedder(self):
        """The question model, once an index was loaded: a rebuild embeds new text with it."""
        return self._embedder


def _stamp(pointer: Path) -> tuple | None:
    """What changes when a build replaces CURRENT (os.replace gives it a new inode)."""
    try:
        status = os.stat(pointer)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return status.st_ino, status.st_mtime_ns, status.st_size
