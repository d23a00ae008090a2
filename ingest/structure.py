"""Find the structure of a text: headings, paragraphs and tables, with character spans.

Markdown headings come from `#` lines; plain text (and the text rebuilt from a PDF) has its
headings recognised by shape: a short line of its own that is numbered ("4.2. Linkage
policy"), a usual paper heading ("Abstract", "References") or in capitals. Heading depth is
taken from the numbering where there is one, because converted papers get their `#` levels
wrong ("# 5.2." under "# 5.").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from ingest.records import Block, BlockKind, Table
from ingest.tables import Line, caption_text, is_table_line, parse_table

_ATX_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_SETEXT_RE = re.compile(r"^(=+|-+)\s*$")
NUMBERED_HEADING_RE = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+([A-Z][^\n]{1,110})$")
KNOWN_HEADINGS = re.compile(
    r"^(abstract|introduction|conclusions?|references|bibliography|acknowledge?ments?|appendix\b.*"
    r"|summary|discussion|methods?|results)$",
    re.IGNORECASE,
)
_SOURCE_RE = re.compile(r"^\s*(source|sources|note|notes)\s*:", re.IGNORECASE)


@dataclass
class _Item:
    kind: str  # "para" | "heading" | "table" | "caption"
    lines: list[Line] = field(default_factory=list)
    level: int = 0
    title: str = ""
    table: Table | None = None
    fixed: bool = False  # a PDF's typography decided the heading and its level (0: the title)

    @property
    def start(self) -> int:
        return self.lines[0].start

    @property
    def end(self) -> int:
        return self.lines[-1].end


def parse_blocks(text: str, markdown: bool, headings: dict[int, int] | None = None) -> tuple[Block, ...]:
    """Blocks of `text`. `headings` (offset of a line -> 0 for the title, 1 for a section),
    when given, says which lines are headings (a PDF's typography did); otherwise plain text
    has its headings recognised by shape."""
    items = _scan(text, markdown, headings)
    items = _assemble_tables(items, keep_tables=headings is not None)
    return _to_blocks(items)


def heading_depth(title: str) -> int | None:
    """Depth from the numbering ("4.2. Linkage policy" -> 2), None when unnumbered."""
    match = re.match(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s", title)
    return match.group(1).count(".") + 1 if match else None


def looks_like_heading(line: str) -> bool:
    """A line standing alone that reads as a heading in plain text or a rebuilt PDF."""
    line = line.strip()
    if not line or len(line) > 110 or line[-1] in ".,;:!?" and not NUMBERED_HEADING_RE.match(line):
        return False
    if NUMBERED_HEADING_RE.match(line) and line[-1] not in ".,;":
        return True
    if KNOWN_HEADINGS.match(line):
        return True
    words = line.split()
    letters = sum(c.isalpha() for c in line)
    return 1 <= len(words) <= 8 and line.isupper() and letters >= 0.8 * len(line.replace(" ", ""))


def _lines(text: str) -> list[Line]:
    out, offset = [], 0
    for raw in text.split("\n"):
        out.append(Line(raw, offset))
        offset += len(raw) + 1
    return out


def _scan(text: str, markdown: bool, headings: dict[int, int] | None = None) -> list[_Item]:
    """First pass: split lines into paragraphs, headings, captions and runs of table lines."""
    items: list[_Item] = []
    lines = _lines(text)
    current: _Item | None = None

    def flush() -> None:
        nonlocal current
        if current and current.lines:
            items.append(current)
        current = None

    for i, line in enumerate(lines):
        stripped = line.text.strip()
        if not stripped:
            flush()
            continue
        heading = _ATX_RE.match(stripped) if markdown else None
        setext = markdown and i + 1 < len(lines) and _SETEXT_RE.match(lines[i + 1].text.strip() or "x") \
            and current is None and not is_table_line(line.text)
        if heading or setext:
            flush()
            title = heading.group(2).strip() if heading else stripped
            level = len(heading.group(1)) if heading else (1 if lines[i + 1].text.strip()[0] == "=" else 2)
            caption = caption_text(title)
            items.append(_Item("caption", [line], title=caption) if caption
                         else _Item("heading", [line], level=level, title=title.strip("*").strip()))
            continue
        if markdown and _SETEXT_RE.match(stripped) and items and items[-1].kind == "heading" \
                and current is None and items[-1].lines[-1].start < line.start:
            items[-1].lines.append(line)  # the ==== under a setext heading
            continue
        kind = "table" if is_table_line(line.text) else "para"
        if current is None or current.kind != kind:
            flush()
            current = _Item(kind)
        current.lines.append(line)
    flush()

    if not markdown:  # plain text: a one-line paragraph shaped like a heading is one
        for item in items:
            if item.kind == "para" and len(item.lines) == 1:
                caption = caption_text(item.lines[0].text)
                if caption:
                    item.kind, item.title = "caption", caption
                elif headings is not None:
                    if item.start in headings:
                        item.kind, item.title, item.level = "heading", item.lines[0].text.strip(), headings[item.start]
                        item.fixed = True
                elif looks_like_heading(item.lines[0].text):
                    item.kind, item.title, item.level = "heading", item.lines[0].text.strip(), 1
    return items


def _assemble_tables(items: list[_Item], keep_tables: bool = False) -> list[_Item]:
    """Second pass: attach captions and source notes to tables; table runs that are not
    tables (a caption broken into cells, a single line with a tab) fall back to text, except
    that with `keep_tables` (a PDF, whose reader found the rows by their cells) a run of two
    or more rows stays a table without columns, out of the prose."""
    out: list[_Item] = []
    pending_caption: _Item | None = None
    for item in items:
        if item.kind == "para" and len(item.lines) == 1 and caption_text(item.lines[0].text):
            item.kind, item.title = "caption", caption_text(item.lines[0].text)
        if item.kind == "caption":
            if out and out[-1].kind == "table" and not out[-1].title:
                out[-1].title = item.title  # caption printed under its table
                out[-1].table = replace(out[-1].table, title=item.title)
                out[-1].lines += item.lines
            else:
                pending_caption = item
            continue
        if item.kind == "table":
            caption_at = max((i for i, l in enumerate(item.lines) if caption_text(l.text)), default=-1)
            title = caption_text(item.lines[caption_at].text) if caption_at >= 0 else ""
            body = item.lines[caption_at + 1:]
            table = parse_table(body, title) if len(body) >= 2 else None
            if table is None:
                keep = keep_tables and len(body) >= 2
                if title and not keep:  # a caption whose line happens to hold tabs
                    pending_caption = _Item("caption", item.lines, title=title)
                    continue
                if keep:
                    item.title = title or (pending_caption.title if pending_caption is not None else "")
                    if pending_caption is not None and not title:
                        item.lines = pending_caption.lines + item.lines
                        pending_caption = None
                    out.append(item)
                    continue
                item.kind = "para"
            else:
                item.title, item.table = title, table
                if pending_caption is not None and not title:
                    item.title = pending_caption.title
                    item.table = replace(table, title=item.title)
                    item.lines = pending_caption.lines + item.lines
                    pending_caption = None
        elif item.kind == "para" and out and out[-1].kind == "table" and _SOURCE_RE.match(item.lines[0].text):
            out[-1].lines += item.lines  # "Source: World Bank ..." belongs to the table above
            continue
        if item.kind == "para" and out and out[-1].kind == "para" and _continues(out[-1], item):
            out[-1].lines += item.lines  # a paragraph cut by a page break in the source
            continue
        if pending_caption is not None and item.kind != "table":
            out.append(_Item("para", pending_caption.lines))  # a caption with no table: keep its text
            pending_caption = None
        out.append(item)
    if pending_caption is not None:
        out.append(_Item("para", pending_caption.lines))
    return out


def _continues(before: _Item, after: _Item) -> bool:
    """True when `after` is the rest of a sentence that `before` breaks off ("... the
    period of" / "2010-2018 (General ...")."""
    last, first = before.lines[-1].text.rstrip(), after.lines[0].text.lstrip()
    return bool(last) and bool(first) and last[-1] not in ".!?:;\"')]*" \
        and (first[0].islower() or first[0].isdigit())


def _to_blocks(items: list[_Item]) -> tuple[Block, ...]:
    headings = [item for item in items if item.kind == "heading"]
    numbered = any(heading_depth(h.title) for h in headings)
    min_level = min((h.level for h in headings), default=1)
    blocks = []
    for index, item in enumerate(items):
        if item.kind == "heading":
            is_title = item is headings[0] and len(headings) > 1 and heading_depth(item.title) is None \
                and item.level == min_level and index <= 3
            if item.fixed:
                depth = 0 if item.level == 0 else heading_depth(item.title) or item.level
            elif is_title:
                depth = 0  # the document's title: not a section
            elif numbered:
                depth = heading_depth(item.title) or 1
            else:
                depth = item.level - min_level + 1
            blocks.append(Block(BlockKind.HEADING, item.start, item.end, level=depth, title=item.title))
        elif item.kind == "table":
            blocks.append(Block(BlockKind.TABLE, item.start, item.end, table=item.table, title=item.title))
        else:
            blocks.append(Block(BlockKind.PARAGRAPH, item.start, item.end))
    return tuple(blocks)

