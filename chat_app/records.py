"""What the answer engine returns: an `Answer` with numbered `Citation`s, all typed, and the
JSON each one becomes (`...JSON`): the answer contract that `python -m chat_app ask --json`
prints and `POST /v1/ask` returns, defined once here for both."""

from __future__ import annotations

from dataclasses import dataclass, field

from typing_extensions import NotRequired, TypedDict

from index.search import Hit, HitJSON
from ingest.records import Chunk, json_shape

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


@json_shape
class CitationJSON(TypedDict):
    """A quote the answer rests on and where it stands."""

    n: int
    """The number of its [n] marker in the answer."""
    chunk_id: str
    doc: str
    section: str
    page: int | None
    """Physical page of the quoted text; null for sources without pages."""
    page_label: str | None
    """The page number as printed."""
    quote: str
    """The supporting text exactly as it stands in the document."""


@json_shape
class CellRefJSON(TypedDict):
    """A table cell the answer states."""

    table: str
    row: str
    column: str
    value: float | None
    """The number the cell prints; null for an empty cell the answer names as a gap."""
    text: str
    """The cell exactly as printed."""
    chunk_id: str
    """The row chunk the cell is cited from."""


@json_shape
class AnswerJSON(TypedDict):
    """An answer with its citations, as `python -m chat_app ask --json` prints it."""

    id: NotRequired[str]
    """The question's id (only with `ask --questions`)."""
    question: str
    rewritten_question: str
    """The question as understood: a follow-up with what it refers to filled in."""
    answer: str
    """One to three sentences, each followed by its [n]; on abstention, why the documents do not say."""
    abstained: bool
    citations: list[CitationJSON]
    hits: list[HitJSON]
    """The passages retrieved, best first; on abstention, the related reading."""
    method: str
    """extractive, or generated (worded by a language model from the numbered passages)."""
    table_cells: list[CellRefJSON]
    note: NotRequired[str]
    """Why a generated answer was replaced by the extractive one, when it was."""


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

    def to_json(self) -> CitationJSON:
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

    def to_json(self) -> CellRefJSON:
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

    def to_json(self, question_id: str | None = None) -> AnswerJSON:
        record: AnswerJSON = {} if question_id is None else {"id": question_id}  # type: ignore[typeddict-item]
        record.update({
            "question": self.question, "rewritten_question": self.rewritten_question, "answer": self.text,
            "abstained": self.abstained, "citations": [c.to_json() for c in self.citations],
            "hits": [h.to_json() for h in self.hits], "method": self.method,
            "table_cells": [c.to_json() for c in self.table_cells],
        })
        if self.note:
            record["note"] = self.note
        return record
