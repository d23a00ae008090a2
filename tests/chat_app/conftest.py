"""Fixtures of the answer-engine tests: one engine over the paper index of the session."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def engine(paper_searcher):
    from chat_app.engine import AnswerEngine

    return AnswerEngine(paper_searcher)


@pytest.fixture(scope="session")
def paper_text() -> str:
    from tests.helpers import PAPER

    return PAPER.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def two_documents(tmp_path_factory, make_settings, embedder, paper_index):
    """An engine over the paper and a second policy report (tests/fixtures): Ethiopia's
    industrial parks, which speaks of FDI, SMEs, linkage and training of trainers too."""
    import shutil

    from chat_app.engine import AnswerEngine
    from index.builder import build_index
    from index.search import Searcher
    from tests.helpers import SECOND_DOCUMENT, copy_paper

    settings = make_settings(tmp_path_factory.mktemp("two-documents"))
    copy_paper(settings.corpus_dir)
    for path in SECOND_DOCUMENT.parent.glob(SECOND_DOCUMENT.name + "*"):
        shutil.copy2(path, settings.corpus_dir / path.name)
    build_index(settings, embedder=embedder)
    return AnswerEngine(Searcher.open(settings, embedder=embedder), settings)
