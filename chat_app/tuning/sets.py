"""The gold question sets in eval/, in one place: what the reader is fitted on, what it is
never fitted on, and what `python -m chat_app evaluate` reports by default. Plain paths only,
so that the command line can name them without importing the engine."""

from __future__ import annotations

from pathlib import Path

_FIT = "fit"  # the reader and the abstention model are fitted on it
_HELD_OUT = "held out"  # never fitted on: what the figures of the reader are reported on
_REPORTED = "reported"  # neither: only reported

# What the reader is fitted on: the bank's train split, the 100 questions written to teach
# abstention, the project's earlier sets (written before this reader existed), and 160
# paraphrased questions over every paragraph (train_more: written blind, as the others).
# Not train_wide (300 more, every paragraph asked twice): fitted on, it helped questions in its
# own style (train_more, left out in turn: 78 -> 84 of 125) and none of the blind sets'.
# multicell_train built the table reader, not the fitted models.
# Every set in the order it was written, so that the evaluation reports them in that order and
# the gap between what was tuned on (train) and what was not (dev, test, the blind sets) shows
# at every run. A new blind set is one line here.
_SETS = [
    ("train", _FIT), ("train_extra", _FIT), ("heldout", _FIT), ("blind", _FIT), ("followups", _FIT),
    ("dev", _HELD_OUT), ("test", _HELD_OUT), ("blind_final", _HELD_OUT),
    ("multicell_train", _REPORTED), ("multicell_test", _HELD_OUT), ("multicell_blind", _HELD_OUT),
    ("blind_fresh", _HELD_OUT), ("train_more", _FIT),
    ("blind_close", _HELD_OUT), ("blind_after", _HELD_OUT), ("blind_last", _HELD_OUT), ("blind_next", _HELD_OUT),
    ("blind_late", _HELD_OUT), ("blind_stop", _HELD_OUT), ("train_wide", _REPORTED),
    ("blind_more", _HELD_OUT), ("blind_end", _HELD_OUT), ("blind_final_stop", _HELD_OUT), ("blind_six", _HELD_OUT),
    ("blind_seven", _HELD_OUT), ("blind_eight", _HELD_OUT), ("blind_nine", _HELD_OUT), ("blind_ten", _HELD_OUT),
    ("blind_eleven", _HELD_OUT), ("blind_twelve", _HELD_OUT), ("blind_thirteen", _HELD_OUT),
    ("blind_fourteen", _HELD_OUT), ("blind_fifteen", _HELD_OUT), ("blind_sixteen", _HELD_OUT),
    ("blind_seventeen", _HELD_OUT), ("blind_eighteen", _HELD_OUT), ("blind_nineteen", _HELD_OUT),
    ("blind_twenty", _HELD_OUT), ("blind_twentyone", _HELD_OUT), ("blind_twentytwo", _HELD_OUT),
    ("blind_twentythree", _HELD_OUT), ("blind_twentyfour", _HELD_OUT), ("blind_twentyfive", _HELD_OUT),
    ("blind_twentysix", _HELD_OUT), ("blind_twentyseven", _HELD_OUT),
]


def _paths(use: str | None = None) -> list[Path]:
    return [Path(f"eval/{name}.jsonl") for name, used in _SETS if use is None or used == use]


DEFAULT_TRAIN = _paths(_FIT)
HELD_OUT = _paths(_HELD_OUT)
DEFAULT_GOLD = _paths()
DEFAULT_TEST = Path("eval/test.jsonl")
