"""The text a reader of a Markdown document sees, without its markup: what quotes and source
cards show."""

from __future__ import annotations

import re

_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_MD_STRONG = re.compile(r"\*\*|__")
_MD_EMPHASIS = re.compile(r"(?<![\w*])\*(\w[^*\n]*\w|\w)\*(?![\w*])")
_MD_HEADING = re.compile(r"^[ \t]*#{1,6}[ \t]+", re.MULTILINE)


def markdown_source_text(text: str) -> str:
    """The text a reader of a Markdown document sees: `US\\$95` is `US$95` and `**Keywords:**`
    is `Keywords:` in the paper. Only for documents that are Markdown; a backslash in a PDF
    or a .txt file is a backslash."""
    text = _MD_HEADING.sub("", text)
    text = _MD_STRONG.sub("", text)
    text = _MD_EMPHASIS.sub(r"\1", text)
    return _MD_ESCAPE.sub(r"\1", text)
