"""Split a `Document` into `Chunk`s that follow its structure.

Paragraphs are grouped inside one section up to a size bound and never across a section
boundary; a paragraph longer than the bound is split between sentences. Each table gives one
chunk per row (repeating its title and column headers, so a row answers on its own) and one
chunk for the whole table. Pure: no I/O.
"""

from __future__ import annotations

import re

from ingest.records import FRONT_MATTER, Block, BlockKind, Chunk, ChunkKind, Document, content_id
from ingest.sentences import sentence_spans
from ingest.tables import render_row, render_table


def chunk_document(doc: Document, max_chars: int) -> list[Chunk]:
    chunker = _Chunker(doc, max_chars)
    for block in doc.blocks:
        chunker.add(block)
    chunker.flush()
    return chunker.chunks


class _Chunker:
    def __init__(self, doc: Document, max_chars: int):
        self.doc = doc
        self.max_chars = max_chars
        self.source = doc.meta.label(doc.name)
        self.pending: list[tuple[int, int]] = []  # paragraph spans waiting to become a chunk
        self.chunks: list[Chunk] = []
        self._seen: dict[str, int] = {}
        # Text before the first section heading of a document that has headings is its
        # front matter (title, authors, affiliations).
        has_sections = any(b.kind is BlockKind.HEADING and b.level > 0 for b in doc.blocks)
        self.path: list[tuple[int, str]] = [(0, FRONT_MATTER)] if has_sections else []  # (depth, heading)

    def add(self, block: Block) -> None:
        if block.kind is BlockKind.HEADING:
            if block.level == 0:
                return  # the title names the document: it stays in the front matter chunk
            self.flush()
            while self.path and (self.path[-1][0] >= block.level or self.path[-1][1] == FRONT_MATTER):
                self.path.pop()
            self.path.append((block.level, block.title))
        elif block.kind is BlockKind.TABLE:
            self.flush()
            self._add_table(block)
        else:
            for start, end in self._pieces(block.start, block.end):
                if self.pending and end - self.pending[0][0] > self.max_chars:
                    self.flush()
                self.pending.append((start, end))

    def flush(self) -> None:
        if self.pending:
            start, end = self.pending[0][0], self.pending[-1][1]
            kind = ChunkKind.REFERENCES if self.path and _REFERENCES_RE.match(self.path[-1][1]) else ChunkKind.PARAGRAPHS
            self._emit(kind, self.doc.text[start:end], start, end)
            self.pending = []

    def _pieces(self, start: int, end: int) -> list[tuple[int, int]]:
        """The paragraph itself, or runs of its sentences when it is over the bound."""
        if end - start <= self.max_chars:
            return [(start, end)]
        pieces: list[tuple[int, int]] = []
        for s, e in sentence_spans(self.doc.text, start, end):
            for s, e in self._hard_split(s, e):
                if pieces and e - pieces[-1][0] <= self.max_chars:
                    pieces[-1] = (pieces[-1][0], e)
                else:
                    pieces.append((s, e))
        return pieces

    def _hard_split(self, start: int, end: int) -> list[tuple[int, int]]:
        """A single sentence over the bound is cut at the last space before it."""
        out = []
        while end - start > self.max_chars:
            cut = self.doc.text.rfind(" ", start, start + self.max_chars)
            cut = cut if cut > start else start + self.max_chars
            out.append((start, cut))
            start = cut + 1 if self.doc.text[cut:cut + 1] == " " else cut
        out.append((start, end))
        return out

    def _add_table(self, block: Block) -> None:
        table = block.table
        if table is None:
            # Rows a PDF reader found by their cells but whose columns could not be told apart:
            # one table chunk, kept out of the prose chunks rather than shredded into them.
            raw = self.doc.text[block.start:block.end].replace("\t", " | ")
            self._emit(ChunkKind.TABLE, raw, block.start, block.end, table_title=block.title)
            return
        for row, (start, end) in zip(table.rows, table.row_spans):
            cells = tuple((column, value) for column, value in zip(table.columns, row))
            self._emit(ChunkKind.TABLE_ROW, render_row(table, row), start, end,
                       table_title=table.title, cells=cells)
        note = _source_note(self.doc.text[block.start:block.end])
        self._emit(ChunkKind.TABLE, render_table(table, note), block.start, block.end)

    def _emit(self, kind: ChunkKind, text: str, start: int, end: int, **table_fields) -> None:
        section_path = tuple(title for _, title in self.path)
        section = section_path[-1] if section_path else ""
        base = content_id(self.doc.name, kind.value, section, text)
        # The same text twice in one section (a repeated caption) still gets distinct ids.
        occurrence = self._seen.get(base, 0)
        self._seen[base] = occurrence + 1
        chunk_id = base if occurrence == 0 else content_id(base, str(occurrence))
        first, last = self.doc.page_at(start), self.doc.page_at(max(start, end - 1))
        ocr = any(p.ocr for p in self.doc.pages if first and last and first.number <= p.number <= last.number)
        self.chunks.append(Chunk(
            id=chunk_id, doc=self.doc.name, section=section, section_path=section_path, kind=kind,
            text=text, start=start, end=end,
            page=first.number if first else None, page_end=last.number if last else None,
            page_label=first.label if first else None, source=self.source, ocr=ocr, **table_fields,
        ))


_REFERENCES_RE = re.compile(r"^(\d+\.?\s+)?(references|bibliography|works cited|literature cited)\b", re.IGNORECASE)


def is_source_note(line: str) -> bool:
    """A line under a table that says where its data come from, or notes on them."""
    return line.strip().lower().startswith(("source:", "sources:", "note:"))


def _source_note(table_text: str) -> str:
    return next((line.strip() for line in table_text.splitlines() if is_source_note(line)), "")
