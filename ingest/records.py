"""The typed records that flow from ingest to index to the answer.

`Document` is what a loader returns: the document's text as the reader sees it and the
structure found in it. `Chunk` is the unit that gets indexed, retrieved and cited; it is
frozen, knows where it came from, and serialises to plain JSON (never pickle).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from enum import Enum

from typing_extensions import TypedDict


def json_shape(shape: type) -> type:
    """Marks a TypedDict as the JSON a record's `to_json()` returns: the one definition the
    command lines print and the HTTP API's OpenAPI schema shows (FastAPI reads TypedDicts as
    response models). pydantic reads `__pydantic_config__`, as its `with_config` would set it,
    without this package importing pydantic: no key beyond those listed, and the string under
    each key is its description in the schema. TypedDicts come from typing_extensions: pydantic
    reads typing.TypedDict only from Python 3.12 on."""
    shape.__pydantic_config__ = {"extra": "forbid", "use_attribute_docstrings": True}
    return shape


class BlockKind(str, Enum):
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    TABLE = "table"


class ChunkKind(str, Enum):
    PARAGRAPHS = "paragraphs"  # one or more paragraphs of one section
    TABLE_ROW = "table_row"  # one row, repeating the table's title and column headers
    TABLE = "table"  # the whole table
    REFERENCES = "references"  # entries of a reference list: other works, not this one's claims


FRONT_MATTER = "Front matter"  # the section of what stands between a title and the first heading


def section_topic(section: str) -> str:
    """A section heading without its number: "4.2. Linkage policy" -> "Linkage policy"."""
    return re.sub(r"^\d+(?:\.\d+)*\.?\s+", "", section)


@dataclass(frozen=True)
class Page:
    """A physical page of the source and the slice of `Document.text` it produced."""

    number: int  # 1-based physical page
    label: str  # printed label where the PDF defines one, else str(number)
    start: int
    end: int
    ocr: bool = False  # the page's text was read from its picture (no text layer)


@dataclass(frozen=True)
class Table:
    """A table recovered from the source: title, column headers and rows of cells.

    `row_spans[i]` is the character span of row i in `Document.text`, so a row can be quoted
    exactly as it stands in the document.
    """

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    row_spans: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Block:
    """One structural unit of a document: a heading, a paragraph or a table."""

    kind: BlockKind
    start: int
    end: int
    level: int = 0  # heading depth (1 = top, 0 = the document's title); 0 for other blocks
    title: str = ""  # heading text without markup
    table: Table | None = None


@dataclass(frozen=True)
class DocumentMeta:
    """Bibliographic facts for citation strings; all optional."""

    title: str = ""
    authors: tuple[str, ...] = ()
    short_authors: str = ""  # "Pham, Ohno & Tran"
    year: str = ""

    def label(self, fallback: str) -> str:
        """`Pham, Ohno & Tran (2019), Title` or as much of it as is known."""
        who = self.short_authors or ", ".join(a.split()[-1] for a in self.authors)
        head = f"{who} ({self.year})" if who and self.year else who or self.year
        title = self.title or fallback
        return f"{head}, {title}" if head else title


@dataclass(frozen=True)
class Document:
    name: str  # file name relative to the corpus folder: what users see and cite
    text: str  # the text that chunks, spans and quotes refer to
    blocks: tuple[Block, ...]
    pages: tuple[Page, ...] = ()  # empty for sources without pages (Markdown, text)
    meta: DocumentMeta = field(default_factory=DocumentMeta)

    def page_at(self, offset: int) -> Page | None:
        """The page holding character `offset`, or None for page-less sources."""
        for page in self.pages:
            if page.start <= offset < page.end:
                return page
        return self.pages[-1] if self.pages and offset >= self.pages[-1].start else None


@json_shape
class ChunkJSON(TypedDict):
    """A chunk as `python -m index chunks` prints it: where it stands and what it says."""

    id: str
    """Stable across rebuilds: a hash of the document and the text."""
    doc: str
    """The document's file name in the corpus."""
    section: str
    section_path: list[str]
    """Headings from the outermost in."""
    kind: str
    """paragraphs, table_row, table or references."""
    text: str
    start: int
    """Character span of the chunk in its document's text."""
    end: int
    page: int | None
    """Physical page of the start; null for sources without pages."""
    page_end: int | None
    page_label: str | None
    """The page number as printed."""
    source: str
    """The document as cited: authors (year), title."""
    table_title: str
    cells: list[list[str]]
    """(column header, value) pairs of a table row."""
    ocr: bool
    """Read by OCR from a scanned page."""


@dataclass(frozen=True)
class Chunk:
    id: str
    doc: str
    section: str  # the innermost heading, e.g. "4.2. Linkage policy"
    section_path: tuple[str, ...]  # outermost first
    kind: ChunkKind
    text: str  # what is indexed and shown; for table rows a rendering of the row
    start: int  # character span in Document.text
    end: int
    page: int | None = None  # physical page of `start`; None for page-less sources
    page_end: int | None = None  # physical page of `end` (differs when crossing a break)
    page_label: str | None = None
    source: str = ""  # the document as cited: "Pham, Ohno & Tran (2019), Title"
    # For a table row: the table's title and the (column header, value) pairs of the row, so
    # that an answer can name the entity, the column, the value and its unit.
    table_title: str = ""
    cells: tuple[tuple[str, str], ...] = ()
    ocr: bool = False  # read by OCR from a scanned page: its words may hold OCR slips

    def citation(self, page_label: str | None = None) -> str:
        """A citation to paste into a memo:
        `Pham, Ohno & Tran (2019), Title, section 4.2, p. 5`. `page_label` names the page of
        the quoted sentence when it differs from the chunk's first page."""
        parts = [self.source or self.doc]
        number = re.match(r"^(\d+(?:\.\d+)*)\.?\s", self.section)
        if number:
            parts.append(f"section {number.group(1)}")
        elif self.section:
            parts.append(self.section)
        label = page_label or self.page_label
        if label:
            parts.append(f"p. {label}")
        return ", ".join(parts)

    @property
    def embed_text(self) -> str:
        """What the embedding model and BM25 see: the section gives a passage its topic
        ("This is a policy effort..." only makes sense under "5.3. Selective industrial
        policy"), and a paper's front matter is where its title and authors stand."""
        if self.section == FRONT_MATTER:
            return f"Front matter: title, authors and affiliations\n{self.text}"
        if self.kind in (ChunkKind.PARAGRAPHS, ChunkKind.REFERENCES) and self.section:
            return f"{section_topic(self.section)}\n{self.text}"
        return self.text

    def to_json(self) -> ChunkJSON:
        record = asdict(self)
        record["kind"] = self.kind.value
        record["section_path"] = list(self.section_path)
        record["cells"] = [list(pair) for pair in self.cells]
        return record

    @classmethod
    def from_json(cls, record: dict) -> "Chunk":
        values = dict(record)
        values["kind"] = ChunkKind(values["kind"])
        values["section_path"] = tuple(values["section_path"])
        values["cells"] = tuple(tuple(pair) for pair in values.get("cells", ()))
        return cls(**values)


@dataclass(frozen=True)
class Sentence:
    """A sentence of a chunk (or a whole table row): the unit an answer quotes.

    `quote` is the text exactly as it stands in the document, `text` what is scored (the
    same for prose; for a table row, the row rendered with its title and headers).
    """

    chunk_id: str
    start: int
    end: int
    text: str
    quote: str
    page: int | None = None
    page_label: str | None = None
    context: str = ""  # the section, which gives "This is a policy effort ..." its subject

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, record: dict) -> "Sentence":
        return cls(**record)


def content_id(*parts: str, length: int = 16) -> str:
    """A stable id from content, so an unchanged passage keeps its id across rebuilds."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:length]
