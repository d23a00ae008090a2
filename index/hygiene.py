"""Text crossing an edge of policy-qa: questions checked on the way in, document text and
file names made harmless for a terminal on the way out.

In: a question comes from a command line (bytes that are not UTF-8 arrive as lone
surrogates), a JSON line ("\\ud800" is valid JSON), a terminal or a browser. The tokenizers
and a UTF-8 stdout fail on lone surrogates, and an empty query ranks arbitrary passages: both
are refused where the question enters, in one line.
Out: document text and file names may hold terminal control sequences (ESC ] 0 ; title BEL
renames the window, ESC [ 2 J clears it) or newlines that split one-line output. Text mode
strips them; names are shown escaped, as Python's repr does. JSON output escapes them itself.
"""

from __future__ import annotations

import re

from ingest.errors import QuestionError

# C0 and C1 controls, DEL, and the bidirectional overrides that reorder what a terminal shows.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_CONTROLS_BUT_LAYOUT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")  # keeps \t, \n
_SURROGATES = re.compile("[\ud800-\udfff]")
# Whole escape sequences (CSI "ESC [ 2 J", OSC "ESC ] 0 ; title BEL"), so that no "[2J" is left.
_ESCAPE_SEQUENCES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]")


def text_problem(text) -> str | None:
    """Why `text` cannot be asked ("is empty", "is not valid UTF-8 text"), or None."""
    if not isinstance(text, str):
        return "is not text"
    if _SURROGATES.search(text):
        return "is not valid UTF-8 text (it holds bytes that are not UTF-8, or a lone surrogate)"
    if not terminal_text(text).strip():
        return "is empty"
    return None


def check_question(text, what: str = "the question") -> str:
    """`text`, or QuestionError naming `what` and the problem in one line."""
    problem = text_problem(text)
    if problem:
        raise QuestionError(f"{what} {problem}")
    return text


def terminal_text(text: str) -> str:
    """`text` without control characters, tabs and newlines kept (for document text)."""
    return _CONTROLS_BUT_LAYOUT.sub("", _ESCAPE_SEQUENCES.sub("", _SURROGATES.sub("\ufffd", text)))


def terminal_line(text: str) -> str:
    """`text` on one line for a terminal: controls dropped, every run of whitespace one space."""
    return " ".join(terminal_text(text).split())


def one_line(text: str) -> str:
    """`text` on one line: every control character shown as its escape (\\n, \\x1b)."""
    return _CONTROLS.sub(lambda match: repr(match.group())[1:-1], text)


def display_name(name: str) -> str:
    """A file name as shown to a user: as it is, or repr-escaped when it holds controls or
    bytes that are not UTF-8, so that it stays on its line and changes nothing on screen."""
    return repr(name) if _CONTROLS.search(name) else name
