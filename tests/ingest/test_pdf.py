"""Reading a real PDF of the paper (made with reportlab in tests/pdf_fixtures.py) and broken PDFs.

The paper PDF is typeset like the journal: a running header and a printed page number on
every page, justified text hyphenated at line ends, page labels from 71. What pypdf extracts
from each page is the oracle for pages; the Markdown the PDF was made from is the oracle for
words, hyphens, sections and tables.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from ingest import chunk_document, load_document
from ingest.errors import UnreadableFileError
from ingest.records import BlockKind, ChunkKind
from ingest.settings import Settings
from tests.helpers import PAPER, PAPER_PDF_NAME, letters, span_ends
from tests.pdf_fixtures import (FIRST_PAGE_LABEL, RUNNING_HEADER, encrypted_pdf, scanned_pdf, simple_pdf,
                                truncated_pdf)

PARAGRAPHS = ["Industrial policy in Vietnam has many weaknesses that selective policy could address. " * 8] * 4


@pytest.fixture(scope="module")
def pdf_doc(paper_pdf_bytes):
    return load_document(Path(PAPER_PDF_NAME), data=paper_pdf_bytes)


@pytest.fixture(scope="module")
def pdf_chunks(pdf_doc):
    return chunk_document(pdf_doc, Settings().chunk_chars)


@pytest.fixture(scope="module")
def markdown_doc():
    return load_document(PAPER)


@pytest.fixture(scope="module")
def raw_pages(paper_pdf_bytes) -> list[str]:
    """What pypdf extracts from each physical page, header and page number included."""
    from pypdf import PdfReader

    return [page.extract_text(extraction_mode="layout") for page in PdfReader(io.BytesIO(paper_pdf_bytes)).pages]


def pages_holding(raw_pages: list[str], text: str) -> list[int]:
    key = letters(text)
    return [number for number, page in enumerate(raw_pages, 1) if key in letters(page)]


# --- pages ---------------------------------------------------------------------------------

def test_pages_are_numbered_physically_and_labelled_as_printed(pdf_doc, raw_pages):
    assert len(pdf_doc.pages) == len(raw_pages) >= 8
    for page in pdf_doc.pages:
        printed = [line.strip() for line in raw_pages[page.number - 1].splitlines() if line.strip()][-1]
        assert page.label == printed == str(FIRST_PAGE_LABEL + page.number - 1)
    assert [p.number for p in pdf_doc.pages] == list(range(1, len(raw_pages) + 1))


def test_page_spans_tile_the_text(pdf_doc):
    pages = pdf_doc.pages
    assert pages[0].start == 0 and pages[-1].end == len(pdf_doc.text)
    for before, after in zip(pages, pages[1:]):
        assert before.end == after.start
        assert before.start < before.end


def test_every_chunk_has_the_page_its_first_words_are_printed_on(pdf_doc, pdf_chunks, raw_pages):
    for chunk in pdf_chunks:
        first, last = span_ends(pdf_doc.text[chunk.start:chunk.end])
        assert chunk.page in pages_holding(raw_pages, first), chunk.text[:80]
        assert chunk.page_end in pages_holding(raw_pages, last), chunk.text[-80:]
        assert chunk.page_label == str(FIRST_PAGE_LABEL + chunk.page - 1)


def test_a_passage_across_a_page_break_knows_both_pages(pdf_doc, pdf_chunks, raw_pages):
    crossing = [c for c in pdf_chunks if c.kind is ChunkKind.PARAGRAPHS and c.page != c.page_end]
    assert crossing, "the paper has paragraphs that run on to the next page"
    for chunk in crossing:
        assert chunk.page_end == chunk.page + 1
        words = chunk.text.split()
        assert chunk.page in pages_holding(raw_pages, " ".join(words[:8]))
        assert chunk.page_end in pages_holding(raw_pages, " ".join(words[-8:]))
        break_at = pdf_doc.pages[chunk.page - 1].end
        assert chunk.start < break_at < chunk.end


# --- what the reader removes and rejoins -----------------------------------------------------

def test_the_running_header_is_gone(pdf_doc, pdf_chunks, raw_pages):
    assert all(RUNNING_HEADER.split("  ")[0] in page for page in raw_pages)  # it is on every page
    for text in [pdf_doc.text] + [c.text for c in pdf_chunks]:
        assert "European Journal of Business and Management" not in text
        assert "Vol.11, No.33" not in text


def test_no_bare_page_number_line_is_left(pdf_doc, pdf_chunks):
    labels = {str(FIRST_PAGE_LABEL + i) for i in range(len(pdf_doc.pages))}
    lines = [line.strip() for line in pdf_doc.text.splitlines()]
    assert not [line for line in lines if re.fullmatch(r"\d{1,4}", line)]
    for chunk in pdf_chunks:
        assert not labels & {line.strip() for line in chunk.text.splitlines()}


def line_end_hyphens(raw_pages: list[str]) -> list[tuple[str, str]]:
    """(head, tail) of each word the typesetter broke at a line end in running text."""
    pairs = []
    for page in raw_pages:
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        for line, following in zip(lines, lines[1:]):
            if "   " in line or "   " in following:
                continue  # table rows
            head, tail = re.search(r"([A-Za-z]+)-$", line), re.match(r"([A-Za-z]+)", following)
            if head and tail:
                pairs.append((head.group(1), tail.group(1)))
    return pairs


def test_words_hyphenated_at_line_ends_are_rejoined_and_real_hyphens_stay(pdf_doc, raw_pages, paper_markdown):
    pairs = line_end_hyphens(raw_pages)
    assert len(pairs) > 50  # the fixture does hyphenate: the test has something to check
    for head, tail in pairs:
        if f"{head}-{tail}" in paper_markdown:  # a real hyphen that fell at a line end: kept
            assert f"{head}-{tail}" in pdf_doc.text
        else:
            assert f"{head}{tail}" in pdf_doc.text
            assert f"{head}-{tail}" not in pdf_doc.text and f"{head}- {tail}" not in pdf_doc.text


def test_hyphenation_examples(pdf_chunks, raw_pages):
    raw = "\n".join(raw_pages)
    assert re.search(r"indus-\s+trialization", raw) and re.search(r"enter-\s+prises", raw)
    text = " ".join(c.text for c in pdf_chunks)
    for split in ("indus- trialization", "indus-trialization", "enter- prises", "enter-prises"):
        assert split not in text
    for word in ("industrialization", "enterprises", "high-quality", "value-added", "FDI-local"):
        assert word in text


def test_no_word_stays_split_in_running_text(pdf_chunks, paper_markdown):
    # Every "word- word" left in a paragraph is printed so in the source ("private sector- or").
    for chunk in pdf_chunks:
        if chunk.kind is ChunkKind.PARAGRAPHS:
            for split in re.findall(r"[A-Za-z]+- [a-z]+", chunk.text):
                assert split in paper_markdown, split


def test_lines_are_joined_back_into_paragraphs(pdf_doc):
    sentence = ("The Vietnamese economy grew rapidly at an average rate of 7.6% from 1991-2010 and 6% "
                "during the period of 2010-2018 (General Statistical Office, 2018).")
    assert sentence in pdf_doc.text


# --- structure ----------------------------------------------------------------------------

def test_sections_are_those_of_the_markdown(pdf_doc, markdown_doc):
    def headings(doc):
        return [(b.level, b.title) for b in doc.blocks if b.kind is BlockKind.HEADING and b.level > 0]

    assert headings(pdf_doc) == headings(markdown_doc)


def test_passages_carry_their_section_path(pdf_chunks):
    linkage = [c for c in pdf_chunks if c.section == "4.2. Linkage policy"]
    assert linkage
    assert {c.section_path for c in linkage} == {
        ("4. Small and medium enterprise development and linkage policy", "4.2. Linkage policy")}


@pytest.mark.parametrize("table", ["Table 1.", "Table 2."])
def test_tables_1_and_2_become_the_same_row_chunks_as_from_markdown(pdf_chunks, markdown_doc, table):
    markdown_rows = [c.text for c in chunk_document(markdown_doc, 1000)
                     if c.kind is ChunkKind.TABLE_ROW and c.text.startswith(table)]
    pdf_rows = [c.text for c in pdf_chunks if c.kind is ChunkKind.TABLE_ROW and c.text.startswith(table)]

    assert len(pdf_rows) == 6
    assert pdf_rows == markdown_rows


def test_a_table_row_reads_on_its_own(pdf_chunks):
    thailand = next(c for c in pdf_chunks if c.kind is ChunkKind.TABLE_ROW and c.text.startswith("Table 1.")
                    and "| Thailand |" in c.text)

    assert thailand.text.startswith(
        "Table 1. Manufacturing value-added of selected East Asian countries (% of GDP) | Thailand | 1985: 21.09")
    assert "| 2010: 31.07 |" in thailand.text
    assert thailand.section == "2. Vietnam economic performance"


def test_a_line_of_running_text_that_starts_with_table_n_is_not_a_caption(tmp_path):
    # A PDF line may well begin "Table 2, which ..."; it was taken for a caption and cut the
    # paragraph in three ("... shown in" / "Table 2, which ..." / "Malaysia and ...").
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    lines = ["1. Introduction",
             "Vietnam's share of manufactured exports in total export rose quickly and is shown in",
             "Table 2, which ranks Vietnam in the second-tier group of East Asian countries along",
             "with Malaysia and Thailand, below the top group of Japan and Korea in that period.",
             "Table 3 shows that income level and policy quality are highly correlated in Asia,",
             "which suggests, informally, that policy quality matters."]
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    for i, line in enumerate(lines):
        page.setFont("Times-Bold" if i == 0 else "Times-Roman", 10.5)  # a heading by its type, as printed
        page.drawString(60, 800 - 13 * i, line)
    page.showPage()
    page.save()

    doc = load_document(Path("report.pdf"), data=buffer.getvalue())

    assert doc.text == lines[0] + "\n\n" + " ".join(lines[1:])
    assert [c.text for c in chunk_document(doc, 1000)] == [" ".join(lines[1:])]


# --- files that cannot be read ------------------------------------------------------------

@pytest.mark.parametrize("make, reason", [
    (lambda: encrypted_pdf(PARAGRAPHS), r"encrypted PDF \(a password is needed\)"),
    (lambda: truncated_pdf(PARAGRAPHS), r"corrupt PDF \(truncated: no end-of-file marker\)"),
    (scanned_pdf, r"no text layer \(scanned\?\), and OCR found no text on its 1 page"),
    (lambda: b"", r"empty file"),
    (lambda: b"Plain text with a .pdf name.\n", r"corrupt PDF \(no PDF header\)"),
    (lambda: b"%PDF-1.4\n" + bytes(range(256)) * 20 + b"\n%%EOF\n", r"corrupt PDF \(.+\)"),
])
def test_a_pdf_that_cannot_be_read_gives_one_line_naming_file_and_reason(tmp_path, make, reason):
    path = tmp_path / "paper.pdf"
    path.write_bytes(make())

    with pytest.raises(UnreadableFileError, match=rf"^paper\.pdf: {reason}$") as caught:
        load_document(path)
    assert "\n" not in str(caught.value)


def test_a_pdf_encrypted_with_an_empty_password_is_read(tmp_path):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(simple_pdf(PARAGRAPHS))))
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)

    doc = load_document(Path("protected.pdf"), data=out.getvalue())

    assert doc.text.startswith("Industrial policy in Vietnam has many weaknesses")
