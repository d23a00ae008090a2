"""Tables on a page, from where their cells stand: which rows are table rows, and the grid
of columns their cells go to. Used by `layout` once it has the rows of a band or column."""

from __future__ import annotations

import statistics
from dataclasses import replace
from typing import TYPE_CHECKING

from ingest.pdf_words import Word

if TYPE_CHECKING:
    from ingest.layout import Line


def cell_gaps(words: list[Word]) -> bool:
    """Whether the gaps of a row are of two kinds, spaces inside cells and wider ones between
    them, as in a table with narrow gutters. A line of text spaces its words evenly, also
    when justified."""
    gaps = [b.x0 - a.x1 for a, b in zip(words, words[1:])]
    if len(gaps) < 3:
        return False
    usual = statistics.median(gaps)
    size = statistics.median(w.size for w in words)
    return sum(1 for g in gaps if g >= max(0.6 * size, 2 * usual)) >= 2


def grid_tables(lines: list[Line]) -> list[Line]:
    """Table rows put on one grid of columns: the row with the most cells gives the columns,
    split halfway between its cells; each cell goes to the column under its middle. Rows of a
    wrapped cell then keep their column (empty cells stay empty), as structure expects."""
    out: list[Line] = []
    i = 0
    while i < len(lines):
        if not lines[i].table:
            out.append(lines[i])
            i += 1
            continue
        j = i
        while j < len(lines) and lines[j].table and lines[j].region == lines[i].region:
            j += 1
        block = lines[i:j]
        fullest = max(block, key=lambda line: len(line.spans))
        bounds = [(a[1] + b[0]) / 2 for a, b in zip(fullest.spans, fullest.spans[1:])]
        gridded = []
        for line in block:
            cells = [""] * (len(bounds) + 1)
            for text, (x0, x1) in zip(line.cells, line.spans):
                column = sum(1 for b in bounds if (x0 + x1) / 2 > b)
                cells[column] = f"{cells[column]} {text}".strip()
            gridded.append(replace(line, cells=tuple(cells)))
        out += _merge_wrapped(gridded)
        i = j
    return out


def _merge_wrapped(lines: list[Line]) -> list[Line]:
    """Lines of one table row set solid (cells wrapped onto several lines) become one line,
    when the table spaces its rows wider than the lines inside a cell: whether its cells are
    aligned at the top, the middle or the bottom, a wrapped cell then stays in its own row."""
    gaps = [b.top - a.bottom for a, b in zip(lines, lines[1:])]
    size = statistics.median(line.size for line in lines)
    solid = [g < 0.35 * size for g in gaps]
    if not any(solid) or not any(g >= max(0.3 * size, 3 * min(gaps)) for g in gaps):
        return lines  # no wrapped cells, or rows set as tight as lines: one line, one row
    groups = [[lines[0]]]
    for line, joined in zip(lines[1:], solid):
        if joined:
            groups[-1].append(line)
        else:
            groups.append([line])
    out = []
    for group in groups:
        cells = [" ".join(c for c in column if c) for column in zip(*(line.cells for line in group))]
        out.append(replace(group[0], cells=tuple(cells), bottom=group[-1].bottom))
    return out


def table_rows(cells: list[bool], prose: list[bool], tops: list[float], bottoms: list[float],
                body_size: float) -> list[bool]:
    """Which rows are table rows. `cells[i]`: row i has two or more cells; `prose[i]`: it
    holds a segment as wide as prose. Two or more rows with cells (with no prose row and no
    wide gap between them) make a table; the rows between them and the rows right above or
    below it that are not prose belong to it."""
    n = len(cells)
    table = [False] * n
    close = [i + 1 < n and tops[i + 1] - bottoms[i] <= 1.5 * body_size for i in range(n)]
    i = 0
    while i < n:
        if not cells[i]:
            i += 1
            continue
        j = i  # grow a run of rows joined by non-prose rows, up to the last row with cells
        last = i
        while j + 1 < n and close[j] and not prose[j + 1]:
            j += 1
            if cells[j]:
                last = j
        if sum(cells[i:last + 1]) >= 2:
            start = i
            while start > 0 and close[start - 1] and not prose[start - 1] and not cells[start - 1]:
                start -= 1  # a header row wrapped above the first row with cells
            end = last
            while end + 1 < n and close[end] and not prose[end + 1]:
                end += 1
            for k in range(start, end + 1):
                table[k] = True
            i = end + 1
        else:
            i = last + 1
    return table
