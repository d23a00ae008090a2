"""Answers from table rows: entity, column, value, unit and table title.

"What was Thailand's manufacturing value added as a percentage of GDP in 2010?" is answered
from the Thailand row of Table 1, column 2010: "Thailand's manufacturing value-added was
31.07% of GDP in 2010 (Table 1)". When the question names a country the table lacks, or a
year beyond its columns, that is a near miss: the table cannot answer it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from chat_app.engine.answer_types import gives_figure_for, has_figure
from chat_app.engine.coverage import match_form, without_citations, word_set
from chat_app.engine.question import COUNTRIES, UNIT_WORDS, YEAR_RE, Question, QuestionType
from index.tokens import fold, tokenize
from ingest.records import Chunk, ChunkKind

_AGGREGATES = frozenset("total all combined altogether overall sum together".split())
TABLE_REF_RE = re.compile(r"\btable\s+(\d+)\b", re.IGNORECASE)  # "according to Table 2"
_TABLES_REF_RE = re.compile(r"\btables\s+(\d+(?:\s*(?:,|and|&|-|–|to)\s*\d+)+)", re.IGNORECASE)  # "Tables 1 and 2"


def table_refs(text: str) -> set[str]:
    """The numbers of the tables a text names: "Table 2", "Tables 1 and 2", "Tables 1-3"."""
    numbers = set(TABLE_REF_RE.findall(text))
    for match in _TABLES_REF_RE.finditer(text):
        listed = [int(n) for n in re.findall(r"\d+", match.group(1))]
        ranged = re.search(r"\d+\s*(?:-|–|to)\s*\d+", match.group(1))
        numbers |= {str(n) for n in (range(min(listed), max(listed) + 1) if ranged and len(listed) == 2 else listed)}
    return numbers
EMPTY_CELLS = {"", "-", "–", "—", "n.a.", "N.A."}


@dataclass(frozen=True)
class TableCell:
    chunk: Chunk
    column: str
    value: str
    score: float
    more: tuple[tuple[str, str], ...] = ()  # the other years the question asks about: (column, value)


@dataclass(frozen=True)
class NearMiss:
    kind: str  # "country" (not a row), "year" (not a column), "empty" (the cell is "-")
    reason: str  # "Japan is not in Table 3", "Table 1 has no column for 2020"
    measure: frozenset[str]  # the question's words that the table's headers share


TableKey = tuple[str, str]  # (document, table title)



def table_of(chunk: Chunk) -> str:
    match = re.match(r"(Table \d+)", chunk.table_title)
    return match.group(1) if match else "the table"


def table_key(chunk: Chunk) -> TableKey:
    return chunk.doc, chunk.table_title


def label_of(row: Chunk) -> str:
    """A row's label, its first cell: "Thailand", "Total"."""
    return row.cells[0][1].strip() if row.cells else ""


def year_columns(row: Chunk) -> list[str]:
    """The year columns, oldest first, whatever order the table prints them in."""
    return sorted((c.strip() for c, _ in row.cells[1:] if YEAR_RE.fullmatch(c.strip())), key=int)


def label_words(rows: list[Chunk]) -> set[str]:
    """The words of a table's row labels."""
    return {w for r in rows for w in word_set(label_of(r))}


def rows_are_countries(labels: set[str]) -> bool:
    """Whether a table's rows are countries (two or more labels name one): then a country the
    question names that is not a row is missing from the table, not out of its scope."""
    return sum(1 for label in labels if label in COUNTRIES) >= 2


def possessive(label: str) -> str:
    return f"{label}'" if label.endswith("s") else f"{label}'s"


def cell_for(question: Question, row: Chunk) -> TableCell | None:
    """The cell of `row` that answers `question`, if the row is about what is asked: its
    label is the question's country (or name), the table covers the year asked about, and
    the table's title and headers cover at least half of what the question measures."""
    label = label_of(row)
    if not _row_matches(question, label):
        return None
    columns = " ".join(c for c, _ in row.cells)
    if any(y not in columns for y in question.years):
        return None  # the table does not cover the year asked about
    wanted = measure_stems(question)
    # The unit in the title's parentheses ("(% of GDP)") is not what the table measures.
    described = title_stems(row) | set(tokenize(f"{columns} {' '.join(v for _, v in row.cells[1:])}"))
    # A question that names the table ("praised in Table 3") is about it, whatever its words.
    # The unit counts once the title's measure is named: "how much did manufacturing contribute
    # to GDP" is Table 1's "Manufacturing value-added (% of GDP)"; "GDP growth" is not.
    unit = set(tokenize(measure_and_unit(row.table_title)[1])) if wanted & title_stems(row) else set()
    covered = not wanted or len(wanted & (described | unit)) >= 0.5 * len(wanted) \
        or len(wanted & title_stems(row)) >= 2 or _names_table(question, row)
    best: TableCell | None = None
    for column, value in row.cells[1:]:
        if value.strip() in EMPTY_CELLS:
            continue
        # A text cell can answer through its own words ("low corporate income tax (17%)"), but
        # the column the question names (its year, its header words) counts twice as much:
        # "what weakness ..." asks for the "Main weakness" column.
        score = 2 * _column_score(question, wanted, column) + len(wanted & set(tokenize(value)))
        if score > 0 and (best is None or score > best.score):
            best = TableCell(row, column, value, score)
    # The row is about what is asked when the table covers half the question's measure, or
    # one column names it outright ("Easy doing business ranking" for "ease of doing business").
    names_it = best is not None and len(wanted & set(tokenize(best.column))) >= 2
    if best is None or not (covered or names_it):
        return None
    # One of several countries compared: only on a column the question names ("ease of doing
    # business rank", "overall grade"), not on one its topic merely touches ("FDI policy" for
    # "where is Vietnam ahead on industrial policy?").
    column = set(tokenize(best.column)) - set(YEAR_RE.findall(best.column))
    if not all(_countries_named(question, word_set(label))) and not (names_it or (column and column <= wanted)):
        return None
    # "How did it change between 2000 and 2017?" asks for two cells of the row.
    more = tuple((c, v) for c, v in row.cells[1:] if c != best.column and v.strip() not in EMPTY_CELLS
                 and set(YEAR_RE.findall(c)) & set(question.years))
    return replace(best, more=more) if more else best


def tables_for(question: Question, all_rows: dict[TableKey, list[Chunk]]) -> set[TableKey]:
    """The tables the question is about: the one it names ("according to Table 2"), else those
    that share the most of what it measures, words of the title (what a table measures) counting
    twice those of the headers (how it is laid out). "Manufactured exports" is Table 2's measure,
    not Table 1's "manufacturing value-added", though both have a row for Vietnam."""
    # A table about other countries is not about this one: its rows are countries without it,
    # or its title says whose it is ("parks in Ethiopia") and that is not the question's.
    all_rows = {key: rows for key, rows in all_rows.items() if _may_be_about(question, rows)}
    named = table_refs(question.text)
    if named:
        return {key for key, rows in all_rows.items() if table_of(rows[0]).split()[-1] in named}
    fit = {key: _fit(question, rows[0]) for key, rows in all_rows.items()}
    best = max(fit.values(), default=0)
    return {key for key, score in fit.items() if score == best} if best else set()


def _may_be_about(question: Question, rows: list[Chunk]) -> bool:
    if not question.countries:
        return True
    if rows_are_countries(label_words(rows)):
        return True  # rows of countries: a missing one is a near miss of this table
    scope = word_set(rows[0].table_title) & COUNTRIES
    return not scope or {match_form(c) for c in question.countries} <= scope


def _names_table(question: Question, row: Chunk) -> bool:
    return table_of(row).split()[-1] in table_refs(question.text)


def _fit(question: Question, row: Chunk) -> int:
    wanted = measure_stems(question)
    title = title_stems(row)
    headers = set(tokenize(" ".join(c for c, _ in row.cells[1:])))
    score = 2 * len(wanted & title) + len(wanted & (headers - title))
    if score and question.years and bool(year_columns(row)):
        score += 1  # a question about a year belongs to a table laid out by year
    return score


def title_stems(row: Chunk) -> set[str]:
    """What a table measures: its title without the number and the unit in parentheses
    ("(% of GDP)" says how Table 1 measures, not that it is about GDP)."""
    return set(tokenize(re.sub(r"\([^()]*\)", " ", re.sub(r"^Table \d+\.?", "", row.table_title))))


def near_miss(question: Question, all_rows: dict[TableKey, list[Chunk]]) -> NearMiss | None:
    """When the question asks for a cell of a table (a country's figure in a year the table is
    laid out by, or under a column it names), but the table lacks the country (a row), the
    year (a column) or the cell is empty, the table cannot answer it. A question that only
    shares a word with a table's title ("SME policy" and "FDI, SME and industrial zone
    policies") asks for no cell of it."""
    if not question.countries:
        return None
    wanted = measure_stems(question)
    for key in sorted(tables_for(question, all_rows)):
        rows = all_rows[key]
        first = rows[0]
        in_title = wanted & title_stems(first)
        by_year = bool(question.years) and bool(year_columns(first)) and bool(in_title)
        # A column named by the question's words asks for its cell only in a question for a
        # value ("ranking", "how much") or about the table itself ("in Table 3"): "What support
        # did the programme offer to industries?" shares two words with "Supporting industry".
        asks_cell = question.type is QuestionType.NUMBER or _names_table(question, first)
        named = _named_columns(wanted, first) if asks_cell else set()
        if not by_year and not named:
            continue
        table = table_of(first)
        if len({k[0] for k in all_rows}) > 1:  # several documents: say whose table
            table = f"{table} of {key[0]}"
        labels = label_words(rows)
        # A country is missing from a table whose rows are countries; "parks in Ethiopia" in a
        # title is the table's scope, not a row that is missing.
        scope = word_set(first.table_title)
        by_country = rows_are_countries(labels)
        absent = [c for c in question.countries if by_country and match_form(c) not in labels | scope]
        measure = frozenset(wanted & _described(first))
        if absent:
            return NearMiss("country", f"{', '.join(a.title() for a in absent)} is not in {table}", measure)
        columns = " ".join(c for c, _ in first.cells)
        missing_years = [y for y in question.years if y not in columns]
        if by_year and missing_years:
            return NearMiss("year", f"{table} has no column for {', '.join(missing_years)}", measure)
        for row in rows:
            if not _row_matches(question, label_of(row)):
                continue
            asked = [(c, v) for c, v in row.cells[1:]
                     if (by_year and any(y in c for y in question.years)) or (not by_year and c in named)]
            empty = [c.strip() for c, v in asked if v.strip() in EMPTY_CELLS]
            if asked and len(empty) == len(asked):
                where = f"in {', '.join(empty)}" if by_year else f"under \"{', '.join(empty)}\""
                return NearMiss("empty", f"{table} gives no figure for {label_of(row)} {where}", measure)
    return None


def _named_columns(wanted: set[str], row: Chunk) -> set[str]:
    """Columns the question names by their header: all the header's words, or two of them
    ("ease of doing business ranking" names "Easy doing business ranking (WB, 2018)")."""
    named = set()
    for column, _ in row.cells[1:]:
        stems = {s for s in tokenize(re.sub(r"\(.*?\)", "", column)) if not s.isdigit()}
        if stems and len(wanted & stems) >= min(2, len(stems)):
            named.add(column)
    return named


def _described(row: Chunk) -> set[str]:
    return set(tokenize(row.table_title + " " + " ".join(c for c, _ in row.cells[1:])))


def states_instead(question: Question, sentence: str, miss: NearMiss) -> bool:
    """Whether prose says what the table cannot: the figure for that country (and year)."""
    sentence = without_citations(sentence)  # "(General Statistical Office, 2018)" states no 2018 figure
    said = word_set(sentence)
    if not all(y in said for y in question.years) or not has_figure(sentence):
        return False
    if miss.kind == "country":
        return all(c in said for c in question.countries) and len(miss.measure & set(tokenize(sentence))) >= 1
    if miss.kind == "year":
        return True  # the years the table lacks, with a figure, in a passage about the country
    # An empty cell: the figure must be the country's, not another country's named beside it.
    others = {c for c in COUNTRIES if c in said} - set(question.countries)
    return gives_figure_for(question, sentence) or not others


def measure_stems(question: Question) -> set[str]:
    countries = {match_form(c) for c in question.countries}
    # Units ("share", "percent") say how a figure is given, not which table holds it.
    words = [w for w in question.content if match_form(w) not in countries and w not in UNIT_WORDS]
    return set(tokenize(" ".join(words)))


def _row_matches(question: Question, label: str) -> bool:
    label_words = word_set(label)
    if not label_words:
        return False  # a row without a label (a note, a continued cell) is nobody's
    asked = {match_form(w) for w in question.content}
    if label_words <= _AGGREGATES:  # the "Total" row answers "combined", "altogether", "all ... together"
        return bool(asked & _AGGREGATES)
    if question.countries and label_words & COUNTRIES:
        # "Ease of doing business rank: Vietnam vs Indonesia?" is answered by both rows
        # (AnswerEngine states the other's cell beside the one the reader picks).
        named = _countries_named(question, label_words)
        return all(named) or (len(named) > 1 and any(named))
    return bool(label_words) and label_words <= asked


def _countries_named(question: Question, label_words: set[str]) -> list[bool]:
    """For each country of the question, whether a row label (as its word set) names it."""
    return [match_form(c) in label_words for c in question.countries]


def _column_score(question: Question, wanted: set[str], column: str) -> float:
    column_years = set(YEAR_RE.findall(column))
    score = 0.0
    if question.years:
        if column_years & set(question.years):
            score += 2.0
        elif column_years:
            return 0.0  # a column of another year
    return score + len(wanted & set(tokenize(column)))


def same_column(cell: TableCell, rows: list[Chunk], labels: list[str]) -> tuple[list[TableCell], list[str]]:
    """The cells of `cell`'s column in the rows labelled `labels` (countries, in the question's
    order), other than its own row, that hold a value; and what the table lacks for the others
    ("no row for Ethiopia", "no figure for Taiwan")."""
    out, lacking = [], []
    own = word_set(label_of(cell.chunk))
    for wanted in labels:
        if match_form(wanted) in own:
            continue
        row = next((r for r in rows if match_form(wanted) in word_set(label_of(r))), None)
        value = dict(row.cells[1:]).get(cell.column, "") if row is not None else ""
        if row is None:
            lacking.append(f"no row for {wanted.title()}")
        elif value.strip() in EMPTY_CELLS:
            lacking.append(f"no figure for {label_of(row)}")
        else:
            out.append(TableCell(row, cell.column, value, 0.0))
    return out, lacking


def compose(cell: TableCell, table_named: bool = False) -> str:
    """One sentence stating the cell, with the table it comes from unless a sentence before it
    named the table (`table_named`); no citation marker."""
    row = cell.chunk
    label = row.cells[0][1]
    measure, unit = measure_and_unit(row.table_title)
    value = fold(cell.value)  # OCR puts Cyrillic "В" for a grade "B"
    table = table_of(row)
    if YEAR_RE.fullmatch(cell.column.strip()) and measure:
        def amount(v: str) -> str:
            v = fold(v)
            return f"{v}{unit}" if unit.startswith("%") else f"{v} {unit}".strip()

        said = sorted([(cell.column.strip(), cell.value)] + [(c.strip(), v) for c, v in cell.more])
        stated = " and ".join(f"{amount(v)} in {year}" for year, v in said)
        return f"{possessive(label)} {measure} was {stated} ({table})."
    title = re.sub(r"^Table \d+\.?\s*", "", row.table_title).strip()
    where = f"{table} ({title})" if title else table
    if re.search(r"[A-Za-z]{3,}.*\s", value):  # a description rather than a figure or grade
        if table_named:
            return f"It describes {label} under \"{cell.column.strip()}\": {value.rstrip('.')}."
        return f"{where} describes {label} under \"{cell.column.strip()}\": {value.rstrip('.')}."
    if table_named:
        return f"{possessive(label)} is {value}."
    return f"In {where}, {possessive(label)} {cell.column.strip()} is {value}."


def measure_and_unit(title: str) -> tuple[str, str]:
    """"Table 1. Manufacturing value-added of selected East Asian countries (% of GDP)" ->
    ("manufacturing value-added", "% of GDP")."""
    title = re.sub(r"^Table \d+\.?\s*", "", title).strip()
    unit_match = re.search(r"\(([^()]*)\)\s*$", title)
    unit = unit_match.group(1).strip() if unit_match else ""
    title = title[:unit_match.start()].strip() if unit_match else title
    # What is measured comes before what it is measured over: "Exports of federal industrial
    # parks in Ethiopia, 2017-2020" -> "exports"; "... of selected East Asian countries" goes too.
    title = re.split(r"\s+(?:of|in|for|across|by|among)\s+", title, maxsplit=1)[0]
    title = re.sub(r",?\s*(19|20)\d\d\s*[-–]\s*(19|20)?\d\d$", "", title).strip()
    if title and not title[:2].isupper():
        title = title[0].lower() + title[1:]
    return title, unit


def rows_by_table(chunks: list[Chunk]) -> dict[TableKey, list[Chunk]]:
    out: dict[TableKey, list[Chunk]] = {}
    for chunk in chunks:
        if chunk.kind is ChunkKind.TABLE_ROW and chunk.cells:
            out.setdefault(table_key(chunk), []).append(chunk)
    return out
