"""Questions over several cells of one table: a trend, a comparison, a ranking, a difference or
a ratio, answered from the cells themselves.

"How did Thailand's share of manufactured exports evolve from 1985 to 2015?" is one row over a
span of columns; "Compare Vietnam and Korea ... in 2000" is two rows in one column; "Which
country had the lowest ... in 2010?" ranks a column. What a question asks is read from its own
words and the table's headers (its row labels, its year columns, its title), never from a list
of one paper's words, so a table read from another document works the same way.

A plan names the cells; `compose` states them with their unit and table, each row cited, and
every computed figure shown with the cells it was computed from. An asked cell that is empty is
named as a gap ("Table 2 has no figure for Vietnam before 2000"), never skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from enum import Enum

from chat_app.engine.coverage import match_form, word_set
from chat_app.engine.question import COUNTRIES, QUESTION_WORDS, UNIT_WORDS, YEAR_RE, Question, QuestionType, analyse
from chat_app.engine.table_answer import (TABLE_REF_RE, EMPTY_CELLS, TableKey, label_of, label_words,
                                          measure_and_unit, possessive, rows_are_countries, table_of, tables_for,
                                          year_columns)
from index.tokens import DEMONYMS, fold, tokenize, words
from ingest.records import Chunk


class Operation(str, Enum):
    TREND = "trend"  # one row (or a few) over a span of columns
    PEAK = "peak"  # the year a row was highest or lowest: its columns ranked
    COMPARISON = "comparison"  # rows in one column
    RANKING = "ranking"  # a column ordered: highest, lowest, above a value
    DIFFERENCE = "difference"  # two cells subtracted
    RATIO = "ratio"  # two cells divided


@dataclass(frozen=True)
class Cell:
    row: Chunk  # the row chunk the cell is cited from
    label: str  # the row's label: "Thailand"
    column: str  # the column's header: "1985"
    text: str  # as printed: "38.11", "-"

    @property
    def value(self) -> Decimal | None:
        return cell_number(self.text)


@dataclass(frozen=True)
class TablePlan:
    """What the question asks of one table: the operation and the cells it needs."""

    operation: Operation
    key: TableKey
    rows: tuple[Chunk, ...]  # the rows asked about, in the question's order (all rows for a ranking)
    columns: tuple[str, ...]  # the columns asked about, in the table's order
    extreme: str = ""  # a ranking: "max" or "min"
    top: int = 1  # a ranking: how many places are asked for ("the two highest")
    threshold: tuple[str, Decimal] | None = None  # a ranking: ("above" | "below", value)
    latest: bool = False  # "the most recent figure": an empty asked cell falls back to the row's last figure
    missing: tuple[str, ...] = ()  # years asked that the table has no column for
    others: tuple[Chunk, ...] = ()  # the table's other rows (whose names prose must not be about)

    def lacks(self, several_documents: bool = False) -> str:
        """"Table 1 has no column for 2018": why the table cannot answer."""
        table = table_of(self.rows[0]) + (f" of {self.key[0]}" if several_documents else "")
        return f"{table} has no column for {_and(list(self.missing))}"

    def cells(self, row: Chunk) -> list[Cell]:
        by_column = dict(row.cells[1:])
        return [Cell(row, label_of(row), c, by_column.get(c, "").strip()) for c in self.columns]


# The question's own words that say what is done with the cells. They are English, not the
# paper's: "highest", "compare", "how many times" mean the same over any table.
_SUPERLATIVE_RE = re.compile(
    r"\b(?:highest|lowest|largest|smallest|biggest|greatest|least|top|leading|led|leader|lead|rank(?:ed|ing|s)?|"
    r"maximum|minimum|bottom|best|worst|(?:the )?most(?! recent)|first place)\b")
_LOW_RE = re.compile(r"\b(?:lowest|smallest|least|minimum|bottom|worst|trail(?:ed|ing)?|last place)\b")
_THRESHOLD_RE = re.compile(
    r"\b(above|over|exceed(?:ed|ing|s)?|more than|greater than|higher than|at least|surpass(?:ed|ing)?|topped|"
    r"below|under|less than|lower than|at most|beneath)\s+(\d+(?:\.\d+)?)\s*(?:%|percent|per cent)?(?!\d)")
# "ratio" alone often names the measure ("Vietnam's ratio rose"); times, factor and "ratio of A to
# B" without a verb of movement ask for a division.
_RATIO_RE = re.compile(r"\b(?:how many times|times (?:as|bigger|larger|higher|greater|more|smaller|lower)|"
                       r"(?:by )?what factor|multiple of|fold)\b")
_RATIO_OF_RE = re.compile(r"\bratio (?:of|between)\b")
_DIFFERENCE_RE = re.compile(
    r"\b(?:how (?:much|many|far)|by what|difference|differ(?:ed)?|gap|points?|margin|exceed(?:ed|s)?|ahead|behind|"
    r"widen(?:ed)?|narrow(?:ed)?|net change)\b")
_TREND_RE = re.compile(
    r"\b(?:trend|evolv\w*|chang\w*|trajector\w*|develop\w*|mov(?:e|ed)|path|over time|over the years|year by year|"
    r"every (?:figure|year|value)|all (?:the )?(?:figures|years|values)|each year|series|progress\w*|shift\w*|"
    r"rise|rose|fall|fell|grow|grew|declin\w*|increas\w*|decreas\w*)\b")
_MOVES_RE = re.compile(r"\b(?:rise|rose|risen|grow|grew|grown|fall|fell|fallen|chang\w*|evolv\w*|increas\w*|"
                       r"decreas\w*|declin\w*|climb\w*|drop\w*|move[ds]?)\b")
_HOW_MUCH_RE = re.compile(r"\b(?:how (?:much|many|far)|by what|difference|gap|points?|margin|net change)\b")
_LATEST_RE = re.compile(r"\b(?:most recent|latest|last available|newest|last reported)\b")
# "1985-2015", "from 1985 to 2015", "between 1985 and 2015"; "in 2000 and 2017" names two years.
_SPAN_RE = re.compile(r"\b(1[89]\d\d|20\d\d)\s*(?:-|–|—|to|through|thru|until|till)\s*(1[89]\d\d|20\d\d)\b|"
                      r"\bbetween\s+(1[89]\d\d|20\d\d)\s+and\s+(1[89]\d\d|20\d\d)\b")
_SINCE_RE = re.compile(r"\b(?:since|after|from)\s+(1[89]\d\d|20\d\d)\b(?!\s*(?:-|–|—|to|through|thru|until|till|and)\s*\d)")
_AGGREGATE_LABELS = frozenset("total all average sum overall mean combined".split())
_QUANTIFIERS = frozenset("all overall entire whole combined gross aggregate its their".split())
_COUNT_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "2": 2, "3": 3, "4": 4, "5": 5}
# "the two highest", "top three": a count of places; "which of the three" is not one.
_COUNT_RE = re.compile(r"\b(?<!of )(?:top|the|which)\s+(two|three|four|five|[2-5])\s+(?:\w+\s+)?"
                       r"(?:highest|lowest|largest|smallest|biggest|greatest|leading|top|countries with)\b")
_WHY_RE = re.compile(r"\b(?:drove|drive[sn]?|driving|behind the|explain\w*|account(?:s|ed)? for)\b")


def plan(question: Question, tables: dict[TableKey, list[Chunk]]) -> TablePlan | None:
    """The multi-cell reading of `question`, or None when it asks for one cell (or no table).
    Only tables laid out by year with numeric cells are read this way."""
    if question.type is QuestionType.REASON or _WHY_RE.search(question.text.lower()):
        return None  # "why did exports rise?" wants the text's reason, not the cells that rose
    by_year = {key: rows for key, rows in tables.items() if len(year_columns(rows[0])) >= 2 and _numeric(rows)}
    if not by_year:
        return None
    question = _spelled_out(question, by_year)
    keys = _best_tables(question, by_year)
    if len(keys) != 1:
        return None  # no table, or several equally likely: the reader decides
    key = next(iter(keys))
    rows = [r for r in by_year[key] if label_of(r)]
    found = _read(question, key, rows)
    return None if found is None else replace(found, others=tuple(r for r in rows if r not in found.rows))


def _read(question: Question, key: TableKey, rows: list[Chunk]) -> TablePlan | None:
    """What `question` asks of the table `key`. The order of the rules matters: a ranking word
    wins unless exactly two rows are named (a comparison that says "higher"); a division and a
    difference need their own words; what is left is a comparison (rows in one column) or a
    trend (columns of a row)."""
    text = question.text.lower()
    named = _named_rows(question, rows)
    if _missing_countries(question, rows):
        return None  # a country the table lacks: the single-cell near-miss check refuses it
    columns = year_columns(rows[0])
    asked = _asked_columns(text, question.years, columns)
    if asked is None:  # a year the table lacks: refused unless prose states it (see `missing`)
        missing = tuple(y for y in question.years if y not in columns)
        return TablePlan(Operation.TREND, key, tuple(named), (), missing=missing) if named else None
    threshold = _threshold(text)
    superlative = bool(_SUPERLATIVE_RE.search(text)) or bool(re.search(r"\bwhich (?:countr|econom|nation)", text))
    peaked = re.search(r"\b(?:which|what) (?:of the )?years?\b|\bwhen\b|\bpeak(?:ed|s)?\b|\bbottom(?:ed)? out\b", text)
    if len(named) == 1 and len(asked) != 1 and peaked and (superlative or "peak" in text or "bottom" in text):
        low = bool(_LOW_RE.search(text)) or "bottom" in text
        return TablePlan(Operation.PEAK, key, tuple(named), tuple(asked or columns), extreme="min" if low else "max")
    if (superlative or threshold) and len(named) != 2 and len(asked) <= 1 and (asked or len(named) != 1):
        count = _COUNT_RE.search(text)
        return TablePlan(Operation.RANKING, key,
                         tuple(named) if len(named) >= 3 else tuple(r for r in rows if not is_aggregate(r)),
                         tuple(asked) or (columns[-1],), extreme="min" if _LOW_RE.search(text) else "max",
                         top=_COUNT_WORDS[count.group(1)] if count else 1, threshold=threshold)
    if not named:
        return None
    latest = bool(_LATEST_RE.search(text))
    divides = bool(_RATIO_RE.search(text)) or bool(_RATIO_OF_RE.search(text)) and not _MOVES_RE.search(text)
    if len(asked) == 2 and len(named) == 1 and divides:
        # "the ratio of its 2000 share to its 1985 share" in the order asked; "by what factor did it
        # grow from 2000 to 2017" is the later figure over the earlier.
        order = _ordered_as_asked(text, asked) if _RATIO_OF_RE.search(text) else sorted(asked, key=int, reverse=True)
        return TablePlan(Operation.RATIO, key, tuple(named), tuple(order))
    if len(asked) <= 1 and len(named) == 2 and divides:
        return TablePlan(Operation.RATIO, key, tuple(named), tuple(asked) or (columns[-1],), latest=latest)
    # "By how much did X rise from 1995 to 2015?" asks for the difference of the two ends; "what
    # was the change in X during 1985-1995?" asks how it moved, with every year between.
    if len(asked) == 2 and len(named) == 1 and _HOW_MUCH_RE.search(text):
        return TablePlan(Operation.DIFFERENCE, key, tuple(named), tuple(asked))
    if len(asked) <= 1 and len(named) == 2 and (_DIFFERENCE_RE.search(text)):
        if asked or latest:
            return TablePlan(Operation.DIFFERENCE, key, tuple(named), tuple(asked) or (columns[-1],), latest=latest)
    if len(named) >= 2 and len(asked) == 1:
        return TablePlan(Operation.COMPARISON, key, tuple(named), tuple(asked), latest=latest)
    if len(named) >= 2 and not asked and latest:
        return TablePlan(Operation.COMPARISON, key, tuple(named), (columns[-1],), latest=True)
    if len(asked) >= 2:
        return TablePlan(Operation.TREND, key, tuple(named), tuple(asked))
    if not asked and (_TREND_RE.search(text) or len(named) >= 2):
        return TablePlan(Operation.TREND, key, tuple(named), tuple(columns))
    return None  # one row, one column: a single cell, which the reader answers


def _spelled_out(question: Question, tables: dict[TableKey, list[Chunk]]) -> Question:
    """The question with an acronym of a table's measure written out: "MVA" is "Manufacturing
    value-added" when a table's title has those words in a row."""
    text = question.text
    for acronym in set(re.findall(r"\b[A-Z]{2,6}\b", text)):
        for rows in tables.values():
            title = words(measure_and_unit(rows[0].table_title)[0])
            for start in range(len(title) - len(acronym) + 1):
                run = title[start:start + len(acronym)]
                if "".join(w[0] for w in run).upper() == acronym:
                    text = re.sub(rf"\b{acronym}\b", " ".join(run), text)
                    break
    return question if text == question.text else analyse(text)


def _best_tables(question: Question, tables: dict[TableKey, list[Chunk]]) -> set[TableKey]:
    """`tables_for` (title words twice, headers once), with ties broken by the unit in the
    title's parentheses: "share of GDP" is Table 1's "(% of GDP)"."""
    keys = tables_for(question, tables)
    if len(keys) <= 1:
        return keys
    naming = {k for k in keys if _named_rows(question, tables[k], aggregates=False)}
    if naming:  # "Hawassa's exports": the table with a Hawassa row
        keys = naming
        if len(keys) == 1:
            return keys
    wanted = set(tokenize(" ".join(question.content)))
    by_unit = {k: len(wanted & set(tokenize(measure_and_unit(tables[k][0].table_title)[1]))) for k in keys}
    best = max(by_unit.values())
    return {k for k, score in by_unit.items() if score == best}


def named_other_measure(question: Question, tables: dict[TableKey, list[Chunk]], key: TableKey) -> str | None:
    """"Which country had the highest manufacturing value added ... according to Table 2?": the
    question names a table, but what it measures is another table's title."""
    if not TABLE_REF_RE.search(question.text):
        return None
    unnamed = analyse(TABLE_REF_RE.sub(" ", question.text))
    fits = _best_tables(unnamed, tables)
    if len(fits) != 1 or key in fits:
        return None
    other = measure_and_unit(tables[next(iter(fits))][0].table_title)[0]
    return f"{table_of(tables[key][0])} gives {measure_and_unit(tables[key][0].table_title)[0]}, not {other}"


def foreign_measure(question: Question, rows: list[Chunk]) -> str | None:
    """Why a table cannot answer: the question puts a word before the table's measure that the
    table does not ("high-technology exports" of a table of manufactured exports). The word
    before is fine when it is the table's own (its title or unit), a row's label, a unit word
    ("total exports") or a function word."""
    measure, unit = measure_and_unit(rows[0].table_title)
    measure_words = words(measure)
    if not measure_words:
        return None
    head = tokenize(measure_words[-1])
    own = set(tokenize(rows[0].table_title)) | set(tokenize(unit))
    # Words that may stand before the measure, as typed (the token before it is compared as typed).
    harmless = QUESTION_WORDS | UNIT_WORDS | _QUANTIFIERS | COUNTRIES | {w for r in rows for w in words(label_of(r))}
    tokens = words(question.text)
    for i, token in enumerate(tokens[1:], start=1):
        if tokenize(token) != head or not head:
            continue
        before = tokens[i - 1]
        known = before in harmless or DEMONYMS.get(before) is not None or before.isdigit() or len(before) < 2 \
            or set(tokenize(before)) <= own
        if not known:
            said = re.search(rf"([\w-]*\b{re.escape(before)}\b[\w-]*)\W+{re.escape(token)}", question.text,
                             re.IGNORECASE)
            return f"{table_of(rows[0])} gives {measure}, not {said.group(1) if said else before} {token}"
    return None


def states_period(plan: TablePlan, sentence: str, paragraph: str) -> bool:
    """Whether a sentence of prose states the period a one-row trend or difference asks about
    ("Vietnam's ratio rose from 42.7% in 2000 to 64.7% in 2010 and 83.2% in 2017"): it names
    both ends of the span, gives at least two figures, uses every word of the table's measure,
    and names the row, or stands in a paragraph that names this row and no other of the table
    (a sentence about Vietnam is no summary of Korea's row)."""
    if plan.operation not in (Operation.TREND, Operation.DIFFERENCE) or len(plan.rows) != 1 or len(plan.columns) < 2:
        return False
    ends = {plan.columns[0], plan.columns[-1]}
    if not (ends <= set(YEAR_RE.findall(sentence)) and len(_figures(sentence)) >= 2 and _uses_measure(plan, sentence)):
        return False
    # word_set reads "Vietnamese" as "vietnam", as the labels are read.
    label = label_words(list(plan.rows))
    if label <= word_set(sentence):
        return True
    others = label_words(list(plan.others)) - label
    around = word_set(paragraph)
    return label <= around and not others & around


def states_missing_year(plan: TablePlan, sentence: str) -> bool:
    """Whether prose gives what the table lacks: a figure in a sentence that names every year
    the table has no column for and uses the table's measure."""
    return set(plan.missing) <= set(YEAR_RE.findall(sentence)) and bool(_figures(sentence)) \
        and _uses_measure(plan, sentence)


def _figures(sentence: str) -> list[str]:
    """The numbers of a sentence that are not years."""
    return [f for f in re.findall(r"\d+(?:\.\d+)?", sentence) if not YEAR_RE.fullmatch(f)]


def _uses_measure(plan: TablePlan, sentence: str) -> bool:
    """Whether a sentence uses every word of what the plan's table measures."""
    measure = set(tokenize(measure_and_unit(plan.rows[0].table_title)[0]))
    return bool(measure) and measure <= set(tokenize(sentence))


def _numeric(rows: list[Chunk]) -> bool:
    values = [v for r in rows for _, v in r.cells[1:] if v.strip() not in EMPTY_CELLS]
    return bool(values) and sum(cell_number(v) is not None for v in values) >= 0.8 * len(values)


def is_aggregate(row: Chunk) -> bool:
    """A "Total" or "Average" row sums or averages the others: it is no rival in a ranking."""
    label = word_set(label_of(row))
    return bool(label) and label <= _AGGREGATE_LABELS


def _named_rows(question: Question, rows: list[Chunk], aggregates: bool = True) -> list[Chunk]:
    """The rows the question names, in the order it names them: a country by its name or its
    demonym ("Thai"), any other label by all its words. A "Total" row counts only when no other
    row is named ("total park exports"), since "total" also says how a measure is taken."""
    tokens = [DEMONYMS.get(w, w) for w in words(question.text)]
    asked = {match_form(t) for t in tokens}
    found: list[tuple[int, Chunk]] = []
    for row in rows:
        label_words = word_set(label_of(row))
        if not label_words:
            continue
        countries = label_words & COUNTRIES
        hit = countries <= asked if countries else label_words <= asked
        if hit:
            first = min(i for i, t in enumerate(tokens) if match_form(t) in label_words)
            found.append((first, row))
    named = [row for _, row in sorted(found, key=lambda pair: pair[0])]
    proper = [row for row in named if not is_aggregate(row)]
    return proper if proper or not aggregates else named


def _missing_countries(question: Question, rows: list[Chunk]) -> list[str]:
    """Countries the question names that are not rows of a table whose rows are countries."""
    labels = label_words(rows)
    if not rows_are_countries(labels):
        return []
    return [c for c in question.countries if match_form(c) not in labels]


def _asked_columns(text: str, years: tuple[str, ...], columns: list[str]) -> list[str] | None:
    """The year columns asked about: every column of a span ("from 1985 to 2015", "over
    1995-2015", "since 2000"), else the years named. None when a year named is not a column."""
    if any(y not in columns for y in years):
        return None
    span = _SPAN_RE.search(text) or _loose_span(text, years)
    if span and len(years) == 2:
        low, high = sorted(y for y in span.groups() if y)
        if _HOW_MUCH_RE.search(text) or _RATIO_RE.search(text):  # "by what factor" and "by how much"
            return [c for c in columns if c in (low, high)]  # a difference or ratio of the two ends
        return [c for c in columns if low <= c <= high]
    since = _SINCE_RE.search(text)
    if since and len(years) == 1:
        return [c for c in columns if c >= since.group(1)]
    return [c for c in columns if c in years]


def _loose_span(text: str, years: tuple[str, ...]) -> re.Match | None:
    """"after 2010, up to 2017", "starting in 1990 and ending in 2005": two years joined by words
    that run from one to the other, not a list of two ("in 2000 and in 2017")."""
    if len(years) != 2:
        return None
    match = re.search(rf"\b(?:after|from|since|starting (?:in|from)|beginning (?:in|from)|between)\s+({years[0]})\b"
                      rf"[^?.]{{0,30}}?\b(?:up to|to|until|till|through|and ending in|ending in)\s+({years[1]})\b", text)
    return match


def _ordered_as_asked(text: str, columns: list[str]) -> list[str]:
    return sorted(columns, key=lambda c: text.find(c))


def _threshold(text: str) -> tuple[str, Decimal] | None:
    """("above" | "below" | "at least" | "at most", value): "at least" and "at most" include it."""
    match = _THRESHOLD_RE.search(text)
    if not match or YEAR_RE.fullmatch(match.group(2)):
        return None
    word = match.group(1)
    if word in ("at least", "at most"):
        return word, Decimal(match.group(2))
    low = word.split()[0] in ("below", "under", "less", "lower", "beneath")
    return ("below" if low else "above"), Decimal(match.group(2))


def cell_number(text: str) -> Decimal | None:
    """The number a cell prints, exactly ("5,950" is 5950; "-" and "B+" are None)."""
    text = fold(text).strip().replace(",", "").rstrip("%*†").strip()  # "38.1%", "24,318*"
    if not re.fullmatch(r"[-+]?\d+(?:\.\d+)?", text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


# --- what the answer states ----------------------------------------------------------------------


@dataclass(frozen=True)
class Statement:
    """A composed answer: its sentences (each with the rows it cites, by position in `rows`,
    and whether it is a detail that may go when the answer is too long: the figures between a
    trend's ends, the rest of a ranking), the rows cited, and the cells it states (gaps
    included)."""

    sentences: tuple[tuple[str, tuple[int, ...], bool], ...]
    rows: tuple[Chunk, ...]
    cells: tuple[Cell, ...]


class _Writer:
    """Sentences over one table, citing rows by their number in the order first cited."""

    def __init__(self, plan: TablePlan, tables: dict[TableKey, list[Chunk]], several_documents: bool):
        first = tables[plan.key][0]
        self.plan = plan
        self.table = table_of(first) + (f" of {plan.key[0]}" if several_documents else "")
        self.measure, self.unit = measure_and_unit(first.table_title)
        self.rows: list[Chunk] = []
        self.cells: list[Cell] = []
        self.sentences: list[tuple[str, tuple[int, ...], bool]] = []

    def cite(self, *rows: Chunk) -> tuple[int, ...]:
        for row in rows:
            if row not in self.rows:
                self.rows.append(row)
        return tuple(self.rows.index(r) for r in rows)

    def marker(self, row: Chunk) -> str:
        """"[n]": the citation of a row, cited now if it was not yet."""
        return f"[{self.cite(row)[0] + 1}]"

    def say(self, text: str, *rows: Chunk, detail: bool = False) -> None:
        """A sentence, citing `rows` at its end (none: its markers are inside it)."""
        self.sentences.append((text, self.cite(*rows), detail))

    def used(self, *cells: Cell) -> None:
        self.cells.extend(c for c in cells if c not in self.cells)

    def amount(self, cell: Cell) -> str:
        """A figure with its unit as the table gives it: "38.11%" for "(% of ...)"."""
        text = fold(cell.text)
        if self.unit.startswith("%"):
            return f"{text}%"
        currency = re.match(r"^([A-Z]{0,3}\$|€|£|¥)\s*(.*)$", self.unit)
        if currency:  # "(US$ million)": US$181.6 million
            return f"{currency.group(1)}{text} {currency.group(2)}".strip()
        return f"{text} {self.unit}".strip() if self.unit and not self.unit[0].isdigit() else text

    def what(self, label: str) -> str:
        if word_set(label) <= _AGGREGATE_LABELS:
            return f"{label} {self.measure}" if self.measure else label  # "Total exports", not "Total's"
        return f"{possessive(label)} {self.measure}" if self.measure else f"{label}'s figure"

    def difference(self, high: Cell, low: Cell) -> str:
        """high − low in the table's unit, exact to the decimals the cells print (never rounded
        away from them): "11.76 percentage points", "US$141.7 million"."""
        difference = str(high.value - low.value)
        if self.unit.startswith("%"):
            return f"{difference} percentage points"
        return self.amount(Cell(high.row, high.label, high.column, difference))

    def unit_note(self) -> str:
        return f" ({self.unit})" if self.unit else ""

    def statement(self) -> Statement:
        return Statement(tuple(self.sentences), tuple(self.rows), tuple(self.cells))


def compose(plan: TablePlan, tables: dict[TableKey, list[Chunk]], several_documents: bool = False) -> Statement:
    writer = _Writer(plan, tables, several_documents)
    {Operation.TREND: _trend, Operation.PEAK: _peak, Operation.COMPARISON: _comparison, Operation.RANKING: _ranking,
     Operation.DIFFERENCE: _difference, Operation.RATIO: _ratio}[plan.operation](writer)
    return writer.statement()


def _present(cells: list[Cell]) -> list[Cell]:
    return [c for c in cells if c.value is not None]


def _gap_sentence(w: _Writer, label: str, gaps: list[Cell], present: list[Cell], row: Chunk) -> None:
    """"Table 2 has no figure for Vietnam before 2000" when that is true of the whole row (every
    column before 2000 is empty), else "... in 1990 and 2015"."""
    if not gaps:
        return
    w.used(*gaps)
    years = [g.column for g in gaps]
    asked = list(w.plan.columns)
    by_column = {c.strip(): cell_number(v) for c, v in row.cells[1:]}
    if present and asked[:len(years)] == years and \
            all(by_column[c] is None for c in year_columns(row) if int(c) < int(present[0].column)):
        where = f"before {present[0].column}"
    elif present and asked[-len(years):] == years and \
            all(by_column[c] is None for c in year_columns(row) if int(c) > int(present[-1].column)):
        where = f"after {present[-1].column}"
    else:
        where = "in " + _and(years)
    w.say(f"{w.table} has no figure for {label} {where}.", row)


def _trend(w: _Writer) -> None:
    for row in w.plan.rows:
        cells = w.plan.cells(row)
        present = _present(cells)
        label = label_of(row)
        if len(present) >= 2:
            first, last = present[0], present[-1]
            verb = "rose" if last.value > first.value else "fell" if last.value < first.value else "stayed"
            change = f"{verb} from {w.amount(first)} in {first.column} to {w.amount(last)} in {last.column}" \
                if verb != "stayed" else f"was {w.amount(first)} in {first.column} and in {last.column}"
            w.say(f"{w.what(label)}{w.unit_note()} {change} ({w.table}).", row)
            if len(present) > 2:
                w.say(f"In between: {_between(w, present)}.", detail=True)
        elif present:
            only = present[0]
            w.say(f"{w.what(label)}{w.unit_note()} stood at {w.amount(only)} in {only.column} ({w.table}).", row)
        w.used(*cells)  # in column order, gaps in their place: a chart draws them as gaps
        _gap_sentence(w, label, [c for c in cells if c.value is None], present, row)


def _peak(w: _Writer) -> None:
    """"The highest figure Table 1 gives for Malaysia's manufacturing value-added ... was in 2000:
    30.86%", the other years after."""
    row = w.plan.rows[0]
    cells = w.plan.cells(row)
    present = _present(cells)
    if not present:
        w.say(f"{w.table} has no figure for {label_of(row)} in {_and(list(w.plan.columns))}.", row)
        w.used(*cells)
        return
    best = (min if w.plan.extreme == "min" else max)(c.value for c in present)
    top = [c for c in present if c.value == best]
    word = "lowest" if w.plan.extreme == "min" else "highest"
    when = _and([c.column for c in top])
    span = f" from {present[0].column} to {present[-1].column}" if len(present) > 1 else ""
    w.say(f"The {word} figure {w.table} gives for {w.what(label_of(row))}{w.unit_note()}{span} "
          f"was in {when}: {w.amount(top[0])}.", row)
    w.say("By year: " + ", ".join(f"{c.column} {w.amount(c)}" for c in present) + ".", detail=True)
    w.used(*cells)
    _gap_sentence(w, label_of(row), [c for c in cells if c.value is None], present, row)


def _between(w: _Writer, present: list[Cell]) -> str:
    """The figures between the ends of a trend, its peak and its low marked."""
    peak, low = max(present, key=lambda c: c.value), min(present, key=lambda c: c.value)
    return _and([f"{w.amount(c)} in {c.column}" + (" (its peak)" if c is peak else " (its low)" if c is low else "")
                 for c in present[1:-1]])


def _fallback(w: _Writer, cell: Cell) -> Cell:
    """With "the most recent figure", an empty asked cell gives way to the row's last figure."""
    if cell.value is not None or not w.plan.latest:
        return cell
    earlier = sorted((Cell(cell.row, cell.label, c.strip(), v.strip()) for c, v in cell.row.cells[1:]
                      if YEAR_RE.fullmatch(c.strip()) and cell_number(v) is not None), key=lambda c: int(c.column))
    return earlier[-1] if earlier else cell


def _comparison(w: _Writer) -> None:
    column = w.plan.columns[0]
    cells = [_fallback(w, w.plan.cells(row)[0]) for row in w.plan.rows]
    present = _present(cells)
    parts = []
    for cell in present:
        when = "" if cell.column == column else f" in {cell.column}, its latest figure"
        parts.append(f"{cell.label} {w.amount(cell)}{when} {w.marker(cell.row)}")
    w.used(*present)
    if present:
        head = f"In {column}, {w.measure}{w.unit_note()} ({w.table}): " if w.measure else f"In {column} ({w.table}): "
        w.say(head + "; ".join(parts) + ".")
    if len(present) >= 2:
        ordered = sorted(present, key=lambda c: c.value, reverse=True)
        if len(present) == 2:
            high, low = ordered
            if high.value == low.value:
                w.say(f"Both are {w.amount(high)}.")
            else:
                w.say(f"{high.label} is higher, by {w.difference(high, low)} "
                                    f"({fold(high.text)} − {fold(low.text)}).")
        else:
            w.say(f"Highest: {ordered[0].label}; lowest: {ordered[-1].label}.")
    for cell in cells:
        if cell.value is None:
            w.used(cell)
            w.say(f"{w.table} has no figure for {cell.label} in {cell.column}.", cell.row)


def _ranking(w: _Writer) -> None:
    column = w.plan.columns[0]
    cells = [w.plan.cells(row)[0] for row in w.plan.rows]
    present = _present(cells)
    gaps = [c for c in cells if c.value is None]
    if not present:
        w.say(f"{w.table} has no figure for any of its rows in {column}.")
        w.used(*gaps)
        return
    ordered = sorted(present, key=lambda c: c.value, reverse=w.plan.extreme != "min")
    kind = "countries" if all(word_set(c.label) & COUNTRIES for c in present) else "rows"
    scope = f"of the {len(present)} {kind} with a figure" if len(present) > 1 else "(the only one with a figure)"

    def listed(chosen: list[Cell]) -> str:
        return _and([f"{c.label} ({w.amount(c)}) {w.marker(c.row)}" for c in chosen])

    if w.plan.threshold is not None:
        side, limit = w.plan.threshold
        passes = {"above": lambda v: v > limit, "below": lambda v: v < limit,
                  "at least": lambda v: v >= limit, "at most": lambda v: v <= limit}[side]
        chosen = [c for c in ordered if passes(c.value)]
        limit_text = f"{limit}%" if w.unit.startswith("%") else str(limit)
        if chosen:
            head = f"In {column}, {len(chosen)} {scope} {'were' if len(chosen) > 1 else 'was'} {side} {limit_text} " \
                   f"in {w.measure} ({w.table}): {listed(chosen)}."
        else:  # the nearest to the limit: the highest of those below "above", the lowest above "below"
            best = max(present, key=lambda c: c.value) if side in ("above", "at least") else \
                min(present, key=lambda c: c.value)
            chosen = [best]
            head = f"In {column}, none {scope} was {side} {limit_text} in {w.measure} ({w.table}); " \
                   f"the nearest was {listed(chosen)}."
        w.say(head)
        w.used(*chosen)
    else:
        places = max(1, w.plan.top)
        # A tie for the last place asked for takes in every row with that figure.
        cutoff = ordered[min(places, len(ordered)) - 1].value
        top = ordered[:places] + [c for c in ordered[places:] if c.value == cutoff]
        word = "lowest" if w.plan.extreme == "min" else "highest"
        tied = " (tied)" if len(top) > places else ""
        if len(top) == 1:
            head = f"In {column}, {top[0].label} had the {word} {w.measure} {scope} in {w.table}: {listed(top)}."
        else:
            head = f"In {column}, the {word} {w.measure}{tied} {scope} in {w.table} were {listed(top)}."
        w.say(head)
        w.used(*top)
        rest = [c for c in ordered if c not in top]
        if rest:
            w.say("The others, in order: " + ", ".join(
                f"{c.label} {w.amount(c)} {w.marker(c.row)}" for c in rest) + ".", detail=True)
            w.used(*rest)
    for gap in gaps:
        w.used(gap)
        w.say(f"{w.table} has no figure for {gap.label} in {column}, so it is not ranked.", gap.row)


def _two_cells(w: _Writer) -> tuple[Cell, Cell] | None:
    """The two cells of a difference or a ratio, in the order the question names them; None
    (with the figure there is and the gap stated) when one is empty."""
    if len(w.plan.rows) == 1:
        cells = w.plan.cells(w.plan.rows[0])
    else:
        cells = [_fallback(w, w.plan.cells(row)[0]) for row in w.plan.rows[:2]]
    w.used(*cells)
    if all(c.value is not None for c in cells):
        return cells[0], cells[1]
    for cell in cells:
        if cell.value is not None:
            w.say(f"{w.what(cell.label)}{w.unit_note()} stood at {w.amount(cell)} in {cell.column} ({w.table}).",
                  cell.row)
        else:
            w.say(f"{w.table} has no figure for {cell.label} in {cell.column}, so no difference can be taken.",
                  cell.row)
    return None


def _difference(w: _Writer) -> None:
    cells = _two_cells(w)
    if cells is None:
        return
    a, b = cells
    if a.label == b.label:  # one row, two years: how it moved
        first, last = sorted((a, b), key=lambda c: c.column)
        verb = "rose" if last.value > first.value else "fell" if last.value < first.value else "was unchanged"
        high, low = (last, first) if last.value >= first.value else (first, last)
        w.say(f"{w.what(a.label)}{w.unit_note()} {verb} from {w.amount(first)} in {first.column} to "
              f"{w.amount(last)} in {last.column} ({w.table}), a {'rise' if last is high else 'fall'} of "
              f"{w.difference(high, low)} "
              f"({fold(high.text)} − {fold(low.text)}).", a.row)
        return
    high, low = sorted((a, b), key=lambda c: c.value, reverse=True)
    when = a.column if a.column == b.column else f"{a.column} and {b.column}"
    w.say(
        f"In {when}, {w.what(a.label)}{w.unit_note()} stood at {w.amount(a)} {w.marker(a.row)} and "
        f"{possessive(b.label)} {w.amount(b)} {w.marker(b.row)} ({w.table}): {high.label}'s was higher by "
        f"{w.difference(high, low)} ({fold(high.text)} − {fold(low.text)}).")


def _ratio(w: _Writer) -> None:
    cells = _two_cells(w)
    if cells is None:
        return
    a, b = cells
    if b.value == 0:
        w.say(f"{w.what(b.label)} was 0 in {b.column} ({w.table}): no ratio can be taken.", b.row)
        return
    ratio = (a.value / b.value).quantize(Decimal("0.01"))
    # One row in two years ("Malaysia's 2000 figure ... its 1985 figure") or two rows in one year.
    subject = w.what(a.label) if a.label == b.label else w.measure.capitalize()
    left = f"the {a.column}" if a.label == b.label else f"{possessive(a.label)} {a.column}"
    right = f"the {b.column}" if a.label == b.label else f"{possessive(b.label)} {b.column}"
    w.say(
        f"{subject}{w.unit_note()}: {left} figure was {w.amount(a)} {w.marker(a.row)} and {right} figure "
        f"{w.amount(b)} {w.marker(b.row)} ({w.table}), a ratio of about {ratio} ({fold(a.text)} ÷ {fold(b.text)}).")


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
