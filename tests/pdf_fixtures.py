"""Real PDFs made for the tests: the paper typeset like a journal, and broken files.

The paper PDF has what makes real papers hard to read back: a running header and a page
number on every page, justified text with words hyphenated at line ends, tables, and page
labels that differ from the physical page numbers (the journal's page 71 is page 1).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from reportlab.lib.enums import TA_JUSTIFY
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table
from xml.sax.saxutils import escape

RUNNING_HEADER = "European Journal of Business and Management  www.iiste.org  Vol.11, No.33, 2019"
FIRST_PAGE_LABEL = 71

BODY = ParagraphStyle(
    "body", fontName="Times-Roman", fontSize=10.5, leading=13, alignment=TA_JUSTIFY,
    hyphenationLang="en_US", embeddedHyphenation=1, spaceAfter=6,
)
HEADING = ParagraphStyle("heading", fontName="Times-Bold", fontSize=11, leading=14, spaceBefore=8, spaceAfter=4)
CELL = ParagraphStyle("cell", fontName="Times-Roman", fontSize=7, leading=8)


def markdown_to_flowables(markdown: str) -> list:
    """A small Markdown reader for the fixture: headings, paragraphs, tab-separated tables."""
    flowables: list = []
    for block in re.split(r"\n\s*\n", markdown):
        lines = [l for l in block.split("\n") if l.strip()]
        if not lines:
            continue
        while lines and "\t" in lines[0] and ("able" in lines[0][:12] or "T-1" in lines[0][:4]):
            # a caption printed above its table, as journals do
            flowables.append(Paragraph(escape(" ".join(lines.pop(0).split())), HEADING))
        if not lines:
            continue
        if all("\t" in l for l in lines) and len(lines) >= 2:
            rows = [[Paragraph(escape(c.strip()), CELL) for c in l.split("\t")] for l in lines]
            width = max(len(r) for r in rows)
            rows = [r + [""] * (width - len(r)) for r in rows]
            flowables += [Table(rows, colWidths=[17 * cm / width] * width), Spacer(1, 6)]
            continue
        for line in _group(lines):
            if line.startswith("#"):
                flowables.append(Paragraph(escape(line.lstrip("#").strip()), HEADING))
            else:
                text = escape(line.replace("\\$", "$").replace("\\*", "*")).replace("**", "")
                flowables.append(Paragraph(text, BODY))
    return flowables


def _group(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if out and not line.startswith("#") and not out[-1].startswith("#") and "\t" not in line:
            out[-1] += " " + line.strip()
        else:
            out.append(line.strip())
    return out


def paper_pdf(markdown: str, *, title: str = "The East Asian Industrial Policy Experiences",
              author: str = "Pham, Ohno, Tran") -> bytes:
    buffer = io.BytesIO()

    def decorate(canvas, doc):  # the running header and the printed page number
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.drawString(2 * cm, A4[1] - 1.3 * cm, RUNNING_HEADER)
        canvas.drawCentredString(A4[0] / 2, 1.2 * cm, str(FIRST_PAGE_LABEL + doc.page - 1))
        canvas.restoreState()

    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=2 * cm, rightMargin=2 * cm,
                                 topMargin=2 * cm, bottomMargin=2 * cm, title=title, author=author)
    document.build(markdown_to_flowables(markdown), onFirstPage=decorate, onLaterPages=decorate)
    return _with_page_labels(buffer.getvalue(), FIRST_PAGE_LABEL)


def _with_page_labels(pdf: bytes, first: int) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.set_page_label(0, len(writer.pages) - 1, style="/D", start=first)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def simple_pdf(paragraphs: list[str]) -> bytes:
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4).build([Paragraph(escape(p), BODY) for p in paragraphs])
    return buffer.getvalue()


def encrypted_pdf(paragraphs: list[str], password: str = "secret") -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(simple_pdf(paragraphs))))
    writer.encrypt(user_password=password, owner_password=password, algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def scanned_pdf() -> bytes:
    """A page that holds only a picture without words (a photograph), as a scanner makes
    it: no text layer, and nothing for OCR to read either."""
    from PIL import Image

    image = Image.linear_gradient("L").resize((1200, 400))
    return _picture_pdf(image)


def scanned_text_pdf(text: str = "Scanned page: industrial policy in Vietnam") -> bytes:
    """A page that holds only a picture of a line of text: no text layer, but OCR reads it."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (1200, 400), 255)
    ImageDraw.Draw(image).text((40, 40), text, fill=0, font=ImageFont.load_default(size=36))
    return _picture_pdf(image)


def _picture_pdf(image) -> bytes:
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.drawImage(ImageReader(image), 2 * cm, 15 * cm, width=17 * cm, height=6 * cm)
    page.showPage()
    page.save()
    return buffer.getvalue()


def crafted_pdf(pages: int = 2000, inflated: int = 2_000_000) -> bytes:
    """The issue's crafted PDF: `pages` pages sharing one Flate content stream that inflates
    to `inflated` bytes of text operators (about 320 KB for 2,000 pages). Every page makes a
    reader inflate and parse the whole stream again."""
    import zlib

    body = b"BT /F1 9 Tf 72 720 Td " + b"(a) Tj " * ((inflated - 30) // 7) + b"ET"
    stream = zlib.compress(body, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % (5 + i) for i in range(pages)) + b"] /Count %d >>" % pages,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
                b"/Resources << /Font << /F1 3 0 R >> >> >>"] * pages
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + obj + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def truncated_pdf(paragraphs: list[str]) -> bytes:
    data = simple_pdf(paragraphs)
    return data[: len(data) // 3]


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
