"""The gold question sets in eval/, in one place: what the reader is fitted on, what it is
never fitted on, and what `python -m chat_app evaluate` reports by default. Plain paths only,
so that the command line can name them without importing the engine."""

from __future__ import annotations

from pathlib import Path

# What the reader is fitted on: the bank's train split, the 100 questions written to teach
# abstention, the project's earlier sets (written before this reader existed), and 160
# paraphrased questions over every paragraph (train_more: written blind, as the others).
# Not train_wide (300 more, every paragraph asked twice): fitted on, it helped questions in its
# own style (train_more, left out in turn: 78 -> 84 of 125) and none of the blind sets'.
DEFAULT_TRAIN = [Path("eval/train.jsonl"), Path("eval/train_extra.jsonl"), Path("eval/heldout.jsonl"),
                 Path("eval/blind.jsonl"), Path("eval/followups.jsonl"), Path("eval/train_more.jsonl")]
# Never fitted on: what the figures of the reader are reported on.
HELD_OUT = [Path("eval/dev.jsonl"), Path("eval/test.jsonl"), Path("eval/blind_final.jsonl"),
            Path("eval/multicell_test.jsonl"), Path("eval/multicell_blind.jsonl"), Path("eval/blind_fresh.jsonl"),
            Path("eval/blind_close.jsonl"), Path("eval/blind_after.jsonl"), Path("eval/blind_last.jsonl"),
            Path("eval/blind_next.jsonl"), Path("eval/blind_late.jsonl"),
            Path("eval/blind_stop.jsonl"), Path("eval/blind_more.jsonl"), Path("eval/blind_end.jsonl"),
            Path("eval/blind_final_stop.jsonl"), Path("eval/blind_six.jsonl"),
            Path("eval/blind_seven.jsonl"), Path("eval/blind_eight.jsonl"), Path("eval/blind_nine.jsonl"),
            Path("eval/blind_ten.jsonl"), Path("eval/blind_eleven.jsonl"), Path("eval/blind_twelve.jsonl"),
            Path("eval/blind_thirteen.jsonl"), Path("eval/blind_fourteen.jsonl"), Path("eval/blind_fifteen.jsonl"),
            Path("eval/blind_sixteen.jsonl"), Path("eval/blind_seventeen.jsonl"), Path("eval/blind_eighteen.jsonl"),
            Path("eval/blind_nineteen.jsonl"), Path("eval/blind_twenty.jsonl"), Path("eval/blind_twentyone.jsonl"),
            Path("eval/blind_twentytwo.jsonl"), Path("eval/blind_twentythree.jsonl"), Path("eval/blind_twentyfour.jsonl"),
            Path("eval/blind_twentyfive.jsonl"), Path("eval/blind_twentysix.jsonl"), Path("eval/blind_twentyseven.jsonl")]
# Every set is reported on its own, so the gap between what was tuned on (train) and what was
# not (dev, test, the blind sets) shows at every run. In the order the sets were written.
DEFAULT_GOLD = [Path("eval/train.jsonl"), Path("eval/train_extra.jsonl"), Path("eval/heldout.jsonl"),
                Path("eval/blind.jsonl"), Path("eval/followups.jsonl"), Path("eval/dev.jsonl"), Path("eval/test.jsonl"),
                Path("eval/blind_final.jsonl"), Path("eval/multicell_train.jsonl"), Path("eval/multicell_test.jsonl"),
                Path("eval/multicell_blind.jsonl"), Path("eval/blind_fresh.jsonl"), Path("eval/train_more.jsonl"),
                Path("eval/blind_close.jsonl"), Path("eval/blind_after.jsonl"), Path("eval/blind_last.jsonl"),
                Path("eval/blind_next.jsonl"), Path("eval/blind_late.jsonl"), Path("eval/blind_stop.jsonl"),
                Path("eval/train_wide.jsonl"), Path("eval/blind_more.jsonl"), Path("eval/blind_end.jsonl"),
                Path("eval/blind_final_stop.jsonl"), Path("eval/blind_six.jsonl"), Path("eval/blind_seven.jsonl"),
                Path("eval/blind_eight.jsonl"), Path("eval/blind_nine.jsonl"), Path("eval/blind_ten.jsonl"),
                Path("eval/blind_eleven.jsonl"), Path("eval/blind_twelve.jsonl"), Path("eval/blind_thirteen.jsonl"),
                Path("eval/blind_fourteen.jsonl"), Path("eval/blind_fifteen.jsonl"), Path("eval/blind_sixteen.jsonl"),
                Path("eval/blind_seventeen.jsonl"), Path("eval/blind_eighteen.jsonl"), Path("eval/blind_nineteen.jsonl"),
                Path("eval/blind_twenty.jsonl"), Path("eval/blind_twentyone.jsonl"), Path("eval/blind_twentytwo.jsonl"),
                Path("eval/blind_twentythree.jsonl"), Path("eval/blind_twentyfour.jsonl"), Path("eval/blind_twentyfive.jsonl"),
                Path("eval/blind_twentysix.jsonl"), Path("eval/blind_twentyseven.jsonl")]
DEFAULT_TEST = Path("eval/test.jsonl")
