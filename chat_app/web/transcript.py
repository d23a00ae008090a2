"""A chat session as records, and as Markdown with its citations for "download conversation"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

from chat_app.records import Answer


@dataclass(frozen=True)
class Turn:
    question: str  # as the user typed it
    answer: Answer


def history(turns: Sequence[Turn]) -> list[str]:
    """What `AnswerEngine.ask` takes as history: the earlier questions, oldest first."""
    return [turn.question for turn in turns]


def to_markdown(turns: Sequence[Turn], title: str = "policy-qa conversation",
                when: datetime | None = None) -> str:
    """The conversation as Markdown: each question, how it was understood, the answer with
    its [n] markers, and under it each source's citation and exact quote. Quotes stand in
    block quotes exactly as they are in the document, so they can be pasted into a memo."""
    when = when or datetime.now()
    lines = [f"# {title}", "", f"_Saved {when.strftime('%Y-%m-%d %H:%M')}_", ""]
    for number, turn in enumerate(turns, start=1):
        answer = turn.answer
        lines += [f"## {number}. {_one_line(turn.question)}", ""]
        if answer.rewritten_question and answer.rewritten_question != answer.question:
            lines += [f"_Understood as: {_one_line(answer.rewritten_question)}_", ""]
        lines += [answer.text, ""]
        if answer.note:
            lines += [f"_Note: {answer.note}_", ""]
        if answer.citations:
            lines += ["**Sources**", ""]
            for citation in answer.citations:
                lines.append(f"[{citation.n}] {citation.label}")
                lines += _block_quote(citation.quote) + [""]
        elif answer.abstained and answer.hits:
            lines += ["**Related passages**", ""]
            for hit in answer.hits:
                lines.append(f"- {hit.chunk.citation()}")
            lines.append("")
    if not turns:
        lines += ["(no questions yet)", ""]
    return "\n".join(lines).rstrip() + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _block_quote(text: str) -> list[str]:
    return ["> " + line if line.strip() else ">" for line in text.strip().split("\n")]
