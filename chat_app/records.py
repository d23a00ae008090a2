"""What the answer engine returns: an `Answer` with numbered `Citation`s, all typed."""

from __future__ import annotations

from dataclasses import dataclass, field

from index.search import Hit
from ingest.records import Chunk

NOT_IN_PAPER = "The paper does not say."
NOT_IN_DOCUMENTS = "The documents do not say."


def not_said(documents: int) -> str:
    """How a refusal opens: about the one paper, or about the several documents searched."""
    return NOT_IN_PAPER if documents <= 1 else NOT_IN_DOCUMENTS


def split_refusal(text: str) -> tuple[str, str]:
    """A refusal's opening ("The paper does not say.") and the reason after it."""
    for head in (NOT_IN_PAPER, NOT_IN_DOCUMENTS):
        if text.startswith(head):
            return head, text[len(head):].strip()
    return text, ""


@dataclass(frozen=True)
class Citation:
    n: int
    chunk: Chunk
    quote: str  # the supporting text exactly as it stands in the document
    start: int  # span of the quote in the document text
    end: int
    page: int | None  # the page of the quoted text (not of the chunk's start)
    page_label: str | None

    @property
    def label(self) -> str:
        """Ready to paste: `Pham, Ohno & Tran (2019), Title, section 4.2, p. 5`."""
        return self.chunk.citation(self.page_label)

    def to_json(self) -> dict:
        c = self.chunk
        return {"n": self.n, "chunk_id": c.id, "doc": c.doc, "section": c.section, "page": self.page,
                "page_label": self.page_label, "quote": self.quote}


@dataclass(frozen=True)
class CellRef:
    """One table cell an answer used: where it stands and what it prints. `value` is the
    number the cell prints (None for an empty cell an answer names as a gap); `text` is the
    cell exactly as printed, so a script can compare it with the document."""

    table: str  # "Table 2"
    row: str  # the row's label: "Thailand"
    column: str  # the column's header: "1985"
    value: float | None
    text: str
    chunk_id: str  # the row chunk the cell is cited from

    def to_json(self) -> dict:
        return {"table": self.table, "row": self.row, "column": self.column, "value": self.value,
                "text": self.text, "chunk_id": self.chunk_id}


@dataclass(frozen=True)
class Answer:
    question: str
    rewritten_question: str  # the question as understood (follow-ups resolved)
    text: str  # the short answer, each sentence followed by its [n]
    abstained: bool
    citations: tuple[Citation, ...] = ()
    hits: tuple[Hit, ...] = ()  # the passages retrieved; on abstention, the related reading
    method: str = "extractive"  # or "generated"
    note: str = ""  # e.g. why a generated answer was replaced by the extractive one
    seconds: float = 0.0
    reasons: tuple[str, ...] = field(default=())  # why the engine abstained, for the curious
    table_cells: tuple[CellRef, ...] = ()  # the table cells the answer states, in its order

    def to_json(self, question_id: str | None = None) -> dict:
        record = {} if question_id is None else {"id": question_id}
        record.update({
            "question": self.question, "rewritten_question": self.rewritten_question, "answer": self.text,
            "abstained": self.abstained, "citations": [c.to_json() for c in self.citations],
            "hits": [h.to_json() for h in self.hits], "method": self.method,
            "table_cells": [c.to_json() for c in self.table_cells],
        })
        if self.note:
            record["note"] = self.note
        return record
