"""Plain helpers shared by the tests (fixtures live in conftest.py)."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAPER = ROOT / "corpus" / "east_asian_industrial_policy.md"
PAPER_META = PAPER.with_name(PAPER.name + ".meta.json")
PAPER_PDF_NAME = "east_asian_industrial_policy.pdf"
DEV = ROOT / "eval" / "dev.jsonl"
# A second policy report, written for the tests: it shares the paper's vocabulary (FDI, SMEs,
# linkage, kaizen, training of trainers) but is about Ethiopia's industrial parks.
SECOND_DOCUMENT = ROOT / "tests" / "fixtures" / "ethiopia_industrial_parks.md"
API_TOKEN = "test-token-0123456789abcdef"  # the HTTP API's token in the tests that change the index


def copy_paper(corpus_dir: Path) -> Path:
    """The bundled paper and its citation sidecar, copied into `corpus_dir`."""
    corpus_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy2(PAPER, corpus_dir / PAPER.name)
    shutil.copy2(PAPER_META, corpus_dir / PAPER_META.name)
    return corpus_dir / PAPER.name


def folder_digest(folder: Path) -> dict[str, str]:
    """sha256 of every file under `folder`, by relative path: equal means byte for byte equal.
    An index's writer lock is left out: it holds the pid of the last build, not index data."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(Path(folder).rglob("*")) if p.is_file() and p.name != ".lock"}


def generation_dir(index_dir: Path) -> Path:
    """The folder of the generation an index folder's CURRENT points to."""
    import json

    return Path(index_dir) / json.loads((Path(index_dir) / "CURRENT").read_text(encoding="utf-8"))["generation"]


def letters(text: str) -> str:
    """Only letters and digits, lower case: compares text across line breaks, hyphenation
    and the spacing of PDF layout extraction."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def span_ends(span: str, count: int = 8) -> tuple[str, str]:
    """The first and the last words of a chunk's text span, as they stand together on its
    page. A table row rebuilt from cells wrapped over lines ("Singapor" / "e") is not one run
    of words on the page: then only the first word of its first cell and the last word of
    its last cell are."""
    if "\t" in span:
        rows = [row.split("\t") for row in span.split("\n")]
        first = next(c for c in rows[0] if c.strip()).split()[:1]
        last = next(c for c in reversed(rows[-1]) if c.strip()).split()[-1:]
        return " ".join(first), " ".join(last)
    words = span.split()
    return " ".join(words[:count]), " ".join(words[-count:])


class CountingEmbedder:
    """The real embedder, recording what it is asked to embed; with `forbid`, refusing to."""

    def __init__(self, inner, forbid: bool = False):
        self.inner = inner
        self.name, self.dimensions = inner.name, inner.dimensions
        self.forbid = forbid
        self.texts: list[str] = []

    def embed(self, texts, batch_size: int = 32, progress: bool = False):
        if self.forbid:
            raise AssertionError(f"asked to embed {len(texts)} texts, e.g. {list(texts)[:1]}")
        self.texts += list(texts)
        return self.inner.embed(texts, batch_size=batch_size, progress=progress)


NOTES = "# Field notes\n\n## 1. Visit\n\nWe visited a supplier of auto parts in Hanoi in 2019.\n"


def cli_env(settings=None, **variables: str) -> dict[str, str]:
    """The environment of a command-line process: none of the developer's POLICY_QA_*
    variables, the project importable, and the folders of `settings` (if given)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_QA_")}
    env.update({"PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"})
    if settings is not None:
        env.update({"POLICY_QA_CORPUS_DIR": str(settings.corpus_dir), "POLICY_QA_INDEX_DIR": str(settings.index_dir),
                    "POLICY_QA_CACHE_DIR": str(settings.cache_dir)})
    env.update(variables)
    return env


def run_cli(module: str, *argv, env: dict | None = None, cwd: Path = ROOT, timeout: float = 120,
            **options) -> subprocess.CompletedProcess:
    """`python -m <module> argv...` in a real process; argv items may be bytes (not UTF-8)."""
    return subprocess.run([sys.executable, "-m", module, *argv], cwd=cwd, env=env or cli_env(),
                          capture_output=True, timeout=timeout, **options)


def add_generation(index_dir: Path) -> str:
    """Publish the current generation's data again: the index then keeps a previous
    generation that verifies, as one does after any rebuild."""
    from index.store import read_index, write_index

    return write_index(index_dir, read_index(index_dir))


def listening_addresses(port: int) -> set[str]:
    """Local addresses of the sockets listening on `port`, read from /proc/net/tcp and tcp6
    (what `ss -ltn` shows, without needing iproute2)."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        try:
            rows = open(table).read().splitlines()[1:]
        except FileNotFoundError:
            continue
        for row in rows:
            local, state = row.split()[1], row.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                # the kernel prints each 32-bit word of the address in host (little-endian) order
                words = [bytes.fromhex(address[i:i + 8])[::-1] for i in range(0, width, 8)]
                packed = b"".join(words)
                found.add(socket.inet_ntop(socket.AF_INET if width == 8 else socket.AF_INET6, packed))
    return found
