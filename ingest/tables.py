"""Tables in text: tab-separated or pipe tables, with their title and column headers.

Papers converted from PDF carry tables as tab-separated lines, often with a caption broken
by OCR ("1 able 2. Manufactured\texports of ..."), headers over several lines and cells
continued on the next line. This module turns such lines into a `Table`; rendering a row
as a self-contained passage (title + headers + values) is what makes a table answerable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.records import Table

# "Table 3.", "Table 3 .", and the OCR slips "1 able 2." / "T able 2" seen in converted papers.
# After the number comes punctuation, a capitalised title or nothing: a line of running text
# that starts with "Table 2, which ranks ..." or "Table 3 shows ..." (as lines of a PDF
# often do) is not a caption, and taking it for one cut its paragraph in three.
CAPTION_RE = re.compile(r"^\s*(?:T\s?able|[1lI|]\s?able|Tab\.)\s*(\d+)\b(?=\s*[.:\-–—]|\s*$|\s+(?-i:[A-Z(\[]))\s*[.:]?\s*",
                        re.IGNORECASE)
_PIPE_RULE_RE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


@dataclass(frozen=True)
class Line:
    """One source line and where it starts in the document text."""

    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def is_table_line(text: str) -> bool:
    return "\t" in text.strip("\n") or is_pipe_row(text)


def is_pipe_row(text: str) -> bool:
    stripped = text.strip()
    return stripped.startswith("|") and stripped.endswith("|") and stripped.count("|") >= 3


def caption_text(text: str) -> str | None:
    """The cleaned caption if `text` is a table caption line ("Table 2. Manufactured ..."), else None."""
    # Markdown bold anywhere in the line goes: "**Table 3.** Income" gave "Table 3. ** Income".
    flat = join_fragments(text.lstrip("#").replace("**", "").strip().strip("*").split("\t"))
    match = CAPTION_RE.match(flat)
    if not match or len(flat) > 250:
        return None
    rest = flat[match.end():].strip()
    return f"Table {match.group(1)}. {rest}".strip() if rest else f"Table {match.group(1)}"


def cells_of(text: str) -> list[str]:
    if is_pipe_row(text):
        inner = text.strip()[1:-1]
        return [cell.strip() for cell in inner.split("|")]
    return [cell.strip() for cell in text.split("\t")]


def parse_table(lines: list[Line], title: str) -> Table | None:
    """Build a table from consecutive table lines (caption lines already removed).

    The header is the first line whose first cell is filled; lines before it (group headers
    such as "Industrial policy assessment") are dropped, lines right after it with an empty
    first cell continue its cells. Later lines with an empty first cell continue the row above.
    """
    rows = [(cells_of(line.text), line) for line in lines if not _PIPE_RULE_RE.match(line.text)]
    header_at = next((i for i, (cells, _) in enumerate(rows) if cells and cells[0]), None)
    if header_at is None:
        return None
    columns = list(rows[header_at][0])
    body: list[tuple[list[str], int, int]] = []  # cells, span start, span end
    for cells, line in rows[header_at + 1:]:
        if not any(cells):
            continue
        if cells[0] == "" and (body or not _looks_like_data(cells)):
            target = body[-1][0] if body else columns
            _merge_cells(target, cells)
            if body:
                body[-1] = (body[-1][0], body[-1][1], line.end)
            continue
        body.append((list(cells), line.start, line.end))
    body = [row for row in body if sum(1 for c in row[0] if c) >= 2]
    if len(body) < 1:
        return None
    width = max(len(columns), *(len(cells) for cells, _, _ in body))
    columns += [""] * (width - len(columns))
    return Table(
        title=title,
        columns=tuple(columns),
        rows=tuple(tuple(cells + [""] * (width - len(cells))) for cells, _, _ in body),
        row_spans=tuple((start, end) for _, start, end in body),
    )


def render_row(table: Table, row: tuple[str, ...]) -> str:
    """`Table 1. Manufacturing value-added ... | Thailand | 1985: 21.09 | 1990: 27.20 | ...`"""
    parts = [table.title] if table.title else []
    parts.append(row[0])
    for column, value in zip(table.columns[1:], row[1:]):
        if value and value not in "-–—":
            parts.append(f"{column}: {value}" if column else value)
    return " | ".join(parts)


def render_table(table: Table, source_note: str = "") -> str:
    lines = [table.title] if table.title else []
    lines.append(" | ".join(c for c in table.columns))
    lines += [" | ".join(row) for row in table.rows]
    if source_note:
        lines.append(source_note)
    return "\n".join(lines)


def _looks_like_data(cells: list[str]) -> bool:
    return sum(1 for c in cells if re.fullmatch(r"[-\d.,%*]+", c or "x")) >= 2


def _merge_cells(target: list[str], cells: list[str]) -> None:
    target.extend([""] * (len(cells) - len(target)))
    for i, value in enumerate(cells):
        if value:
            target[i] = f"{target[i]} {value}".strip()


def join_fragments(fragments: list[str]) -> str:
    """Re-join a caption that OCR cut into cells: "Income p" + "erfor" -> "Income perfor".

    Two letter runs meeting at a cell border, the second in lower case and one of them short,
    are one word broken in two; anything else is joined with a space.
    """
    out = ""
    for fragment in (f.strip() for f in fragments):
        if not fragment:
            continue
        last_word = out.rsplit(" ", 1)[-1]
        first_word = fragment.split(" ", 1)[0]
        glued = (out and last_word.isalpha() and first_word.isalpha() and fragment[0].islower()
                 and min(len(last_word), len(first_word)) <= 5)
        out = f"{out}{fragment}" if glued else f"{out} {fragment}".strip()
    out = re.sub(r"\s+([.,:;])", r"\1", out)
    return out
