"""Read a PDF with pypdf into clean text with page spans.

What the reader undoes, in order: running headers and footers that repeat across pages
(and bare page numbers), words hyphenated at line ends ("indus-" + "trialization") while
keeping real hyphens ("high-quality", "FDI-local"), and lines broken by the page width,
which are joined back into paragraphs. Lines whose words sit in columns become
tab-separated table rows, so that tables get the same treatment as in Markdown.
"""

from __future__ import annotations

import io
import re
import statistics
from collections import Counter
from dataclasses import dataclass

from ingest.errors import UnreadableFileError
from ingest.records import DocumentMeta, Page
from ingest.structure import looks_like_heading
from ingest.tables import caption_text

_GAP_RE = re.compile(r"\S( {3,})(?=\S)")
_PAGE_NUMBER_RE = re.compile(r"^(page\s+)?([0-9]{1,4}|[ivxlcdm]{1,7})(\s+(of|/)\s+[0-9]{1,4})?$|^[-–]\s*\d{1,4}\s*[-–]$",
                             re.IGNORECASE)
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z-]*[A-Za-z]")
_ZONE = 2  # lines at the top and at the bottom of a page where running heads live


@dataclass
class _PageText:
    number: int
    label: str
    lines: list[str]


def read_pdf(name: str, data: bytes) -> tuple[str, tuple[Page, ...], DocumentMeta]:
    pages = _extract_pages(name, data)
    _drop_running_heads(pages)
    text, spans = _rebuild_text(pages)
    if not text.strip():
        raise UnreadableFileError(name, "no text layer (scanned?)")
    return text, spans, _meta(data)


def _open(name: str, data: bytes):
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if not data.strip():
        raise UnreadableFileError(name, "empty file")
    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise UnreadableFileError(name, "corrupt PDF (no PDF header)")
    if b"%%EOF" not in data[-2048:]:
        # pypdf would try to recover a cut file and silently lose its end; refuse it instead.
        raise UnreadableFileError(name, "corrupt PDF (truncated: no end-of-file marker)")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableFileError(name, "encrypted PDF (a password is needed)")
        _ = len(reader.pages)
    except UnreadableFileError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise UnreadableFileError(name, f"corrupt PDF ({error})") from None
    except Exception as error:  # pypdf raises many kinds on damaged files
        if "crypt" in type(error).__name__.lower() or "AES" in str(error):
            raise UnreadableFileError(name, f"encrypted PDF ({error})") from None
        raise UnreadableFileError(name, f"corrupt PDF ({type(error).__name__}: {error})") from None
    return reader


def _extract_pages(name: str, data: bytes) -> list[_PageText]:
    reader = _open(name, data)
    try:
        labels = list(reader.page_labels)
    except Exception:  # a broken /PageLabels tree is no reason to refuse the text
        labels = []
    pages = []
    for index, page in enumerate(reader.pages):
        try:
            raw = page.extract_text(extraction_mode="layout") or ""
        except Exception as error:
            raise UnreadableFileError(name, f"corrupt PDF (page {index + 1}: {error})") from None
        label = labels[index] if index < len(labels) and labels[index] else str(index + 1)
        pages.append(_PageText(index + 1, label, [line.rstrip() for line in raw.split("\n")]))
    if not pages:
        raise UnreadableFileError(name, "corrupt PDF (no pages)")
    if not any(line.strip() for page in pages for line in page.lines):
        raise UnreadableFileError(name, "no text layer (scanned?)")
    return pages


def _normalise_head(line: str) -> str:
    return re.sub(r"\d+", "#", " ".join(line.split()).lower())


def _zones(page: _PageText) -> list[int]:
    filled = [i for i, line in enumerate(page.lines) if line.strip()]
    return filled[:_ZONE] + filled[-_ZONE:]


def _drop_running_heads(pages: list[_PageText]) -> None:
    """Remove lines that repeat in the top or bottom zone of most pages, and page numbers."""
    seen = Counter()
    for page in pages:
        seen.update({_normalise_head(page.lines[i]) for i in _zones(page)})
    needed = max(2, round(0.6 * len(pages)))
    for page in pages:
        for i in _zones(page):
            line = page.lines[i].strip()
            if (len(pages) > 1 and seen[_normalise_head(line)] >= needed) or _PAGE_NUMBER_RE.match(line):
                page.lines[i] = ""


def _meta(data: bytes) -> DocumentMeta:
    from pypdf import PdfReader

    try:
        info = PdfReader(io.BytesIO(data)).metadata or {}
        title, author = str(info.get("/Title") or ""), str(info.get("/Author") or "")
    except Exception:
        return DocumentMeta()
    authors = tuple(a.strip() for a in re.split(r";|,| and ", author) if a.strip()) if author else ()
    # The creation date is when the file was made, not when the work was published: no year.
    return DocumentMeta(title=title if title != "(unspecified)" else "", authors=authors)


# --- lines -> paragraphs -------------------------------------------------------------

@dataclass
class _Line:
    text: str
    page: int
    is_table: bool


def _rebuild_text(pages: list[_PageText]) -> tuple[str, tuple[Page, ...]]:
    lines = _classify(pages)
    full = _full_width([l.text for l in lines if not l.is_table])
    vocabulary = Counter(w.lower() for l in lines for w in _WORD_RE.findall(l.text))

    out: list[str] = []  # pieces of the final text
    page_starts: dict[int, int] = {}
    length = 0
    open_paragraph = False

    def emit(piece: str, page: int) -> None:
        nonlocal length
        if page not in page_starts:
            page_starts[page] = length + (2 if out and piece.startswith("\n\n") else 0)
        out.append(piece)
        length += len(piece)

    heading_open = False
    for i, line in enumerate(lines):
        text = line.text.strip() if not line.is_table else line.text
        standalone = line.is_table or _is_heading(text) or caption_text(text) is not None
        if heading_open and not line.is_table and len(text) < 0.6 * full and text[-1] not in ".!?:;":
            emit(" " + text, line.page)  # the rest of a heading too long for one line
            heading_open = False
            continue
        heading_open = _is_heading(text) and len(text) >= 0.7 * full
        if not out:
            emit(text, line.page)
        elif open_paragraph and not standalone:
            previous = out[-1]
            if not re.search(r"\w-$", previous):
                emit(" " + text, line.page)
            elif text.startswith("-"):
                emit(text[1:], line.page)  # "high-" / "-income": the hyphen printed twice
            elif _rejoin(previous, text, vocabulary):
                out[-1] = previous[:-1]
                length -= 1
                emit(text, line.page)
            else:
                emit(text, line.page)  # a real hyphen at the line end: "FDI-" + "local"
        else:
            separator = "\n" if line.is_table and lines[i - 1].is_table else "\n\n"
            emit(separator + text, line.page)
        # A line shorter than a full one ends its paragraph; so do headings and table rows.
        open_paragraph = not standalone and len(text) >= 0.85 * full
    text = "".join(out)
    numbers = sorted(page_starts)
    spans = []
    for index, number in enumerate(numbers):
        end = page_starts[numbers[index + 1]] if index + 1 < len(numbers) else len(text)
        label = next(p.label for p in pages if p.number == number)
        spans.append(Page(number=number, label=label, start=page_starts[number], end=end))
    return text, tuple(spans)


def _classify(pages: list[_PageText]) -> list[_Line]:
    """Non-empty lines in reading order; lines in columns become tab-separated rows."""
    out: list[_Line] = []
    for page in pages:
        block: list[str] = []
        for raw in page.lines:
            if _is_columnar(raw) or (block and len(_cells(raw)) >= 2):
                block.append(raw)
            elif not raw.strip():
                continue  # layout mode puts blank lines between table rows
            else:
                out += [_Line(row, page.number, True) for row in _table_rows(block)]
                block = []
                out.append(_Line(" ".join(raw.split()), page.number, False))
        out += [_Line(row, page.number, True) for row in _table_rows(block)]
    return out


def _is_columnar(line: str) -> bool:
    return len(_GAP_RE.findall(line.strip())) >= 2


def _cells(line: str) -> list[tuple[int, str]]:
    """(position, text) of the runs of text separated by two or more spaces."""
    return [(m.start(), m.group()) for m in re.finditer(r"\S+(?: \S+)*", line)]


def _table_rows(block: list[str]) -> list[str]:
    """Tab-separated rows of a block of column-aligned lines. A caption among them stays a
    line of its own; the rows below it get their columns from the fullest row, so that empty
    cells and continuation lines keep their place."""
    if not block:
        return []
    caption_at = max((i for i, l in enumerate(block) if caption_text("\t".join(t for _, t in _cells(l)))),
                     default=-1)
    head = ["\t".join(t for _, t in _cells(l)) for l in block[:caption_at + 1]]
    rows = block[caption_at + 1:]
    if not rows:
        return head
    starts = [p for p, _ in max((_cells(r) for r in rows), key=len)]
    out = []
    for row in rows:
        cells = [""] * len(starts)
        for position, text in _cells(row):
            # the column whose left edge is nearest to the left of the text (2 chars of slack)
            column = max((i for i, s in enumerate(starts) if s <= position + 2), default=0)
            cells[column] = f"{cells[column]} {text}".strip()
        out.append("\t".join(cells))
    return head + out


def _full_width(lines: list[str]) -> float:
    lengths = [len(l) for l in lines if len(l) > 20]
    if not lengths:
        return 80.0
    return statistics.quantiles(lengths, n=10)[7] if len(lengths) >= 10 else max(lengths)


def _is_heading(text: str) -> bool:
    return looks_like_heading(text) and len(text) < 90


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
