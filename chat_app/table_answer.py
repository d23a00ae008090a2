"""Answers from table rows: entity, column, value, unit and table title.

"What was Thailand's manufacturing value added as a percentage of GDP in 2010?" is answered
from the Thailand row of Table 1, column 2010: "Thailand's manufacturing value-added was
31.07% of GDP in 2010 (Table 1)". When the question names a country the table lacks, or a
year beyond its columns, that is a near miss: the table cannot answer it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chat_app.coverage import match_form, word_set
from chat_app.question import Question
from index.tokens import fold, tokenize
from ingest.records import Chunk, ChunkKind

_YEAR_RE = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_EMPTY = {"", "-", "–", "—", "n.a.", "N.A."}


@dataclass(frozen=True)
class TableCell:
    chunk: Chunk
    column: str
    value: str
    score: float
    header_score: float  # from the column alone: its year (2) and the question's words in it


@dataclass(frozen=True)
class NearMiss:
    kind: str  # "country" (not a row), "year" (not a column), "empty" (the cell is "-")
    reason: str  # "Japan is not in Table 3", "Table 1 has no column for 2020"
    measure: frozenset[str]  # the question's words that the table's headers share


TableKey = tuple[str, str]  # (document, table title)

# Words that say "a number" without saying which: they do not make a table the right one.
_GENERIC = frozenset("value values share percentage percent proportion level amount number total figure figures "
                     "data much many".split())


def table_of(chunk: Chunk) -> str:
    match = re.match(r"(Table \d+)", chunk.table_title)
    return match.group(1) if match else "the table"


def table_key(chunk: Chunk) -> TableKey:
    return chunk.doc, chunk.table_title


def cell_for(question: Question, row: Chunk) -> TableCell | None:
    """The cell of `row` that answers `question`, if the row is about what is asked: its
    label is the question's country (or name), the table covers the year asked about, and
    the table's title and headers cover at least half of what the question measures."""
    label = row.cells[0][1] if row.cells else ""
    if not _row_matches(question, label):
        return None
    columns = " ".join(c for c, _ in row.cells)
    if any(y not in columns for y in question.years):
        return None  # the table does not cover the year asked about
    wanted = _measure_stems(question)
    described = set(tokenize(f"{row.table_title} {columns} {' '.join(v for _, v in row.cells[1:])}"))
    covered = not wanted or len(wanted & described) >= 0.5 * len(wanted)
    best: TableCell | None = None
    for column, value in row.cells[1:]:
        if value.strip() in _EMPTY:
            continue
        # a text cell can answer through its own words ("low corporate income tax (17%)")
        header = _column_score(question, wanted, column)
        score = header + len(wanted & set(tokenize(value)))
        if score > 0 and (best is None or score > best.score):
            best = TableCell(row, column, value, score, header)
    # The row is about what is asked when the table covers half the question's measure, or
    # one column names it outright ("Easy doing business ranking" for "ease of doing business").
    names_it = best is not None and len(wanted & set(tokenize(best.column))) >= 2
    return best if best is not None and (covered or names_it) else None


def near_miss(question: Question, rows: list[Chunk], all_rows: dict[TableKey, list[Chunk]]) -> NearMiss | None:
    """When the question's measure is a retrieved table's but its country is not among the
    table's rows, or its year not among the columns, the table cannot answer it."""
    if not question.countries:
        return None
    wanted = _measure_stems(question)
    fits = []
    for key in {table_key(r) for r in rows}:
        first = all_rows[key][0]
        shared = wanted & set(tokenize(key[1] + " " + " ".join(c for c, _ in first.cells[1:])))
        if len(shared) >= 2 or (shared and question.years):
            fits.append((len(shared), key, frozenset(shared)))
    if not fits:
        return None
    _, key, measure = max(fits)
    table = table_of(all_rows[key][0])
    labels = {w for r in all_rows[key] for w in word_set(r.cells[0][1] if r.cells else "")}
    absent = [c for c in question.countries if match_form(c) not in labels]
    if absent:
        return NearMiss("country", f"{', '.join(a.title() for a in absent)} is not in {table}", measure)
    columns = " ".join(c for c, _ in all_rows[key][0].cells)
    missing_years = [y for y in question.years if y not in columns]
    if missing_years:
        return NearMiss("year", f"{table} has no column for {', '.join(missing_years)}", measure)
    for row in all_rows[key]:
        if _row_matches(question, row.cells[0][1]):
            empty = [c for c, v in row.cells[1:] if v.strip() in _EMPTY and any(y in c for y in question.years)]
            if empty:
                return NearMiss("empty", f"{table} gives no value for {row.cells[0][1]} in {', '.join(empty)}",
                                measure)
    return None


def _measure_stems(question: Question) -> set[str]:
    countries = {match_form(c) for c in question.countries}
    words = [w for w in question.content if match_form(w) not in countries and w not in _GENERIC]
    return set(tokenize(" ".join(words)))


def _row_matches(question: Question, label: str) -> bool:
    label_words = word_set(label)
    if question.countries:
        return all(match_form(c) in label_words for c in question.countries)
    return bool(label_words) and label_words <= {match_form(w) for w in question.content}


def _column_score(question: Question, wanted: set[str], column: str) -> float:
    column_years = set(_YEAR_RE.findall(column))
    score = 0.0
    if question.years:
        if column_years & set(question.years):
            score += 2.0
        elif column_years:
            return 0.0  # a column of another year
    return score + len(wanted & set(tokenize(column)))


def compose(cell: TableCell) -> str:
    """One sentence stating the cell, with the table it comes from (no citation marker)."""
    row = cell.chunk
    label = row.cells[0][1]
    measure, unit = _measure_and_unit(row.table_title)
    value = fold(cell.value)  # OCR puts Cyrillic "В" for a grade "B"
    table = table_of(row)
    if _YEAR_RE.fullmatch(cell.column.strip()) and measure:
        amount = f"{value}{unit}" if unit.startswith("%") else f"{value} {unit}".strip()
        return f"{_possessive(label)} {measure} was {amount} in {cell.column.strip()} ({table})."
    title = re.sub(r"^Table \d+\.?\s*", "", row.table_title).strip()
    where = f"{table} ({title})" if title else table
    if re.search(r"[A-Za-z]{3,}.*\s", value):  # a description rather than a figure or grade
        return f"{where} describes {label} under \"{cell.column.strip()}\": {value.rstrip('.')}."
    return f"In {where}, {_possessive(label)} {cell.column.strip()} is {value}."


def _possessive(label: str) -> str:
    return f"{label}'" if label.endswith("s") else f"{label}'s"


def _measure_and_unit(title: str) -> tuple[str, str]:
    """"Table 1. Manufacturing value-added of selected East Asian countries (% of GDP)" ->
    ("manufacturing value-added", "% of GDP")."""
    title = re.sub(r"^Table \d+\.?\s*", "", title).strip()
    unit_match = re.search(r"\(([^()]*)\)\s*$", title)
    unit = unit_match.group(1).strip() if unit_match else ""
    title = title[:unit_match.start()].strip() if unit_match else title
    title = re.split(r"\s+(?:of|in|for|across|by|among)\s+(?:selected|major|the|some|all|\w+ countries|countries|economies)\b",
                     title, maxsplit=1)[0]
    if title and not title[:2].isupper():
        title = title[0].lower() + title[1:]
    return title, unit


def rows_by_table(chunks: list[Chunk]) -> dict[TableKey, list[Chunk]]:
    out: dict[TableKey, list[Chunk]] = {}
    for chunk in chunks:
        if chunk.kind is ChunkKind.TABLE_ROW and chunk.cells:
            out.setdefault(table_key(chunk), []).append(chunk)
    return out
