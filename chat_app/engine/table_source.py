"""Questions about a table itself: where its figures come from, what its notes say.

"Where do the figures in Table 1 come from?" is answered by the table's own "Source:" line,
and "Table 3 takes Taiwan's income from another source: which?" by its note "*Taiwan's income
data is from IMF". Neither line is a row of the table, so the reader, which reads a table
through its cells, never sees them; and a row that shares the question's words ("Taiwan",
"income") would answer instead, with a figure where a source was asked for. So these lines
are found directly, as the document's lines about itself are (meta_answer): those under the
table (inside the table's passage, after its last row) that open with "Source", "Note" or a
footnote mark, and the note paragraph that may stand right under the table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chat_app.engine.coverage import word_set
from chat_app.engine.question import Question
from chat_app.engine.table_answer import TableKey, label_of, table_of, tables_for
from ingest.chunker import is_source_note
from ingest.records import Chunk, ChunkKind

if TYPE_CHECKING:
    from chat_app.engine.reader import Reader

_TABLE_REF = re.compile(r"\btables?\b", re.IGNORECASE)
# "the source of Taiwan's income figure": up to three words (not verbs) before what has a source
_OF_DATA = r"(the |this |its |these )?((?!(does|do|did|is|are|was|were|shows?|gives?)\b)[\w'-]+ ){0,3}" \
           r"(tables?|figures?|data|numbers?|statistics|values?|estimates?)\b"
# Asks for the source of a table or of its figures: "Which sources was Table 4 adapted from?",
# "Where do the figures in the tables come from?", "When was the source accessed?", "What is
# Table 4 based on?", "What source does Table 3 use for Taiwan?". Not "What is the main source
# of FDI according to Table 4?", "Which sources of growth does Table 2 show?" (a source of
# something else), "What share of exports came from manufactured goods?" (no figures said to
# come from), nor "Based on Table 2, which country ...?".
_ASKS_SOURCE = re.compile(
    rf"\bsources? (of|for|behind) {_OF_DATA}|\btables?( \d+)?('s)? (data )?sources?\b|\b(what|which) sources?\b|"
    rf"\b(sourced|adapted from|accessed|compiled (from|by))\b|\bbased on\s*\??\s*$|"
    rf"\bwhose (data|figures?|numbers?|statistics|estimates?)( (is|are|was|were) (that|this|it|these|those|they))?"
    rf"\s*\??\s*$|"
    rf"\b(figures?|data|numbers?|statistics|values?|estimates?)\b[^?]*\b(come|comes|came|taken|drawn|obtained)\s+from\b",
    re.IGNORECASE)
_SOURCE_OF_OTHER = re.compile(rf"\bsources? of (?!{_OF_DATA})", re.IGNORECASE)
# A note as a thing ("the note under Table 3", "notes to the table"), not the verb ("What does
# Table 1 note about Korea?").
_NOTE_ASKED = re.compile(r"\b(the|its|a|any) (foot)?notes?\b|\b(foot)?notes? (under|below|beneath|to|of|on)\b",
                         re.IGNORECASE)
# What only the notes under a table say: its marks ("Why is Taiwan's income marked with an
# asterisk?") and what it leaves out ("What is left out of the assessment in Table 3?"; not
# "Which country is left out of Table 1?", which its rows answer, or not).
_MARK_ASKED = re.compile(r"\basterisks?\b|\b(marked|flagged) with\b|"
                         r"^what\b[^?]*\b((left|leaves?|leaving) out|exclude[sd]?|excluding|omit(s|ted)?)\b",
                         re.IGNORECASE)
_FOOTNOTE = re.compile(r"^\s*\\?\*")  # "*Taiwan's income data is from IMF", Markdown-escaped or not
_OPENS_NOTE = re.compile(r"\bnotes?\s*:|^\s*\\?\*|^\s*sources?\s*:", re.IGNORECASE)
_SAYS_SOURCE = re.compile(r"\b(sources?|from|adapted|accessed|data)\b", re.IGNORECASE)


@dataclass(frozen=True)
class SourceLine:
    """A line under a table, as it stands in its document (offsets into Document.text)."""

    chunk: Chunk  # the passage that holds it: the table, or the note paragraph under it
    start: int
    end: int
    text: str
    table: str  # "Table 1"


def asks_about_table(question: Question) -> bool:
    """Whether a question asks where a table's figures come from, or what its notes say."""
    text = question.text
    source = _ASKS_SOURCE.search(text) and not _SOURCE_OF_OTHER.search(text)
    return bool(_TABLE_REF.search(text) and (source or _NOTE_ASKED.search(text) or _MARK_ASKED.search(text)))


def source_lines(question: Question, reader: "Reader", tables: dict[TableKey, list[Chunk]]) -> list[SourceLine]:
    """The lines under the tables the question is about that answer it: for each table, the
    line that names a name of the question ("Taiwan"), else its line that says where the data
    come from; [] when the tables have no such line (the reader answers then)."""
    out: list[SourceLine] = []
    named = word_set(" ".join(question.countries + question.names))
    source_asked, mark_asked = bool(_ASKS_SOURCE.search(question.text)), bool(_MARK_ASKED.search(question.text))
    note_asked = mark_asked or bool(_NOTE_ASKED.search(question.text))
    for key in sorted(tables_for(question, tables)):
        rows = tables[key]
        if not (source_asked or mark_asked) and named & word_set(" ".join(label_of(r) for r in rows)) \
                and _has_notes_column(rows):
            continue  # "What does Table 3's note say about Indonesia?": its Notes column, a cell
        whole = _table_passage(reader, rows)
        if whole is None:
            continue
        lines = _lines_under(reader, whole, rows)
        naming = [line for line in lines if named & word_set(line.text)]
        # The table's own source line; the note paragraph under it only when a note is asked
        # for: "What are Table 3's assessments based on?" is answered in the text above it.
        sourcing = [line for line in lines if _SAYS_SOURCE.search(line.text) and (line.chunk is whole or note_asked)]
        out += naming[:1] or sourcing[:1] or (lines[:1] if note_asked else [])
    return out


def _has_notes_column(rows: list[Chunk]) -> bool:
    return any(re.search(r"\bnotes?\b", column, re.IGNORECASE) for row in rows for column, _ in row.cells)


def _table_passage(reader: "Reader", rows: list[Chunk]) -> Chunk | None:
    """The whole-table passage that holds these rows."""
    first = rows[0]
    return next((c for c in reader.chunks_of_doc.get(first.doc, [])
                 if c.kind is ChunkKind.TABLE and c.start <= first.start < c.end), None)


def _lines_under(reader: "Reader", table: Chunk, rows: list[Chunk]) -> list[SourceLine]:
    """Lines after the table's last row that open as a source or note does, then the sentences
    of a note paragraph right under the table (nothing but white space between them)."""
    label = table_of(rows[0])
    text = reader.data.documents[table.doc].text
    after = max(r.end for r in rows)
    out = []
    offset = after
    for line in text[after:table.end].split("\n"):
        stripped = line.strip()
        if stripped and (is_source_note(stripped) or _FOOTNOTE.match(stripped)):
            start = text.index(stripped, offset)
            out.append(SourceLine(table, start, start + len(stripped), stripped, label))
        offset += len(line) + 1
    following = min((c for c in reader.chunks_of_doc.get(table.doc, []) if c.start >= table.end),
                    key=lambda c: c.start, default=None)
    if following is None or following.kind in (ChunkKind.TABLE, ChunkKind.TABLE_ROW) \
            or text[table.end:following.start].strip():
        return out
    sentences = [reader.data.sentences[row] for row in reader.rows_of_chunk.get(following.id, [])]
    if sentences and _OPENS_NOTE.search(sentences[0].text):
        out += [SourceLine(following, s.start, s.end, s.text, label) for s in sentences
                if _OPENS_NOTE.search(s.text) or _NOTE_ASKED.search(s.text)]
    return out
