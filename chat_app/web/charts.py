"""A small chart of the table cells an answer states: a line over the years for a trend, bars
for a comparison. Built here, drawn by app.py (Altair ships with Streamlit).

The chart shows exactly the cells the answer cites: its data is `Answer.table_cells`, so a
figure in the text and a point on the chart cannot disagree. An empty cell stays a gap in the
line (never interpolated) and is named in the caption.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import altair as alt

from chat_app.records import Answer, CellRef


@dataclass(frozen=True)
class CellChart:
    kind: str  # "line" (one or more rows over several columns) or "bar" (rows in one column)
    title: str  # the table's title, which names its unit: "Table 1. ... (% of GDP)"
    caption: str  # the citations of the rows drawn, and the gaps
    cells: tuple[CellRef, ...]  # the answer's cells, gaps included

    def rows(self) -> list[dict]:
        """The chart's data, one record a cell: a gap has value None."""
        return [{"row": c.row, "column": c.column, "value": c.value} for c in self.cells]

    def description(self) -> str:
        """The chart in words, for screen readers: every figure drawn, gaps named."""
        return "; ".join(f"{c.row} {c.column}: {c.text if c.value is not None else 'no figure'}" for c in self.cells)

    def altair(self) -> alt.Chart:
        data = alt.Data(values=self.rows())
        value = alt.Y("value:Q", title=None, scale=alt.Scale(zero=False))
        tooltip = ["row:N", "column:N", "value:Q"]
        if self.kind == "line":
            # invalid=None: a null value breaks the line there instead of joining its neighbours.
            chart = alt.Chart(data).mark_line(point=True, invalid=None).encode(
                x=alt.X("column:O", title=None), y=value, color=alt.Color("row:N", title=None), tooltip=tooltip)
        else:
            chart = alt.Chart(data).mark_bar().encode(
                x=alt.X("row:N", title=None, sort=None), y=value, tooltip=tooltip)
        return chart.properties(title=self.title, height=260)


def chart_of(answer: Answer) -> CellChart | None:
    """A chart for an answer that states two or more figures of one table, else None."""
    cells = tuple(answer.table_cells)
    if len([c for c in cells if c.value is not None]) < 2 or len({c.table for c in cells}) != 1:
        return None
    by_chunk = {c.chunk.id: c for c in answer.citations}
    cited = [by_chunk[c.chunk_id] for c in cells if c.chunk_id in by_chunk]
    title = cited[0].chunk.table_title if cited else cells[0].table
    # A line when some row has several columns; bars when each row has one figure (the latest
    # figures of several rows may stand in different years, and dots in a line would mislead).
    kind = "line" if max(Counter(c.row for c in cells).values()) > 1 else "bar"
    numbers: dict[str, list[int]] = {}  # rows of one table share a citation label: "[1, 2] Pham ..."
    for c in dict.fromkeys(cited):
        numbers.setdefault(c.label, []).append(c.n)
    sources = [f"[{', '.join(map(str, ns))}] {label}" for label, ns in numbers.items()]
    gaps = [f"{c.row} {c.column}" for c in cells if c.value is None]
    caption = "Source: " + "; ".join(sources) if sources else ""
    if gaps:
        caption += f". No figure in the table for {', '.join(gaps)} (left as a gap)."
    return CellChart(kind, title, caption, cells)
