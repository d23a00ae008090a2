"""Plain helpers shared by the tests (fixtures live in conftest.py)."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAPER = ROOT / "corpus" / "east_asian_industrial_policy.md"
PAPER_META = PAPER.with_name(PAPER.name + ".meta.json")
PAPER_PDF_NAME = "east_asian_industrial_policy.pdf"
DEV = ROOT / "eval" / "dev.jsonl"


def copy_paper(corpus_dir: Path) -> Path:
    """The bundled paper and its citation sidecar, copied into `corpus_dir`."""
    corpus_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy2(PAPER, corpus_dir / PAPER.name)
    shutil.copy2(PAPER_META, corpus_dir / PAPER_META.name)
    return corpus_dir / PAPER.name


def folder_digest(folder: Path) -> dict[str, str]:
    """sha256 of every file under `folder`, by relative path: equal means byte for byte equal."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(Path(folder).rglob("*")) if p.is_file()}


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
