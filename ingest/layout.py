"""Reading order of a page from the positions of its words.

Per page: words sit on rows (shared baselines); a row breaks into segments where a gap is
wider than a word space. Columns are found from the gutter: an x range that the column-wide
segments of the page never cover, with such segments ending left of it and starting right of
it. A row with a segment across a gutter (a title, the abstract, a table set across the
page) is full width. The page is then read band by band from the top: a full-width band row
by row, a band of columns one column after the other, each from top to bottom. A page with
no gutter is one band: it reads as before, top to bottom.

Rows with two or more segments inside one column (or across the page) are table rows; their
segments are cells. A table row across a gutter, or one whose columns hold only cells, makes
the table full width, so that it is not read as two halves of two columns.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field

from ingest.pdf_tables import cell_gaps, grid_tables, table_rows
from ingest.pdf_words import PageWords, Word

_MARK_CHARS = set("0123456789*†‡§¶,abcdefghij")


@dataclass
class Segment:
    words: list[Word]

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return max(w.x1 for w in self.words)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


@dataclass
class Row:
    words: list[Word]
    segments: list[Segment] = field(default_factory=list)

    @property
    def baseline(self) -> float:
        return statistics.median(w.baseline for w in self.words)

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


@dataclass(frozen=True)
class Line:
    """A line in reading order: prose (one cell) or a table row (its cells)."""

    page: int
    cells: tuple[str, ...]
    x0: float
    x1: float
    top: float
    bottom: float
    size: float  # the size most of its letters have
    bold: bool  # all of its letters are bold
    font: str
    region: int  # which band or column it is read in; a new number when reading moves on
    left: float  # bounds of that band or column
    right: float
    table: bool = False
    ocr: bool = False
    spans: tuple[tuple[float, float], ...] = ()  # x range of each cell of a table row

    @property
    def text(self) -> str:
        return "\t".join(self.cells) if self.table else self.cells[0]


def page_rows(page: PageWords) -> list[Row]:
    """Rows of the page, top to bottom, without superscript marks."""
    words = _without_marks(list(page.words))
    words.sort(key=lambda w: (w.baseline, w.x0))
    rows: list[Row] = []
    for word in words:
        row = rows[-1] if rows else None
        if row is not None and abs(word.baseline - row.words[-1].baseline) <= 0.3 * min(word.size, row.words[-1].size):
            row.words.append(word)
        else:
            rows.append(Row([word]))
    for row in rows:
        row.words.sort(key=lambda w: w.x0)
    return rows


def _without_marks(words: list[Word]) -> list[Word]:
    """Drop superscript reference marks ("Vietnam²", "economy.¹"): a short word in a smaller
    size, raised above the word it touches. A footnote's own leading mark goes as well."""
    keep = []
    for i, word in enumerate(words):
        neighbours = [words[j] for j in (i - 1, i + 1) if 0 <= j < len(words)]
        if len(word.text) <= 3 and set(word.text) <= _MARK_CHARS and any(
                word.size <= 0.82 * n.size and word.baseline <= n.baseline - 0.12 * n.size
                and word.baseline >= n.top - 0.2 * n.size
                and min(abs(word.x0 - n.x1), abs(n.x0 - word.x1)) <= 0.6 * n.size for n in neighbours):
            continue
        keep.append(word)
    return keep


def read_page(page: PageWords, rows: list[Row], body_size: float, region_base: int) -> list[Line]:
    """The lines of a page in reading order (running heads already taken out of `rows`)."""
    rows = [row for row in rows if row.words]
    if not rows:
        return []
    for row in rows:
        row.segments = _segments(row.words, body_size)
    gutters = find_gutters(rows, body_size)
    if gutters:
        for row in rows:
            row.segments = [part for s in row.segments for part in _split_at_gutters(s, gutters, body_size)]
    return grid_tables(_Reader(page, rows, gutters, body_size, region_base).lines())


def _segments(words: list[Word], body_size: float) -> list[Segment]:
    """Words of a row split where the gap is wider than a stretched word space."""
    out = [Segment([words[0]])]
    for before, word in zip(words, words[1:]):
        size = max(min(before.size, word.size), 0.5 * body_size)
        if word.x0 - before.x1 > 0.9 * size:
            out.append(Segment([word]))
        else:
            out[-1].words.append(word)
    return out


def _split_at_gutters(segment: Segment, gutters: list[tuple[float, float]], body_size: float) -> list[Segment]:
    """A segment that runs through a gutter at a word gap is two segments (a loose row of two
    columns that were close); one whose words cross the gutter stays whole (full width)."""
    parts = [Segment([segment.words[0]])]
    for before, word in zip(segment.words, segment.words[1:]):
        if any(before.x1 <= g1 and word.x0 >= g0 and word.x0 - before.x1 >= 0.3 * body_size for g0, g1 in gutters):
            parts.append(Segment([word]))
        else:
            parts[-1].words.append(word)
    return parts


def find_gutters(rows: list[Row], body_size: float) -> list[tuple[float, float]]:
    """x ranges between columns: never covered by a column-wide segment, with at least three
    such segments on each side, and segments starting at its right edge."""
    segments = [s for row in rows for s in row.segments]
    left = min(s.x0 for s in segments)
    right = max(s.x1 for s in segments)
    width = right - left
    if width <= 0:
        return []
    # Column-wide: long enough to be prose in a column, too short to be a full-width line.
    long = [s for s in segments if 0.18 * width <= s.x1 - s.x0 <= 0.62 * width and len(s.words) >= 3]
    if len(long) < 6:
        return []
    bins = int(width) + 1
    coverage = [0] * bins
    for s in long:
        for x in range(int(s.x0 - left), min(bins, int(s.x1 - left) + 1)):
            coverage[x] += 1
    peak = max(coverage)
    # A valley: captions, headings and the wider cells of a table may cross a gutter here
    # and there, so the valley need not be empty; the columns on both sides stand well above
    # it, even one that ends early on the page. The lowest valleys are tried first.
    gutters: list[tuple[float, float]] = []
    for level in sorted({c for c in coverage if c <= 0.35 * peak}):
        x = 0
        while x < bins:
            if coverage[x] > level:
                x += 1
                continue
            start = x
            while x < bins and coverage[x] <= level:
                x += 1
            g0, g1 = left + start, left + x
            if any(a < g1 and g0 < b for a, b in gutters):
                continue
            high = max(3, 2 * level + 1)
            sides = any(c >= high for c in coverage[:start]) and any(c >= high for c in coverage[x:])
            starts = sum(1 for s in long if g1 - 1.5 <= s.x0 <= g1 + 2.5 * body_size)
            ends = sum(1 for s in long if g0 - 4 * body_size <= s.x1 <= g0 + 1.5)
            if sides and g1 - g0 >= 0.4 * body_size and starts >= 3 and ends >= 3:
                gutters.append((g0, g1))
    gutters.sort()
    return gutters


class _Reader:
    """Bands and columns of one page, read in order."""

    def __init__(self, page: PageWords, rows: list[Row], gutters: list[tuple[float, float]], body_size: float,
                 region_base: int):
        self.page, self.rows, self.gutters, self.body = page, rows, gutters, body_size
        self.region = region_base
        edges = [min(s.x0 for r in rows for s in r.segments)]
        edges += [x for g in gutters for x in g]
        edges.append(max(s.x1 for r in rows for s in r.segments))
        self.columns = [(edges[i], edges[i + 1]) for i in range(0, len(edges), 2)]

    def lines(self) -> list[Line]:
        kinds = self._across([self._kind(row) for row in self.rows])
        kinds = self._fill_tables(kinds)
        # Above the first line of a second column, nothing is set in columns yet: a centred
        # line of the front matter fits inside one column, but is full width.
        first = next((i for i, row in enumerate(self.rows) if kinds[i] == "columns"
                      and any(self._starts_column(s) for s in row.segments)), len(self.rows))
        kinds = ["span" if i < first and kind == "columns" else kind for i, kind in enumerate(kinds)]
        out: list[Line] = []
        start = 0
        for i in range(1, len(self.rows) + 1):
            if i == len(self.rows) or (kinds[i] == "columns") != (kinds[start] == "columns"):
                band = list(zip(self.rows[start:i], kinds[start:i]))
                out += self._read_columns(band) if kinds[start] == "columns" else self._read_full(band)
                start = i
        return out

    def _column_of(self, segment: Segment) -> int | None:
        """The column holding the segment, None when it crosses a gutter."""
        for g0, g1 in self.gutters:
            middle = (g0 + g1) / 2
            if segment.x0 < middle - 1 and segment.x1 > middle + 1:
                return None
        middle = (segment.x0 + segment.x1) / 2
        return next((i for i, (a, b) in enumerate(self.columns) if middle <= b + 1), len(self.columns) - 1)

    def _starts_column(self, segment: Segment) -> bool:
        """A line of a column right of the first, set from its left edge (a centred line is not)."""
        column = self._column_of(segment)
        return bool(column) and segment.x0 - self.columns[column][0] <= 0.8 * self.body

    def _kind(self, row: Row) -> str:
        """"span" (crosses a gutter), "table" (cells across the page), "columns"."""
        if not self.gutters:
            return "table" if len(row.segments) >= 2 or cell_gaps(row.words) else "span"
        columns = [self._column_of(s) for s in row.segments]
        if None in columns:
            return "table" if len(row.segments) >= 3 or cell_gaps(row.words) else "span"
        used = set(columns)
        cells = max(columns.count(c) for c in used)
        # A line of a column starts at the column's edge (or an indent from it); a cell of a
        # table across the page starts wherever the table's column does.
        loose = any(s.x0 - self.columns[c][0] > 2.5 * self.body for s, c in zip(row.segments, columns))
        if len(used) >= 2 and (cells >= 2 or loose):
            return "maybe"  # a table across the page whose cells avoid the gutter, or two tables
        return "columns"

    def _across(self, kinds: list[str]) -> list[str]:
        """A run of rows with cells in several columns is one table across the page when a
        row next to it crosses a gutter (its caption, a cell); two tables side by side, one
        in each column, leave the gutter clean all along."""
        out = list(kinds)
        i = 0
        while i < len(out):
            if out[i] != "maybe":
                i += 1
                continue
            j = i
            while j < len(out) and out[j] in ("maybe", "table"):
                j += 1
            neighbours = [k for k in (i - 2, i - 1, j, j + 1) if 0 <= k < len(out)]
            across = any(out[k] == "table" for k in range(i, j)) or any(
                any(self._column_of(s) is None for s in self.rows[k].segments) for k in neighbours)
            for k in range(i, j):
                if out[k] == "maybe":
                    out[k] = "table" if across else "columns"
            i = j
        return out

    def _fill_tables(self, kinds: list[str]) -> list[str]:
        """A lone "table" row is not a table (a loose line of text). Rows between two table
        rows, and rows right above or below a table, that are not as wide as prose (cells
        wrapped onto rows of their own) belong to the table."""
        flags = table_rows([k == "table" for k in kinds],
                            [k != "table" and self._prose_row(r) for k, r in zip(kinds, self.rows)],
                            [r.top for r in self.rows], [r.bottom for r in self.rows], self.body)
        out = []
        for i, kind in enumerate(kinds):
            if flags[i]:
                out.append("table")
            elif kind == "table":
                out.append("columns" if self.gutters and self._kind_columns(self.rows[i]) else "span")
            else:
                out.append(kind)
        return out

    def _kind_columns(self, row: Row) -> bool:
        return all(self._column_of(s) is not None for s in row.segments)

    def _prose_row(self, row: Row) -> bool:
        width = self.columns[0][1] - self.columns[0][0] if self.gutters else self.columns[-1][1] - self.columns[0][0]
        return any(s.x1 - s.x0 >= 0.6 * width for s in row.segments)

    def _read_full(self, band: list[tuple[Row, str]]) -> list[Line]:
        self.region += 1
        prose = [s for row, kind in band if kind != "table" for s in row.segments]
        left, right = self._bounds(prose) if prose else (self.columns[0][0], self.columns[-1][1])
        out = []
        for row, kind in band:
            if kind == "table":
                out.append(self._line(row.segments, left, right, table=True))
            else:
                out.append(self._line(row.segments, left, right))
        return out

    def _read_columns(self, band: list[tuple[Row, str]]) -> list[Line]:
        out = []
        for index in range(len(self.columns)):
            self.region += 1
            width = self.columns[index][1] - self.columns[index][0]
            rows = [(row, [s for s in row.segments if self._column_of(s) == index]) for row, _ in band]
            rows = [(row, segments) for row, segments in rows if segments]
            tables = table_rows([len(segments) >= 2 for _, segments in rows],
                                 [any(s.x1 - s.x0 >= 0.6 * width for s in segments) for _, segments in rows],
                                 [min(w.top for s in segs for w in s.words) for _, segs in rows],
                                 [max(w.bottom for s in segs for w in s.words) for _, segs in rows], self.body)
            prose = [s for i, (_, segments) in enumerate(rows) if not tables[i] for s in segments]
            left, right = self._bounds(prose) if prose else self.columns[index]
            for i, (_, segments) in enumerate(rows):
                out.append(self._line(segments, left, right, table=tables[i]))
        return out

    def _bounds(self, segments: list[Segment]) -> tuple[float, float]:
        """The left edge most lines start at (an indent or a heading set out is not it), and
        the right edge most lines reach (the 90th percentile: a stray long line does not
        make every other line look short)."""
        starts = Counter(round(s.x0) for s in segments)
        ends = sorted(s.x1 for s in segments)
        return float(starts.most_common(1)[0][0]), ends[min(len(ends) - 1, int(0.9 * len(ends)))]

    def _line(self, segments: list[Segment], left: float, right: float, table: bool = False) -> Line:
        words = [w for s in segments for w in s.words]
        letters: dict[tuple[float, str], int] = {}
        for w in words:
            key = (round(w.size * 2) / 2, w.font)
            letters[key] = letters.get(key, 0) + len(w.text)
        size, font = max(letters.items(), key=lambda item: item[1])[0]
        spans: tuple[tuple[float, float], ...] = ()
        if table:  # cells sit closer than columns of text: a gap of half a space's width parts them
            parts = [[words[0]]]
            for before, word in zip(words, words[1:]):
                if word.x0 - before.x1 >= 0.45 * min(before.size, word.size):
                    parts.append([word])
                else:
                    parts[-1].append(word)
            cells = tuple(" ".join(w.text for w in part) for part in parts)
            spans = tuple((part[0].x0, part[-1].x1) for part in parts)
        else:
            cells = (" ".join(s.text for s in segments),)
        return Line(self.page.number, cells, min(w.x0 for w in words), max(w.x1 for w in words),
                    min(w.top for w in words), max(w.bottom for w in words), size, all(w.bold for w in words),
                    font, self.region, left, right, table=table, ocr=self.page.ocr, spans=spans)
