"""The conversation as Markdown, with each answer's citations and exact quotes."""

from __future__ import annotations

from datetime import datetime

from chat_app.web.transcript import Turn, history, to_markdown

WHEN = datetime(2026, 1, 2, 3, 4)


def test_history_is_the_earlier_questions_oldest_first(engine):
    turns = [Turn("When was BUILD established?", engine.ask("When was BUILD established?")),
             Turn("And in Malaysia?", engine.ask("And in Malaysia?", ["When was BUILD established?"]))]
    assert history(turns) == ["When was BUILD established?", "And in Malaysia?"]
    assert history([]) == []


def test_markdown_has_questions_answers_citations_and_quotes(engine):
    first = engine.ask("When was BUILD established?")
    follow = engine.ask("And what about Malaysia?", ["When was BUILD established?"])
    silent = engine.ask("What is the inflation rate of Vietnam?")
    text = to_markdown([Turn(first.question, first), Turn("And what about Malaysia?", follow),
                        Turn(silent.question, silent)], when=WHEN)
    assert text.startswith("# policy-qa conversation\n\n_Saved 2026-01-02 03:04_\n")
    assert "## 1. When was BUILD established?" in text
    assert first.text in text
    citation = first.citations[0]
    assert f"[1] {citation.label}" in text
    assert "> " + citation.quote.split("\n")[0] in text  # the exact quote, as a block quote
    assert f"_Understood as: {follow.rewritten_question}_" in text
    assert "## 3. What is the inflation rate of Vietnam?" in text and "The paper does not say." in text
    assert "**Related passages**" in text and f"- {silent.hits[0].chunk.citation()}" in text


def test_an_empty_conversation_says_so():
    assert "(no questions yet)" in to_markdown([], when=WHEN)
