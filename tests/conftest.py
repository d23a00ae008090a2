"""Shared fixtures: one real embedding model, the paper indexed once, settings in tmp folders.

Loading the bundled model costs about 5 s and embedding the paper about 6 s, so both happen
once a session. Tests that change a corpus or an index work on a copy of the built one
(`paper_index_copy`): a rebuild then reuses every vector and embeds only new text.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable, NamedTuple

import pytest

from ingest.settings import BUNDLED_MODEL, ENV_PREFIX, Settings
from tests.helpers import DEV, PAPER, PAPER_PDF_NAME, copy_paper

MakeSettings = Callable[..., Settings]


class BuiltIndex(NamedTuple):
    settings: Settings
    report: object  # index.builder.BuildReport


@pytest.fixture(autouse=True)
def _no_policy_qa_environment(monkeypatch):
    """The developer's own POLICY_QA_* variables must not change what a test sees."""
    import os

    for name in [n for n in os.environ if n.startswith(ENV_PREFIX)]:
        monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def embedder():
    """The one real SentenceTransformerEmbedder of the session (bundled all-MiniLM-L6-v2)."""
    from index.embedder import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(BUNDLED_MODEL)


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory) -> Path:
    """The cache folder of every index the tests build: derived model files are made once."""
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(scope="session")
def make_settings(model_cache) -> MakeSettings:
    """`make_settings(root, **changes)`: defaults (no environment) with corpus_dir=root/corpus,
    index_dir=root/index and the session's cache folder; the corpus folder is created."""

    def make(root: Path, **changes) -> Settings:
        root = Path(root)
        (root / "corpus").mkdir(parents=True, exist_ok=True)
        values = {"corpus_dir": root / "corpus", "index_dir": root / "index", "cache_dir": model_cache}
        return Settings.load(environ={}).with_(**{**values, **changes})

    return make


@pytest.fixture(scope="session")
def paper_markdown() -> str:
    return PAPER.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def paper_index(tmp_path_factory, make_settings, embedder) -> BuiltIndex:
    """The paper (Markdown) indexed with the real model, real FAISS and BM25."""
    from index.builder import build_index

    settings = make_settings(tmp_path_factory.mktemp("paper"))
    copy_paper(settings.corpus_dir)
    return BuiltIndex(settings, build_index(settings, embedder=embedder))


@pytest.fixture(scope="session")
def paper_searcher(paper_index, embedder):
    from index.search import Searcher

    return Searcher.open(paper_index.settings, embedder=embedder)


@pytest.fixture(scope="session")
def paper_pdf_bytes(paper_markdown) -> bytes:
    """The paper typeset as a journal PDF: running header, page numbers, hyphenation, labels 71+."""
    from tests.pdf_fixtures import paper_pdf

    return paper_pdf(paper_markdown)


@pytest.fixture(scope="session")
def pdf_index(tmp_path_factory, make_settings, embedder, paper_pdf_bytes) -> BuiltIndex:
    """The PDF of the paper indexed with the real model."""
    from index.builder import build_index

    settings = make_settings(tmp_path_factory.mktemp("paper-pdf"))
    (settings.corpus_dir / PAPER_PDF_NAME).write_bytes(paper_pdf_bytes)
    return BuiltIndex(settings, build_index(settings, embedder=embedder))


@pytest.fixture(scope="session")
def pdf_searcher(pdf_index, embedder):
    from index.search import Searcher

    return Searcher.open(pdf_index.settings, embedder=embedder)


@pytest.fixture
def paper_index_copy(tmp_path, paper_index, make_settings) -> Settings:
    """Settings of a private copy of the built paper index and its corpus, to change freely."""
    settings = make_settings(tmp_path)
    shutil.copytree(paper_index.settings.corpus_dir, settings.corpus_dir, dirs_exist_ok=True)
    shutil.copytree(paper_index.settings.index_dir, settings.index_dir)
    return settings


@pytest.fixture(scope="session")
def dev_questions():
    from index.evaluation import load_questions

    return load_questions(DEV, require_gold=True)


HOSTILE_SENTENCE = "The Hanoi brake pad supplier \x1b]0;PWNED\x07\x1b[2J sells to two Japanese assemblers."


@pytest.fixture
def hostile_index(paper_index_copy, embedder) -> Settings:
    """The paper and a document whose text holds terminal control sequences (a new window
    title, a cleared screen), under the loader's 1% binary threshold: indexed as text."""
    from index.builder import build_index

    filler = "Supporting industries in Vietnam need skilled workers and patient policy. " * 12
    (paper_index_copy.corpus_dir / "hostile.md").write_text(
        f"# Supplier visit\n\n{filler}\n\n{HOSTILE_SENTENCE}\n", encoding="utf-8")
    report = build_index(paper_index_copy, embedder=embedder)
    assert "hostile.md" in report.files, report.rejected
    return paper_index_copy
