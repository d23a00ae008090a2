"""Sentence boundaries with character spans, so that a quote is exact text of the source.

A regular-expression splitter that knows the abbreviations of academic prose ("e.g.",
"et al.", "No. 128", initials "H.J."), decimals ("7.6%") and list markers ("(i)").
"""

from __future__ import annotations

import re

from ingest.records import Chunk, ChunkKind, Document, Sentence

_ABBREVIATIONS = {
    "e.g", "i.e", "etc", "al", "vs", "no", "nos", "fig", "figs", "eq", "vol", "pp", "p", "ch",
    "dr", "mr", "mrs", "ms", "prof", "inc", "ltd", "co", "corp", "jan", "feb", "mar", "apr",
    "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "approx", "cf", "ca", "st", "op",
    "u.s", "u.k", "u.n", "dept", "est", "jr", "sr", "viz", "resp", "ed", "eds",
}
# End of a sentence: terminal punctuation, closing quotes/brackets, then space and a capital,
# a digit, an opening quote or bracket. Or a line break before a list item, or a blank line.
_BOUNDARY_RE = re.compile(r"[.!?][\"'”’)\]]*(\s+)(?=[A-Z0-9\"“‘(\[*])|\n(?=\s*(?:[-*•]|\d+[.)])\s)|\n\s*\n")
_WORD_BEFORE_RE = re.compile(r"([A-Za-z][A-Za-z.]*)\.$")


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans (absolute offsets) of the sentences in text[start:end], whitespace trimmed."""
    end = len(text) if end is None else end
    spans, cursor = [], start
    for match in _BOUNDARY_RE.finditer(text, start, end):
        cut = match.start(1) if match.group(1) is not None else match.start()
        if match.group(1) is not None and _is_abbreviation(text[cursor:cut]):
            continue
        if match.group(1) is None and _continues_after_break(text, cut, match.end()):
            continue  # a sentence cut by a page break: "... the period of" / "2010-2018 ..."
        spans.append((cursor, cut))
        cursor = match.end()
    spans.append((cursor, end))
    return [trimmed for s, e in spans if (trimmed := _trim(text, s, e))]


def _continues_after_break(text: str, before: int, after: int) -> bool:
    tail = text[:before].rstrip()
    head = text[after:after + 1]
    return bool(tail) and tail[-1] not in ".!?:;\"')]*" and (head.islower() or head.isdigit()) \
        and "\n\n" in text[before:after + 1]


def line_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans, cursor = [], start
    while cursor < end:
        stop = text.find("\n", cursor, end)
        stop = end if stop < 0 else stop
        if (trimmed := _trim(text, cursor, stop)):
            spans.append(trimmed)
        cursor = stop + 1
    return spans


def _is_abbreviation(sentence: str) -> bool:
    match = _WORD_BEFORE_RE.search(sentence)
    if not match:
        return False
    word = match.group(1).lower()
    if word in _ABBREVIATIONS:
        return True
    # Initials ("H.J.", "K.") and single letters are never the end of a sentence here.
    return len(word.replace(".", "")) == 1 or bool(re.fullmatch(r"(?:[a-z]\.)+[a-z]", word))


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def chunk_sentences(doc: Document, chunk: Chunk) -> list[Sentence]:
    """The `Sentence`s of a chunk: a table row is one sentence; a whole-table chunk has none
    of its own (its rows are chunks already)."""

    def make(start: int, end: int, text: str) -> Sentence:
        page = doc.page_at(start)
        return Sentence(chunk.id, start, end, text, doc.text[start:end],
                        page.number if page else None, page.label if page else None, chunk.section)

    if chunk.kind is ChunkKind.TABLE:
        return []
    if chunk.kind is ChunkKind.TABLE_ROW:
        return [make(chunk.start, chunk.end, chunk.text)]
    if chunk.kind is ChunkKind.REFERENCES:  # one entry a line: "(2002). Kicking" ends nothing
        spans = line_spans(doc.text, chunk.start, chunk.end)
    else:
        spans = sentence_spans(doc.text, chunk.start, chunk.end)
    # A Markdown heading inside a chunk (the title in the front matter) is quoted without its
    # "#" marks: "What is the paper's title?" is answered by that line.
    out = []
    for s, e in spans:
        marks = re.match(r"#+\s*", doc.text[s:e])
        if marks:
            s += marks.end()
        if s < e:
            out.append(make(s, e, doc.text[s:e]))
    return out
