"""Starter questions: offered for the papers in the index, and each one answered."""

from __future__ import annotations

import pytest

from chat_app.web.starters import GENERAL_STARTERS, PAPER_STARTERS, starter_questions


@pytest.mark.parametrize("question", PAPER_STARTERS["east_asian_industrial_policy.md"] + GENERAL_STARTERS)
def test_every_starter_is_answered_with_a_citation(engine, question):
    answer = engine.ask(question)
    assert not answer.abstained and answer.citations, answer.text


def test_starters_follow_the_indexed_documents():
    assert starter_questions(["east_asian_industrial_policy.md"]) == list(
        PAPER_STARTERS["east_asian_industrial_policy.md"])[:4]
    assert starter_questions(["other.md"]) == list(GENERAL_STARTERS)
    both = starter_questions(["east_asian_industrial_policy.md", "east_asian_industrial_policy.pdf"], limit=10)
    assert len(both) == len(set(both))
