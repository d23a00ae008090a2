"""The paper typeset as journals set it: in two or three columns, or one column on the first
page and two after it, and a scanned copy with no text layer.

Made with reportlab from the Markdown of the paper, so that every sentence, heading and table
cell of the PDF has an oracle. The layouts differ on purpose in everything a reader could
overfit to: fonts (Times, Helvetica, an embedded TrueType), body sizes 8 to 10, leading,
gutters 9 to 20 pt, heading size against weight, tables across all columns or inside one,
running heads that alternate between pages, page labels that do not start at 1.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import (BaseDocTemplate, Frame, FrameBreak, KeepTogether, NextPageTemplate, PageTemplate,
                                Paragraph, Spacer, Table, TableStyle)
from reportlab.platypus.flowables import BalancedColumns

from ingest.tables import join_fragments
from tests.pdf_fixtures import _with_page_labels

FOOTNOTES = (
    ("1", "This article draws on a study of economic linkage between Japan and Vietnam."),
    ("2", "Corresponding author: Hong Chuong Pham, National Economics University, Hanoi."),
)
# Where the footnote marks go: after these words of the abstract and of the introduction.
FOOTNOTE_MARKS = (("relevance of their experiences for the contemporary Vietnam.", "1"),
                  ("Vietnam so far has spent", "2"))
FIGURE_CAPTION = "Figure 1. Manufacturing value-added of Vietnam and Thailand, 1985-2017 (% of GDP)"


@dataclass(frozen=True)
class Font:
    name: str
    size: float
    leading: float = 0.0


@dataclass(frozen=True)
class JournalLayout:
    """How one journal sets a paper."""

    name: str
    columns: int = 2
    first_page_columns: int = 0  # 1: the first page in one column, then `columns` (tables in a column)
    page_size: tuple = A4
    margins: tuple = (50, 50, 60, 60)  # left, right, top, bottom (points)
    gutter: float = 16
    body: Font = Font("Times-Roman", 9.5, 11.5)
    bold: str = "Times-Bold"
    italic: str = "Times-Italic"
    heading: Font = Font("Times-Bold", 11)
    subheading: Font = Font("Times-BoldItalic", 9.5)
    title: Font = Font("Times-Bold", 17, 21)
    cell: Font = Font("Times-Roman", 7, 8.4)
    justified: bool = True
    indent: float = 0  # first-line indent of paragraphs
    space_after: float = 4
    footnotes: bool = False
    figure: bool = False
    header: tuple = ("European Journal of Business and Management", "Vol.11, No.33, 2019")
    header_even: tuple = ()  # verso pages carry another running head when set
    footer: str = "{label}"  # the printed page number
    first_label: int = 1
    label_style: str = "/D"
    header_on_first: bool = True


TWO_COLUMN = JournalLayout(
    name="two-column", columns=2, gutter=18, footnotes=True, figure=True, first_label=211,
    header_even=("H. C. Pham, K. Ohno and M. D. Tran", "Industrial policy in East Asia"),
)
THREE_COLUMN = JournalLayout(
    name="three-column", columns=3, page_size=LETTER, margins=(42, 42, 54, 50), gutter=10,
    body=Font("Helvetica", 8, 9.6), bold="Helvetica-Bold", italic="Helvetica-Oblique",
    heading=Font("Helvetica-Bold", 10.5), subheading=Font("Helvetica-Bold", 8.5),
    title=Font("Helvetica-Bold", 19, 23), cell=Font("Helvetica", 6.5, 7.6), justified=False,
    indent=8, space_after=1, first_label=5, header=("Journal of Asian Economic Policy",),
    footer="Journal of Asian Economic Policy | {label}", header_on_first=False,
)
MIXED = JournalLayout(figure=True, 
    name="mixed", columns=2, first_page_columns=1, margins=(62, 56, 66, 64), gutter=20,
    body=Font("Vera", 8.6, 11), bold="VeraBd", italic="VeraIt",
    heading=Font("Vera", 11.5), subheading=Font("Vera", 10), title=Font("VeraBd", 15, 19),
    cell=Font("Vera", 5.2, 6.4), indent=10, space_after=2, first_label=301,
    header=("Policy Studies Review",), footer="Page {label}",
)
LAYOUTS = {layout.name: layout for layout in (TWO_COLUMN, THREE_COLUMN, MIXED)}


def journal_pdf(markdown: str, layout: JournalLayout) -> bytes:
    """The paper set in `layout`, with page labels from `layout.first_label`."""
    _register_fonts()
    styles = _Styles(layout)
    front, body = _split_front(markdown)
    buffer = io.BytesIO()
    width, height = layout.page_size
    left, right, top, bottom = layout.margins
    text_width = width - left - right
    footnote_room = 40 if layout.footnotes else 0

    def decorate(canvas, doc):
        _running_heads(canvas, doc, layout)
        if layout.footnotes and doc.page == 1:
            _footnotes(canvas, layout, bottom)

    document = BaseDocTemplate(buffer, pagesize=layout.page_size, title="The East Asian Industrial Policy Experiences",
                               author="Pham, Ohno, Tran")
    if layout.first_page_columns == 1:
        first = Frame(left, bottom, text_width, height - top - bottom, id="first", showBoundary=0)
        document.addPageTemplates([
            PageTemplate("first", [first], onPage=decorate),
            PageTemplate("later", _column_frames(layout, bottom), onPage=decorate)])
        story = _front_flowables(front, styles) + [NextPageTemplate("later")]
        story += _body_flowables(body, styles, layout, text_width, spanning=False)
    else:
        first = Frame(left, bottom + footnote_room, text_width, height - top - bottom - footnote_room, id="first")
        later = Frame(left, bottom, text_width, height - top - bottom, id="later")
        document.addPageTemplates([PageTemplate("first", [first], onPage=decorate),
                                   PageTemplate("later", [later], onPage=decorate)])
        story = _front_flowables(front, styles) + [NextPageTemplate("later")]
        story += _body_flowables(body, styles, layout, text_width, spanning=True)
    document.build(story)
    return _with_labels(buffer.getvalue(), layout)


def scanned_journal_pdf(pdf: bytes, dpi: int = 200, pages: int | None = None) -> bytes:
    """`pdf` as a scanner returns it: each page a grey picture, no text layer; same labels."""
    import pypdfium2 as pdfium
    from pypdf import PdfReader, PdfWriter
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    document = pdfium.PdfDocument(pdf)
    count = len(document) if pages is None else min(pages, len(document))
    buffer = io.BytesIO()
    scan = canvas.Canvas(buffer)
    for index in range(count):
        page = document[index]
        width, height = page.get_size()
        image = page.render(scale=dpi / 72, grayscale=True).to_pil()
        scan.setPageSize((width, height))
        scan.drawImage(ImageReader(image), 0, 0, width=width, height=height)
        scan.showPage()
    scan.save()
    document.close()
    labels = PdfReader(io.BytesIO(pdf)).page_labels[:count]
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(buffer.getvalue())))
    writer.set_page_label(0, count - 1, style="/D", start=int(labels[0]))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- the Markdown of the paper as blocks ------------------------------------------------------

@dataclass
class _Block:
    kind: str  # "title" | "authors" | "heading" | "para" | "caption" | "table" | "source"
    text: str = ""
    rows: list[list[str]] = field(default_factory=list)
    depth: int = 1


_NUMBER_RE = re.compile(r"^(\d+(?:\.\d+)*)\.?\s")


def _blocks(markdown: str) -> list[_Block]:
    out: list[_Block] = []
    for chunk in re.split(r"\n\s*\n", markdown):
        lines = [line for line in chunk.split("\n") if line.strip()]
        while lines and "\t" in lines[0] and ("able" in lines[0][:12] or "T-1" in lines[0][:4]):
            # A caption above its table, typeset as the journal prints it: the Markdown's copy was
            # cut into cells by OCR ("Income p<TAB>erfor<TAB>manc..."), a typeset PDF is not.
            out.append(_Block("caption", join_fragments(lines.pop(0).split("\t"))))
        if not lines:
            continue
        if len(lines) >= 2 and all("\t" in line for line in lines):
            rows = [[cell.strip() for cell in line.rstrip("\t ").split("\t")] for line in lines]
            out.append(_Block("table", rows=rows))
            continue
        text = " ".join(line.strip() for line in lines)
        if text.startswith("#"):
            title = text.lstrip("#").strip()
            if re.match(r"^Table \d", title):
                out.append(_Block("caption", title))  # "# Table 4. ..." is a caption under its table
            elif chunk.lstrip().startswith("# The East"):
                out.append(_Block("title", title))
            else:
                number = _NUMBER_RE.match(title)
                out.append(_Block("heading", title, depth=number.group(1).count(".") + 1 if number else 1))
        elif re.match(r"^(Source|Note)s?:", text):
            out.append(_Block("source", text))
        else:
            out.append(_Block("para", text))
    return out


def _split_front(markdown: str) -> tuple[list[_Block], list[_Block]]:
    """Title, authors and abstract (full width), then the body from "1. Introduction"."""
    blocks = _blocks(markdown)
    start = next(i for i, b in enumerate(blocks) if b.kind == "heading" and b.text.startswith("1."))
    return blocks[:start], blocks[start:]


# --- flowables ---------------------------------------------------------------------------------

class _Styles:
    def __init__(self, layout: JournalLayout):
        self.layout = layout
        body = layout.body
        common = dict(fontName=body.name, fontSize=body.size, leading=body.leading or body.size * 1.2,
                      hyphenationLang="en_US", embeddedHyphenation=1, spaceAfter=layout.space_after)
        self.body = ParagraphStyle("body", alignment=TA_JUSTIFY if layout.justified else TA_LEFT,
                                   firstLineIndent=layout.indent, **common)
        self.abstract = ParagraphStyle("abstract", alignment=TA_JUSTIFY, leftIndent=12, rightIndent=12, **common)
        self.front = ParagraphStyle("front", alignment=TA_CENTER, **{**common, "hyphenationLang": None})
        self.title = ParagraphStyle("title", fontName=layout.title.name, fontSize=layout.title.size,
                                    leading=layout.title.leading, alignment=TA_CENTER, spaceAfter=10)
        self.heading = ParagraphStyle("heading", fontName=layout.heading.name, fontSize=layout.heading.size,
                                      leading=layout.heading.size * 1.25, spaceBefore=8, spaceAfter=4,
                                      keepWithNext=1)
        self.subheading = ParagraphStyle("subheading", parent=self.heading, fontName=layout.subheading.name,
                                         fontSize=layout.subheading.size, leading=layout.subheading.size * 1.25,
                                         spaceBefore=6)
        self.caption = ParagraphStyle("caption", fontName=layout.bold, fontSize=body.size * 0.92,
                                      leading=body.size * 1.15, spaceBefore=6, spaceAfter=3, keepWithNext=1)
        self.figure_caption = ParagraphStyle("figcaption", fontName=layout.italic, fontSize=body.size * 0.85,
                                             leading=body.size * 1.05, spaceBefore=2, spaceAfter=6)
        self.source = ParagraphStyle("source", fontName=body.name, fontSize=body.size * 0.85,
                                     leading=body.size, spaceAfter=8)
        self.cell = ParagraphStyle("cell", fontName=layout.cell.name, fontSize=layout.cell.size,
                                   leading=layout.cell.leading)


def _markup(text: str, layout: JournalLayout) -> str:
    text = escape(text.replace("\\$", "$").replace("\\*", "*")).replace("**", "")
    text = re.sub(r"\*([^*]+)\*", r"<i>\1</i>", text)
    if layout.footnotes:
        for words, mark in FOOTNOTE_MARKS:
            anchor = words.split(" ")[0] if not words.endswith(".") else words
            if words in text:
                at = text.index(words) + (len(words) if words.endswith(".") else len(anchor))
                text = f"{text[:at]}<super>{mark}</super>{text[at:]}"
    return text


def _front_flowables(front: list[_Block], styles: _Styles) -> list:
    out: list = []
    for block in front:
        if block.kind == "title":
            out.append(Paragraph(escape(block.text), styles.title))
        elif block.kind == "heading":
            out.append(Paragraph(escape(block.text), styles.heading))
        elif block.text.startswith("www."):
            continue  # the journal's address is its running head here
        elif len(block.text) < 120:
            out.append(Paragraph(_markup(block.text, styles.layout), styles.front))
        else:
            out.append(Paragraph(_markup(block.text, styles.layout), styles.abstract))
    return out + [Spacer(1, 8)]


def _body_flowables(blocks: list[_Block], styles: _Styles, layout: JournalLayout, text_width: float,
                    spanning: bool) -> list:
    """Prose in columns; each table group (captions, table, source) across the full width when
    `spanning`, else inside the column."""
    column_width = (text_width - (layout.columns - 1) * layout.gutter) / layout.columns
    story: list = []
    prose: list = []
    figure_done = not layout.figure

    def flush():
        if prose:
            story.append(BalancedColumns(list(prose), nCols=layout.columns, innerPadding=layout.gutter,
                                         leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0,
                                         spaceAfter=6, endSlack=0))
            prose.clear()

    i = 0
    while i < len(blocks):
        block = blocks[i]
        if block.kind in ("caption", "table"):
            group = []
            while i < len(blocks) and blocks[i].kind in ("caption", "table", "source"):
                group.append(blocks[i])
                i += 1
            flowables = _table_group(group, styles, text_width if spanning else column_width)
            if spanning:
                flush()
            story.extend(flowables)
            continue
        target = prose if spanning else story  # frames make the columns when tables stay inside them
        if block.kind == "heading":
            style = styles.heading if block.depth == 1 else styles.subheading
            target.append(Paragraph(escape(block.text), style))
        else:
            target.append(Paragraph(_markup(block.text, layout), styles.body if block.kind == "para" else styles.source))
            if not figure_done and block.kind == "para" and block.text.startswith("Vietnam's economic structure"):
                # BalancedColumns cannot start a column with a picture: across all columns there
                if spanning:
                    flush()
                story.extend(_figure(styles, text_width * 0.6 if spanning else column_width))
                figure_done = True
        i += 1
    flush()
    return story


def _table_group(group: list[_Block], styles: _Styles, width: float) -> list:
    out: list = []
    for block in group:
        if block.kind == "caption":
            out.append(Paragraph(escape(block.text), styles.caption))
        elif block.kind == "source":
            out.append(Paragraph(escape(block.text.replace("\\$", "$").replace("\\*", "*")), styles.source))
        else:
            columns = max(len(row) for row in block.rows)
            rows = [[Paragraph(escape(cell.replace("\\$", "$")), styles.cell) for cell in row]
                    + [""] * (columns - len(row)) for row in block.rows]
            table = Table(rows, colWidths=_column_widths(block.rows, columns, width), hAlign="LEFT")
            table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                       ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                                       ("LINEABOVE", (0, 0), (-1, 0), 0.6, "black"),
                                       ("LINEBELOW", (0, -1), (-1, -1), 0.6, "black")]))
            out += [table, Spacer(1, 4)]
    return [KeepTogether(out[:3])] + out[3:] if len(out) > 3 else out


def _column_widths(rows: list[list[str]], columns: int, width: float) -> list[float]:
    """Widths by the longest word of each column (so that no word is broken) plus a share
    by the column's average text; an empty column gets a sliver."""
    weights = []
    for i in range(columns):
        cells = [row[i] for row in rows if i < len(row) and row[i]]
        longest = max((len(word) for cell in cells for word in cell.split()), default=0)
        average = sum(len(cell) for cell in cells) / len(cells) if cells else 0
        weights.append(max(longest, 2) + 0.3 * average)
    return [width * w / sum(weights) for w in weights]


def _figure(styles: _Styles, width: float) -> list:
    """A bar chart without words in it (a picture, as most journals embed figures), and its
    caption under it."""
    from PIL import Image as PILImage, ImageDraw
    from reportlab.platypus import Image

    values = [(20.51, 21.09), (12.26, 27.20), (14.99, 26.47), (18.45, 28.59), (18.82, 29.79), (12.95, 31.07)]
    picture = PILImage.new("L", (600, 240), 255)
    draw = ImageDraw.Draw(picture)
    draw.line((0, 230, 600, 230), fill=0, width=2)
    for i, (vietnam, thailand) in enumerate(values):
        x = 20 + i * 95
        draw.rectangle((x, 230 - vietnam * 6, x + 35, 230), fill=140)
        draw.rectangle((x + 38, 230 - thailand * 6, x + 73, 230), fill=0)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    buffer.seek(0)
    return [Image(buffer, width=width, height=width * 0.4),
            Paragraph(escape(FIGURE_CAPTION), styles.figure_caption)]


def _column_frames(layout: JournalLayout, bottom: float) -> list[Frame]:
    width, height = layout.page_size
    left, right, top, _ = layout.margins
    column = (width - left - right - (layout.columns - 1) * layout.gutter) / layout.columns
    return [Frame(left + i * (column + layout.gutter), bottom, column, height - top - bottom, id=f"c{i}",
                  leftPadding=0, rightPadding=0) for i in range(layout.columns)]


# --- what is printed around the text ----------------------------------------------------------

def _running_heads(canvas, doc, layout: JournalLayout) -> None:
    width, height = layout.page_size
    left, right, top, bottom = layout.margins
    label = str(layout.first_label + doc.page - 1)
    canvas.saveState()
    if doc.page > 1 or layout.header_on_first:
        head = layout.header_even if layout.header_even and doc.page % 2 == 0 else layout.header
        canvas.setFont(layout.italic, 7.5)
        canvas.drawString(left, height - top + 22, head[0])
        if len(head) > 1:
            canvas.drawRightString(width - right, height - top + 22, head[1])
        canvas.setLineWidth(0.4)
        canvas.line(left, height - top + 18, width - right, height - top + 18)
    canvas.setFont(layout.body.name, 8)
    footer = layout.footer.format(label=label)
    if layout.footer == "{label}":  # the number at the outer corner, as books print it
        (canvas.drawRightString if doc.page % 2 else canvas.drawString)(
            width - right if doc.page % 2 else left, bottom - 24, footer)
    else:
        canvas.drawCentredString(width / 2, bottom - 24, footer)
    canvas.restoreState()


def _footnotes(canvas, layout: JournalLayout, bottom: float) -> None:
    left = layout.margins[0]
    canvas.saveState()
    canvas.setLineWidth(0.4)
    canvas.line(left, bottom + 30, left + 90, bottom + 30)
    y = bottom + 21
    for mark, text in FOOTNOTES:
        canvas.setFont(layout.body.name, 5)
        canvas.drawString(left, y + 2.5, mark)
        canvas.setFont(layout.body.name, 7)
        canvas.drawString(left + 4, y, text)
        y -= 9
    canvas.restoreState()


def _with_labels(pdf: bytes, layout: JournalLayout) -> bytes:
    return _with_page_labels(pdf, layout.first_label)


_FONTS_DONE = False


def _register_fonts() -> None:
    """Bitstream Vera, which reportlab ships: an embedded TrueType subset, read through its
    ToUnicode map, beside the standard fonts of the other layouts."""
    global _FONTS_DONE
    if _FONTS_DONE:
        return
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for name, file in (("Vera", "Vera.ttf"), ("VeraBd", "VeraBd.ttf"), ("VeraIt", "VeraIt.ttf"),
                       ("VeraBI", "VeraBI.ttf")):
        pdfmetrics.registerFont(TTFont(name, file))
    pdfmetrics.registerFontFamily("Vera", normal="Vera", bold="VeraBd", italic="VeraIt", boldItalic="VeraBI")
    _FONTS_DONE = True


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
