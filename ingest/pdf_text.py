"""Lines in reading order -> the document's text, its page spans and its headings.

What the typography says decides: a heading is a line set larger or bolder than the body
text (its numbering then gives its depth; a bold line that is not numbered is a heading when
it has a heading's usual name or the style of the numbered headings); a footnote is a line in
a smaller size under the last line of body text of its page; a caption is a line that starts
"Table 2." or "Figure 1.". Paragraphs end where the next line starts after a larger gap or is
indented, or where a sentence ends on a short line. Words hyphenated at a line end are joined
when the document itself spells them joined (the document is the dictionary).
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field

from ingest.layout import Line
from ingest.records import Page
from ingest.structure import KNOWN_HEADINGS, NUMBERED_HEADING_RE
from ingest.tables import caption_text

FIGURE_RE = re.compile(r"^\s*(?:Figure|Fig\.|Chart|Graph|Exhibit)\s*\d+[.:]", re.IGNORECASE)
_SOURCE_RE = re.compile(r"^\s*(?:sources?|notes?)\s*:", re.IGNORECASE)
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z-]*[A-Za-z]")
_ENDS_SENTENCE = re.compile(r"[.!?:][\"'”’)\]]*$")


@dataclass(frozen=True)
class PdfText:
    text: str
    pages: tuple[Page, ...]
    headings: dict[int, int]  # offset of a heading line -> 0 for the title, 1 for a section


@dataclass
class _Block:
    kind: str  # "prose" | "heading" | "title" | "caption" | "table" | "footnote"
    pieces: list[tuple[str, int]] = field(default_factory=list)  # (text, page)
    last: Line | None = None
    open: bool = True

    @property
    def text(self) -> str:
        return "".join(text for text, _ in self.pieces)


def build_text(pages: list[list[Line]], labels: list[str], ocr_pages: set[int]) -> PdfText:
    lines = [line for page in pages for line in page]
    if not lines:
        return PdfText("", (), {})
    body = _body_style(lines)
    pitch = _pitch(lines, body[0])
    roles = _roles(pages, body)
    vocabulary = _vocabulary(lines)
    writer = _Writer(body[0], pitch, vocabulary)
    for page in pages:
        notes = []
        for line, role in zip(page, roles[id(page)]):
            if role == "footnote":
                notes.append(line)
            else:
                writer.add(line, role)
        writer.end_page(notes)
    return writer.result(labels, ocr_pages)


def _body_style(lines: list[Line]) -> tuple[float, bool]:
    """(size, bold) of most of the letters outside tables."""
    counts: Counter = Counter()
    for line in lines:
        if not line.table:
            counts[(line.size, line.bold)] += len(line.text)
    return counts.most_common(1)[0][0] if counts else (10.0, False)


def _pitch(lines: list[Line], size: float) -> float:
    """The usual distance from one line of body text to the next."""
    steps = [b.top - a.top for a, b in zip(lines, lines[1:])
             if a.region == b.region and abs(a.size - size) < 0.5 and abs(b.size - size) < 0.5
             and 0 < b.top - a.top < 3 * size]
    return statistics.median(steps) if steps else 1.2 * size


def _roles(pages: list[list[Line]], body: tuple[float, bool]) -> dict[int, list[str]]:
    """Each line's role: table, caption, footnote, title, heading or prose."""
    size = body[0]
    numbered_styles = {(line.size, line.bold) for page in pages for line in page
                       if _heading_style(line, body) and _numbered(line.text)}
    out: dict[int, list[str]] = {}
    seen_heading = False
    title_size = max((l.size for l in pages[0] if not l.table), default=0) if pages else 0
    title_open = True  # the title is the first run of the largest type on the first page
    for number, page in enumerate(pages):
        body_end = max((l.bottom for l in page if not l.table and l.size >= 0.9 * size), default=0)
        roles: list[str] = []
        for line in page:
            text = line.text.strip()
            before = roles[-1] if roles else ""
            if line.table:
                role = "table"
            elif caption_text(text) or FIGURE_RE.match(text):
                role = "caption"
            elif line.top >= body_end - 1 and line.size < 0.9 * size and not _SOURCE_RE.match(text):
                role = "footnote"
            elif not _heading_style(line, body):
                role = "prose"
            elif title_open and number == 0 and line.size >= max(1.3 * size, 0.95 * title_size):
                role = "title"  # the largest type on the first page, before any heading
            elif (_numbered(text) or KNOWN_HEADINGS.match(text)
                  or (seen_heading and (line.size, line.bold) in numbered_styles and _worded(text))):
                role = "heading"
            elif before in ("heading", "title"):
                role = before  # the second line of a heading
            else:
                role = "prose"  # bold words of the front matter (authors), a bold line of text
            seen_heading = seen_heading or role == "heading"
            title_open = title_open and (role == "title" or not any(r == "title" for r in roles))
            roles.append(role)
        out[id(page)] = roles
    return out


def _worded(text: str) -> bool:
    """Reads like a heading: a capital first, a few words, mostly letters."""
    letters = sum(c.isalpha() for c in text)
    return text[:1].isupper() and len(text.split()) <= 12 and letters >= 0.75 * len(text.replace(" ", ""))


def _numbered(text: str) -> bool:
    text = text.strip()
    return bool(NUMBERED_HEADING_RE.match(text)) and text[-1] not in ".,;"


def _heading_style(line: Line, body: tuple[float, bool]) -> bool:
    """Set larger than the body text, or in bold where the body is not."""
    text = line.text.strip()
    if line.table or not text or len(text) > 160:
        return False
    return line.size >= 1.12 * body[0] or (line.bold and not body[1] and line.size >= 0.95 * body[0])


class _Writer:
    def __init__(self, body_size: float, pitch: float, vocabulary: Counter):
        self.size, self.pitch, self.vocabulary = body_size, pitch, vocabulary
        self.blocks: list[_Block] = []

    @property
    def current(self) -> _Block | None:
        return self.blocks[-1] if self.blocks else None

    def add(self, line: Line, role: str) -> None:
        text = line.text if line.table else " ".join(line.text.split())
        block = self.current
        if block is not None and block.open and self._continues(block, line, role):
            self._join(block, text, line)
            return
        if block is not None:
            block.open = False
        self.blocks.append(_Block(role, [(text, line.page)], line, open=role != "table"))

    def _continues(self, block: _Block, line: Line, role: str) -> bool:
        before = block.last
        if role == "table" or block.kind in ("table", "footnote"):
            return False
        if block.kind in ("heading", "title", "caption"):
            # the rest of a heading or caption too long for one line: same style, next line
            return (role in (block.kind, "prose") and line.region == before.region and not _numbered(line.text)
                    and abs(line.size - before.size) <= 0.1 * before.size and line.bold == before.bold
                    and 0 < line.top - before.top <= 1.6 * max(line.size, before.size))
        if role != "prose":
            return False
        ends = bool(_ENDS_SENTENCE.search(before.text.rstrip()))
        short = before.x1 < before.right - 0.15 * (before.right - before.left)
        indented = line.x0 - line.left >= 0.6 * line.size
        if line.region != before.region:  # a new column or page: the paragraph goes on unless it ended
            return not (ends and (short or indented))
        if abs(line.size - before.size) > 0.15 * before.size:
            return False
        gap = line.top - before.top
        if gap <= 0:
            return False
        if gap - self.pitch > 0.3 * line.size or indented or (ends and short):
            # A break, unless the sentence plainly goes on ("... during the period of" / "2010-2018").
            return not ends and not short and line.text[:1].islower() or line.text[:1].isdigit() and not ends
        return True

    def _join(self, block: _Block, text: str, line: Line) -> None:
        previous, page = block.pieces[-1]
        if re.search(r"\w-$", previous) and block.kind == "prose":
            if text.startswith("-"):
                block.pieces.append((text[1:], line.page))  # "high-" / "-income": the hyphen printed twice
            elif _rejoin(previous, text, self.vocabulary):
                block.pieces[-1] = (previous[:-1], page)
                block.pieces.append((text, line.page))
            else:
                block.pieces.append((text, line.page))  # a real hyphen at the line end: "FDI-" + "local"
        else:
            block.pieces.append((" " + text, line.page))
        block.last = line

    def end_page(self, notes: list[Line]) -> None:
        """Footnotes stay on their page, apart from the prose: before the paragraph that goes
        on to the next page, or after the page's last paragraph."""
        if not notes:
            return
        blocks = []
        for line in notes:
            text = " ".join(line.text.split())
            if blocks and line.top - blocks[-1].last.bottom < 0.6 * line.size and line.x0 > blocks[-1].last.x0 + 1:
                self._join(blocks[-1], text, line)  # a footnote's second line
            else:
                blocks.append(_Block("footnote", [(text, line.page)], line, open=False))
        open_block = self.current if self.current is not None and self.current.open else None
        if open_block is not None and open_block.pieces[0][1] == notes[0].page:
            self.blocks[-1:-1] = blocks
        else:
            self.blocks += blocks

    def result(self, labels: list[str], ocr_pages: set[int]) -> PdfText:
        out: list[str] = []
        length = 0
        page_starts: dict[int, int] = {}
        headings: dict[int, int] = {}
        previous: _Block | None = None
        for block in self.blocks:
            separator = "" if previous is None else ("\n" if block.kind == previous.kind == "table" else "\n\n")
            out.append(separator)
            length += len(separator)
            if block.kind in ("heading", "title"):
                headings[length] = 0 if block.kind == "title" else 1
            for text, page in block.pieces:
                page_starts.setdefault(page, length)
                out.append(text)
                length += len(text)
            previous = block
        text = "".join(out)
        numbers = sorted(page_starts)
        pages = []
        for i, number in enumerate(numbers):
            end = page_starts[numbers[i + 1]] if i + 1 < len(numbers) else len(text)
            pages.append(Page(number, labels[number - 1], page_starts[number], end, ocr=number in ocr_pages))
        return PdfText(text, tuple(pages), headings)


def _vocabulary(lines: list[Line]) -> Counter:
    """How often the document spells each word, not counting the pieces of words broken at a
    line end ("indus-" / "trialization"), which would vouch for themselves."""
    counts: Counter = Counter()
    broken = False
    for line in lines:
        tokens = line.text.split()
        if broken and tokens:
            tokens = tokens[1:]
        broken = bool(tokens) and tokens[-1].endswith("-") and not line.table
        if broken:
            tokens = tokens[:-1]
        counts.update(w.lower() for token in tokens for w in _WORD_RE.findall(token))
    return counts


def _rejoin(previous: str, following: str, vocabulary: Counter) -> bool:
    """Whether a line-end hyphen was put there by the typesetter (drop it) or is part of
    the word (keep it). The document itself is the dictionary: the form it uses elsewhere wins."""
    head = re.search(r"([A-Za-z]+)-$", previous)
    tail = re.match(r"-?([A-Za-z]+)", following)
    if not head or not tail:
        return False
    first, rest = head.group(1), tail.group(1)
    if first.isupper() and len(first) > 1 or rest[0].isupper():
        return False  # "FDI-" + "local", "Asia-" + "Pacific"
    joined, hyphened = (first + rest).lower(), f"{first}-{rest}".lower()
    return vocabulary[joined] >= vocabulary[hyphened]
