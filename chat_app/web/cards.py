"""What a source card shows, built from a citation of an answer or a retrieved passage.

The app draws a `Card`; everything it needs (the passage cut around the quote, the text
around it in the document, the citation string) is worked out here, without Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable, Mapping

from chat_app.documents.surroundings import (Passage, chunk_surroundings, is_markdown, readable, split_passage,
                                             surrounding, text_of)
from chat_app.engine.markdown_text import markdown_source_text
from chat_app.records import Answer, Citation
from index.search import Hit
from ingest.records import Chunk, ChunkKind


@dataclass(frozen=True)
class Card:
    title: str  # "[1] 4.2. Linkage policy" or "#3 4.2. Linkage policy"
    doc: str
    section: str
    page: str  # "p. 75", or how to find the passage in a source without pages
    passage: Passage  # the chunk, with the quote marked (no quote: all of it in `before`)
    context: Passage  # the quote with the document text around it
    quote: str  # as the document reads (for Markdown sources: without the markup), for the memo
    label: str  # the ready citation string

    @property
    def memo_text(self) -> str:
        """A quote with its citation, to paste into a memo in one piece."""
        return f"“{' '.join(self.quote.split())}” ({self.label})"


def answer_cards(answer: Answer, documents: Mapping) -> list[Card]:
    """One card per citation; for an abstention, one per related passage."""
    if answer.citations:
        return [citation_card(c, text_of(documents, c.chunk)) for c in answer.citations]
    return hit_cards(answer.hits, documents) if answer.abstained else []


def hit_cards(hits: Iterable[Hit], documents: Mapping) -> list[Card]:
    return [hit_card(h, documents) for h in hits]


def citation_card(citation: Citation, document_text: str) -> Card:
    chunk = citation.chunk
    quote = citation.quote
    if chunk.kind is ChunkKind.TABLE_ROW:
        # A row as it stands in the document is tab-separated cells without headers; the
        # chunk's rendering names the table, the columns and the values: that is quoted.
        passage, quote = Passage("", chunk.text, ""), chunk.text
    else:
        passage = split_passage(document_text, chunk.start, chunk.end, citation.start, citation.end)
    return _readable(Card(title=f"[{citation.n}] {chunk.section or chunk.doc}", doc=chunk.doc,
                          section=chunk.section, page=page_text(chunk, citation.page_label), passage=passage,
                          context=surrounding(document_text, citation.start, citation.end),
                          quote=quote, label=citation.label))


def hit_card(hit: Hit, documents: Mapping) -> Card:
    chunk = hit.chunk
    context = chunk_surroundings(chunk, documents)  # what GET /v1/chunks/{id} returns too
    passage = readable(chunk.doc, Passage(chunk.text, "", ""))
    # A table row is quoted as the chunk renders it (title, headers, values), as in citation_card.
    quote = passage.before if chunk.kind is ChunkKind.TABLE_ROW else context.quote
    return Card(title=f"#{hit.rank} {chunk.section or chunk.doc}", doc=chunk.doc, section=chunk.section,
                page=page_text(chunk, None), passage=passage, context=context, quote=quote, label=chunk.citation())


def _readable(card: Card) -> Card:
    """A Markdown document's text is its source (`US\\$95`, `**Keywords:**`): shown and
    quoted as the paper reads. PDF and text documents are shown exactly as they are."""
    if not is_markdown(card.doc):
        return card
    return replace(card, passage=readable(card.doc, card.passage), context=readable(card.doc, card.context),
                   quote=markdown_source_text(card.quote))


def page_text(chunk: Chunk, page_label: str | None) -> str:
    label = page_label or chunk.page_label
    if label:
        return f"p. {label}"
    if chunk.page is None:
        return "no page numbers in this source"
    return f"page {chunk.page}"
