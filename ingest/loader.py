"""`load_document(path)`: read one corpus file of any supported type into a `Document`."""

from __future__ import annotations

import json
from pathlib import Path

from ingest.decode import decode_text
from ingest.errors import UnreadableFileError
from ingest.records import BlockKind, Document, DocumentMeta
from ingest.settings import Settings
from ingest.structure import parse_blocks

MARKDOWN_SUFFIXES = {".md", ".markdown"}
TEXT_SUFFIXES = {".txt", ".text"}
PDF_SUFFIXES = {".pdf"}
SUPPORTED_SUFFIXES = MARKDOWN_SUFFIXES | TEXT_SUFFIXES | PDF_SUFFIXES
META_SUFFIX = ".meta.json"  # "paper.md.meta.json": citation facts for "paper.md"


def load_document(path: Path, name: str | None = None, data: bytes | None = None,
                  settings: Settings | None = None) -> Document:
    """Read `path` (or `data`, when given, as if it were that file). `name` is how the
    document is known and cited; it defaults to the file name. A PDF is read in a worker
    process under the time and page limits of `settings` (default: Settings.load())."""
    name = name or path.name
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnreadableFileError(name, f"unsupported file type {suffix or '(none)'}; use .pdf, .md or .txt")
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as error:
            raise UnreadableFileError(name, f"cannot be read ({error.strerror})") from None
    if suffix in PDF_SUFFIXES:
        from ingest.bounded import read_pdf_bounded  # pypdf and PDFium are only needed for PDFs

        pdf = read_pdf_bounded(name, data, settings or Settings.load())
        text, pages, meta = pdf.text.text, pdf.text.pages, pdf.meta
        blocks = parse_blocks(text, markdown=False, headings=pdf.text.headings)
    else:
        if data.lstrip()[:5] == b"%PDF-":
            raise UnreadableFileError(name, f"not text (a PDF named {suffix})")
        text = decode_text(name, data)
        pages, meta = (), DocumentMeta()
        blocks = parse_blocks(text, markdown=suffix in MARKDOWN_SUFFIXES)
    if not any(b.kind is not BlockKind.HEADING for b in blocks):
        raise UnreadableFileError(name, "no text besides headings")
    meta = _merge(meta, _title_from(text, blocks), _sidecar(path, name))
    return Document(name=name, text=text, blocks=blocks, pages=pages, meta=meta)


def _title_from(text: str, blocks) -> str:
    return next((b.title for b in blocks if b.kind is BlockKind.HEADING and b.level == 0), "")


def _sidecar(path: Path, name: str) -> dict:
    # The error names the document (the build reports it under the document's name, with
    # only the reason) and the reason names the sidecar: "paper.md: invalid JSON" sent users
    # to look for a JSON error in their Markdown.
    meta_path = path.with_name(path.name + META_SUFFIX)
    if not meta_path.is_file():
        return {}
    try:
        values = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise UnreadableFileError(name, f"its citation file {meta_path.name} is not valid JSON ({error})") from None
    if not isinstance(values, dict):
        raise UnreadableFileError(name, f"its citation file {meta_path.name} must hold a JSON object")
    return values


def _merge(meta: DocumentMeta, title: str, sidecar: dict) -> DocumentMeta:
    authors = sidecar.get("authors", meta.authors)
    if isinstance(authors, str):  # "authors": "H. C. Pham" is one author, not one per letter
        authors = [authors]
    return DocumentMeta(
        title=str(sidecar.get("title") or meta.title or title),
        authors=tuple(str(a) for a in authors),
        short_authors=str(sidecar.get("short_authors", "")),
        year=str(sidecar.get("year") or meta.year),
    )
