"""Document text made safe for `st.markdown`, with a quote shown in bold inside its passage.

Document text is data, never markup: a paper may hold `*`, `_`, `$`, `<b>`, `[x](y)` or
`:red[...]`, and each must show as the character it is. Every ASCII punctuation character is
backslash-escaped (CommonMark allows that for all of them, and it also disarms Streamlit's
`:color[...]` and `$...$` extensions), and whitespace is normalised so that an indented
line or a tab-separated table row cannot turn into a code block.
"""

from __future__ import annotations

import re
import string

from chat_app.documents.surroundings import Passage

_PUNCTUATION = frozenset(string.punctuation)
_SPACES = re.compile(r"[ \t\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n")


def escape_markdown(text: str) -> str:
    """`text` as Markdown that renders as exactly these characters (whitespace normalised:
    paragraphs kept, lines inside a paragraph joined)."""
    paragraphs = [_SPACES.sub(" ", " ".join(p.split("\n"))).strip() for p in _BLANK_LINES.split(text)]
    return "\n\n".join(_escape_chars(p) for p in paragraphs if p)


def _escape_chars(text: str) -> str:
    return "".join("\\" + ch if ch in _PUNCTUATION else ch for ch in text)


def passage_markdown(passage: Passage) -> str:
    """The passage as safe Markdown with the quote in bold. A quote spanning paragraphs is
    bold in each of them (bold cannot cross a paragraph break)."""
    if not passage.quote.strip():
        return escape_markdown(passage.text)
    # Mark the quote with private-use characters, normalise and escape the whole passage
    # (they are not punctuation, so they pass through), then turn the marks into `**`.
    opened, closed = "\ue000", "\ue001"
    marked = passage.before + opened + passage.quote + closed + passage.after
    paragraphs = [_SPACES.sub(" ", " ".join(p.split("\n"))).strip() for p in _BLANK_LINES.split(marked)]
    out, bold = [], False
    for paragraph in paragraphs:
        if not paragraph:
            continue
        pieces, current = [], []  # (is_bold, text) runs of this paragraph
        for ch in paragraph:
            if ch in (opened, closed):
                pieces.append((bold, "".join(current)))
                current, bold = [], ch == opened
            else:
                current.append(ch)
        pieces.append((bold, "".join(current)))
        rendered = _render_runs(pieces)
        if rendered:
            out.append(rendered)
    return "\n\n".join(out)


def _render_runs(pieces: list[tuple[bool, str]]) -> str:
    """Plain and bold runs as Markdown. `**` only opens before a non-space and closes after
    one, and next to punctuation it needs a space or punctuation on its outer side; where the
    text lacks it, a space is added (display only: the copy block holds the exact quote)."""
    out = ""
    for is_bold, text in pieces:
        if not is_bold:
            out += _escape_chars(text)
            continue
        core = text.strip()
        if not core:
            out += text
            continue
        lead = text[:len(text) - len(text.lstrip())]
        trail = text[len(text.rstrip()):]
        out += lead
        if out and not out[-1].isspace() and core[0] in _PUNCTUATION and out[-1] not in _PUNCTUATION:
            out += " "
        out += "**" + _escape_chars(core) + "**" + trail
        # the run that follows may start with a letter right after closing punctuation
        if not trail and core[-1] in _PUNCTUATION:
            out += "\ue002"  # resolved below, once the next run is known
    return _resolve_closing(out).strip()


def _resolve_closing(text: str) -> str:
    def fix(match: re.Match) -> str:
        following = match.string[match.end():match.end() + 1]
        return " " if following and not following.isspace() and following not in _PUNCTUATION \
            and following != "\\" else ""

    return re.sub("\ue002", fix, text)
