"""Read a PDF into clean text with page spans, in reading order.

pypdf opens the file and refuses what cannot be read (no PDF header, truncated, encrypted,
damaged), and gives the page labels and metadata. PDFium gives each word with its position
and font (`pdf_words`); `layout` finds the columns and tables of each page and reads it in
order; `pdf_text` turns the lines into paragraphs, headings, captions, footnotes and table
rows. Running heads and page numbers, lines that repeat at the top or bottom of most pages,
go first. A page with no text layer is read with Tesseract OCR (`ocr`).
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass
from typing import Callable

from ingest.errors import UnreadableFileError
from ingest.layout import Row, page_rows, read_page
from ingest.pdf_text import PdfText, build_text
from ingest.pdf_words import PageWords, page_words
from ingest.records import DocumentMeta

_PAGE_NUMBER_RE = re.compile(r"^(page\s+)?([0-9]{1,4}|[ivxlcdm]{1,7})(\s+(of|/)\s+[0-9]{1,4})?$|^[-–]\s*\d{1,4}\s*[-–]$",
                             re.IGNORECASE)
_ZONE = 2  # rows at the top and at the bottom of a page where running heads live
NO_TEXT = "no text layer (scanned?)"


@dataclass(frozen=True)
class PdfLimits:
    """Bounds on the work for one file (see Settings for what each means)."""

    max_pages: int = 1000
    ocr_max_pages: int = 20
    ocr_dpi: int = 300
    ocr_language: str = "eng"


@dataclass(frozen=True)
class PdfDocument:
    text: PdfText
    meta: DocumentMeta


def read_pdf(name: str, data: bytes, limits: PdfLimits = PdfLimits(),
             on_ocr: Callable[[int], None] | None = None) -> PdfDocument:
    """Read `data` as the PDF `name`. `on_ocr(pages)` is called before OCR starts, so that
    a supervisor can give the OCR its own time limit."""
    reader = _open(name, data)
    count = len(reader.pages)
    if count > limits.max_pages:
        raise UnreadableFileError(name, f"{count} pages; the limit is {limits.max_pages} pages a file "
                                        "(POLICY_QA_PDF_MAX_PAGES)")
    labels = _labels(reader, count)
    pages, scanned = _words(name, data, count)
    if scanned:
        pages = _with_ocr(name, data, pages, scanned, limits, on_ocr)
    if not any(page.words for page in pages):
        raise UnreadableFileError(name, NO_TEXT)
    rows = [page_rows(page) for page in pages]
    _drop_running_heads(rows)
    body = _body_size(pages)
    lines, region = [], 0
    for page, page_rows_ in zip(pages, rows):
        page_lines = read_page(page, page_rows_, body, region)
        region = max((l.region for l in page_lines), default=region) + 1
        lines.append(page_lines)
    text = build_text(lines, labels, {p.number for p in pages if p.ocr})
    if not text.text.strip():
        raise UnreadableFileError(name, NO_TEXT)
    return PdfDocument(text, _meta(reader))


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
        if len(reader.pages) == 0:
            raise UnreadableFileError(name, "corrupt PDF (no pages)")
    except UnreadableFileError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise UnreadableFileError(name, f"corrupt PDF ({error})") from None
    except Exception as error:  # pypdf raises many kinds on damaged files
        if "crypt" in type(error).__name__.lower() or "AES" in str(error):
            raise UnreadableFileError(name, f"encrypted PDF ({error})") from None
        raise UnreadableFileError(name, f"corrupt PDF ({type(error).__name__}: {error})") from None
    return reader


def _labels(reader, count: int) -> list[str]:
    try:
        labels = list(reader.page_labels)
    except Exception:  # a broken /PageLabels tree is no reason to refuse the text
        labels = []
    return [labels[i] if i < len(labels) and labels[i] else str(i + 1) for i in range(count)]


def _words(name: str, data: bytes, count: int) -> tuple[list[PageWords], list[int]]:
    """Words of every page, and the pages with no text but a picture (scans)."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data, password="")
    except pdfium.PdfiumError as error:
        raise UnreadableFileError(name, f"corrupt PDF ({error})") from None
    try:
        pages, scanned = [], []
        for index in range(min(count, len(document))):
            page = document[index]
            try:
                words = page_words(page, index + 1)
                if len(words.words) < 3 and _has_picture(page):
                    scanned.append(index + 1)
            finally:
                page.close()
            pages.append(words)
    finally:
        document.close()
    return pages, scanned


def _has_picture(page) -> bool:
    import pypdfium2.raw as raw

    return any(obj.type == raw.FPDF_PAGEOBJ_IMAGE for obj in page.get_objects(max_depth=2))


def _with_ocr(name: str, data: bytes, pages: list[PageWords], scanned: list[int], limits: PdfLimits,
              on_ocr) -> list[PageWords]:
    from ingest.ocr import find_tesseract, ocr_pages

    has_text = any(page.words for page in pages)
    if find_tesseract() is None:
        if has_text:
            return pages  # the pages with text are read; the scanned ones cannot be
        raise UnreadableFileError(name, f"{NO_TEXT}; to read scanned pages, install Tesseract OCR "
                                        "(apt-get install tesseract-ocr tesseract-ocr-eng)")
    if len(scanned) > limits.ocr_max_pages:
        raise UnreadableFileError(name, f"{len(scanned)} pages need OCR; the limit is {limits.ocr_max_pages} "
                                        "pages a file (POLICY_QA_OCR_MAX_PAGES)")
    if on_ocr is not None:
        on_ocr(len(scanned))
    read = ocr_pages(data, scanned, limits.ocr_dpi, limits.ocr_language)
    out = [read.get(page.number, page) for page in pages]
    if not has_text and not any(page.words for page in out):
        raise UnreadableFileError(name, f"{NO_TEXT}, and OCR found no text on its "
                                        f"{len(scanned)} page{'s' if len(scanned) > 1 else ''}")
    return out


def _normalise_head(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.split()).lower())


def _drop_running_heads(pages: list[list[Row]]) -> None:
    """Remove rows that repeat at the same height in the top or bottom zone of several pages
    (journal name, authors, running title; digits count as one), and bare page numbers."""
    def zone(rows: list[Row]) -> list[int]:
        indexes = list(range(len(rows)))
        return sorted(set(indexes[:_ZONE] + indexes[-_ZONE:]))

    seen: Counter = Counter()
    for rows in pages:
        seen.update({(_normalise_head(rows[i].text), round(rows[i].baseline / 4)) for i in zone(rows)})
    needed = max(2, round(0.3 * len(pages)))
    for rows in pages:
        drop = [i for i in zone(rows)
                if (len(pages) > 1 and _repeats(seen, rows[i], needed)) or _PAGE_NUMBER_RE.match(rows[i].text.strip())]
        for i in reversed(drop):
            del rows[i]


def _repeats(seen: Counter, row: Row, needed: int) -> bool:
    key = _normalise_head(row.text)
    step = round(row.baseline / 4)
    return sum(seen[(key, s)] for s in (step - 1, step, step + 1)) >= needed


def _body_size(pages: list[PageWords]) -> float:
    sizes: Counter = Counter()
    for page in pages:
        for word in page.words:
            sizes[round(word.size * 2) / 2] += len(word.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def _meta(reader) -> DocumentMeta:
    try:
        info = reader.metadata or {}
        title, author = str(info.get("/Title") or ""), str(info.get("/Author") or "")
    except Exception:
        return DocumentMeta()
    authors = tuple(a.strip() for a in re.split(r";|,| and ", author) if a.strip()) if author else ()
    # The creation date is when the file was made, not when the work was published: no year.
    return DocumentMeta(title=title if title != "(unspecified)" else "", authors=authors)
