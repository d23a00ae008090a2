"""Questions offered on an empty chat, so a first-time user sees what can be asked.

Each is answered (not abstained on) by the engine over its paper; tests/chat_app/
test_starters.py checks that, so a change in the engine that loses one shows up there.
"""

from __future__ import annotations

from typing import Iterable

PAPER_STARTERS: dict[str, tuple[str, ...]] = {
    "east_asian_industrial_policy.md": (
        "When was BUILD established?",
        "What is selective industrial policy?",
        "What was Vietnam's average growth rate from 1991 to 2010?",
        "What did Malaysia do to support SMEs?",
    ),
}
# The same paper uploaded as a PDF is the same paper.
PAPER_STARTERS["east_asian_industrial_policy.pdf"] = PAPER_STARTERS["east_asian_industrial_policy.md"]
GENERAL_STARTERS = ("Who wrote the paper?",)


def starter_questions(documents: Iterable[str], limit: int = 4) -> list[str]:
    """Starters for the papers in the index, then general ones, without repeats."""
    out: list[str] = []
    for doc in documents:
        out += [q for q in PAPER_STARTERS.get(doc, ()) if q not in out]
    out += [q for q in GENERAL_STARTERS if q not in out]
    return out[:limit]
