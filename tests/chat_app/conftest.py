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
