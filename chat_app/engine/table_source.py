"""Questions about a table itself: where its figures come from, what its notes say.

"Where do the figures in Table 1 come from?" is answered by the table's own "Source:" line,
and "Table 3 takes Taiwan's income from another source: which?" by its note "*Taiwan's income
data is from IMF". Neither line is a row of the table, so the reader, which reads a table
through its cells, never sees them; and a row that shares the question's words ("Taiwan",
"income") would answer instead, with a figure where a source was asked for. So these lines
are found directly, as the document's lines about itself are (meta_answer): those under the
table (inside the table's passage, after its last row) that open with "Source", "Note" or a
footnote mark, and the note paragraph that may follow the table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chat_app.engine.coverage import match_form, word_set
from chat_app.engine.question import Question
from chat_app.engine.table_answer import TableKey, tables_for
from ingest.records import Chunk, ChunkKind

if TYPE_CHECKING:
    from chat_app.engine.reader import Reader

# Asks for a source, not for what a table shows: "Which sources was Table 4 adapted from?",
# "Where do the figures in the tables come from?", "When was the source accessed?", "What is
# Table 4 based on?". Not "What share of exports came from manufactured goods?" (no figures or
# data said to come from), nor "Based on Table 2, which country ...?".
_ASKS_SOURCE = re.compile(
    r"\b(sources?|sourced|adapted from|accessed|compiled (from|by))\b|\bbased on\s*\??\s*$|"
    r"\b(figures?|data|numbers?|statistics|values?|estimates?)\b[^?]*\b(come|comes|came|taken|drawn|obtained)\s+from\b",
    re.IGNORECASE)
_NOTE_ASKED = re.compile(r"\bnotes?\b|\bfootnotes?\b", re.IGNORECASE)
_REFERS_TO_TABLE = re.compile(r"\btables?\b", re.IGNORECASE)
# A line under a table that is about the table: "Source: World Bank ...", "Note: ...", "*Taiwan's ...".
_LINE_OPENS = re.compile(r"^\s*(\\?\*|sources?\s*:|notes?\s*:)", re.IGNORECASE)
_SAYS_SOURCE = re.compile(r"\b(sources?|from|adapted|accessed|data)\b", re.IGNORECASE)


@dataclass(frozen=True)
class SourceLine:
    """A line under a table, as it stands in its document (offsets into Document.text)."""

    chunk: Chunk  # the passage that holds it: the table, or the note paragraph after it
    start: int
    end: int
    text: str
    table: str  # "Table 1"
    page: int | None  # where the line stands: under the last row, or the note's own page
    page_label: str | None


def asks_about_table(question: Question) -> bool:
    """Whether a question asks where a table's figures come from, or what its notes say."""
    text = question.text
    return bool(_REFERS_TO_TABLE.search(text) and (_ASKS_SOURCE.search(text) or _NOTE_ASKED.search(text)))


def source_lines(question: Question, reader: "Reader", tables: dict[TableKey, list[Chunk]]) -> list[SourceLine]:
    """The lines under the tables the question is about that answer it: for each table, the
    line that names a name of the question ("Taiwan"), else its line that says where the data
    come from; [] when the tables have no such line (the reader answers then)."""
    out: list[SourceLine] = []
    for key in sorted(tables_for(question, tables)):
        rows = tables[key]
        if not _ASKS_SOURCE.search(question.text) and _has_notes_column(rows):
            continue  # "What does Table 3 note about Indonesia?": its Notes column, a cell
        whole = _table_passage(reader, rows)
        if whole is None:
            continue
        lines = _lines_under(reader, whole, rows)
        named = {match_form(w) for w in question.countries + question.names}
        naming = [line for line in lines if named & word_set(line.text)]
        # The table's own source line; the note paragraph after it only when a note is asked
        # for: "What are Table 3's assessments based on?" is answered in the text above it.
        sourcing = [line for line in lines if _SAYS_SOURCE.search(line.text)
                    and (line.chunk is whole or _NOTE_ASKED.search(question.text))]
        out += naming[:1] or sourcing[:1]
    return out


def _has_notes_column(rows: list[Chunk]) -> bool:
    return any(_NOTE_ASKED.search(column) for row in rows for column, _ in row.cells)


def _table_passage(reader: "Reader", rows: list[Chunk]) -> Chunk | None:
    """The whole-table passage that holds these rows."""
    first = rows[0]
    return next((c for c in reader.chunks_of_doc.get(first.doc, [])
                 if c.kind is ChunkKind.TABLE and c.start <= first.start < c.end), None)


def _lines_under(reader: "Reader", table: Chunk, rows: list[Chunk]) -> list[SourceLine]:
    """Lines after the table's last row that open as a source or note does, then the sentences
    of a note paragraph right after the table."""
    name = re.match(r"Table \d+", table.text)
    label = name.group(0) if name else "the table"
    text = reader.data.documents[table.doc].text
    last = max(rows, key=lambda r: r.end)
    after = last.end
    out = []
    offset = after
    for line in text[after:table.end].split("\n"):
        stripped = line.strip()
        if stripped and _LINE_OPENS.match(stripped):
            start = text.index(stripped, offset)
            out.append(SourceLine(table, start, start + len(stripped), stripped, label, last.page_end or last.page,
                                  last.page_label))
        offset += len(line) + 1
    following = next((c for c in reader.chunks_of_doc.get(table.doc, [])
                      if c.start >= table.end and c.kind not in (ChunkKind.TABLE, ChunkKind.TABLE_ROW)), None)
    if following is not None and following.section == table.section and _NOTE_ASKED.search(following.text[:200]):
        for row in reader.rows_of_chunk.get(following.id, []):
            sentence = reader.data.sentences[row]
            if _LINE_OPENS.match(sentence.text) or _NOTE_ASKED.search(sentence.text):
                out.append(SourceLine(following, sentence.start, sentence.end, sentence.text, label, sentence.page,
                                      sentence.page_label))
    return out
