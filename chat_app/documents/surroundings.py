"""The text around a passage or a quote, as readers are shown it: the app's "Surrounding text"
and the HTTP API's GET /v1/chunks/{id} are both made here, so they cannot differ.

A passage is cut in three (`Passage`: before, quote, after). The text around it is about
CONTEXT_CHARS of the document on each side, cut at words with an ellipsis. A Markdown
document's text is its source (`US\\$95`, `**Keywords:**`): it is shown as the paper reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from typing_extensions import TypedDict

from chat_app.engine.markdown_text import markdown_source_text
from ingest.loader import MARKDOWN_SUFFIXES
from ingest.records import Chunk, ChunkJSON, json_shape

CONTEXT_CHARS = 600  # of the document on each side of the passage, in "Surrounding text"
_ELLIPSIS = "…"


@dataclass(frozen=True)
class Passage:
    """A passage cut in three around its quote; before + quote + after is the passage."""

    before: str
    quote: str
    after: str

    @property
    def text(self) -> str:
        return self.before + self.quote + self.after


def split_passage(text: str, start: int, end: int, quote_start: int, quote_end: int) -> Passage:
    """The passage `text[start:end]` of a document, cut around the quote
    `text[quote_start:quote_end]`. A quote reaching past the passage widens it: the quote is
    what the answer rests on, and must be shown whole."""
    quote_start, quote_end = max(0, quote_start), min(len(text), quote_end)
    if quote_end < quote_start:
        quote_start = quote_end = max(0, min(quote_start, len(text)))
    start, end = min(start, quote_start), max(end, quote_end)
    return Passage(text[start:quote_start], text[quote_start:quote_end], text[quote_end:end])


def trim_context(before: str, after: str, chars: int) -> tuple[str, str]:
    """Text around a quote cut to about `chars` on each side at word boundaries, with an
    ellipsis where it was cut."""
    if len(before) > chars:
        cut = before[-chars:]
        space = cut.find(" ")
        before = _ELLIPSIS + (cut[space + 1:] if 0 <= space < 40 else cut)
    if len(after) > chars:
        cut = after[:chars]
        space = cut.rfind(" ")
        after = (cut[:space] if space > chars - 40 else cut) + _ELLIPSIS
    return before, after


def surrounding(document_text: str, start: int, end: int) -> Passage:
    """`document_text[start:end]` with about CONTEXT_CHARS of the document on each side."""
    before, after = trim_context(document_text[max(0, start - 2 * CONTEXT_CHARS):start],
                                 document_text[end:end + 2 * CONTEXT_CHARS], CONTEXT_CHARS)
    return Passage(before, document_text[start:end], after)


def text_of(documents: Mapping, chunk: Chunk) -> str:
    """The document's text (`documents` maps names to records with `.text`). An answer kept
    from before a rebuild may cite a document since removed: its chunk text then stands in
    for the document, placed at the chunk's own offsets."""
    document = documents.get(chunk.doc)
    if document is not None:
        return document.text
    return " " * chunk.start + chunk.text


def is_markdown(doc: str) -> bool:
    return Path(doc).suffix.lower() in MARKDOWN_SUFFIXES


def readable(doc: str, passage: Passage) -> Passage:
    """A passage of document `doc` as the paper reads: a Markdown source without its markup,
    PDF and text documents exactly as they are."""
    if not is_markdown(doc):
        return passage
    plain = markdown_source_text
    return Passage(plain(passage.before), plain(passage.quote), plain(passage.after))


def chunk_surroundings(chunk: Chunk, documents: Mapping) -> Passage:
    """The chunk's span of its document (`quote`) with the text before and after it, readable:
    what a source card's "Surrounding text" shows for a retrieved passage."""
    return readable(chunk.doc, surrounding(text_of(documents, chunk), chunk.start, chunk.end))


@json_shape
class ChunkInContextJSON(TypedDict):
    """A chunk and the text around it, as the app's "Surrounding text" shows it."""

    chunk: ChunkJSON
    before: str
    """About 600 characters of the document before the chunk, cut at a word (… where cut)."""
    text: str
    """The chunk's span of the document, as the paper reads (Markdown without its markup)."""
    after: str


def chunk_in_context_json(chunk: Chunk, documents: Mapping) -> ChunkInContextJSON:
    shown = chunk_surroundings(chunk, documents)
    return {"chunk": chunk.to_json(), "before": shown.before, "text": shown.quote, "after": shown.after}
