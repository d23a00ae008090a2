"""Journal PDFs of the paper in two columns, three columns, and one column then two
(tests/journal_pdf.py) read back in order: the Markdown they were typeset from is the oracle
for sentences, headings and tables; PDFium's own text of each page is the oracle for pages;
the PDF's page labels for labels.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from ingest import chunk_document, load_document
from ingest.layout_quality import (check_pages, headings, letters, paper_sentences, section_paths,
                                   sentence_share, table_rows)
from ingest.records import ChunkKind
from ingest.sentences import chunk_sentences
from tests.helpers import PAPER
from tests.journal_pdf import FIGURE_CAPTION, FOOTNOTES, LAYOUTS, TWO_COLUMN, journal_pdf

NAMES = list(LAYOUTS)


@pytest.fixture(scope="module")
def markdown():
    doc = load_document(PAPER)
    return doc, chunk_document(doc, 1000)


@pytest.fixture(scope="module", params=NAMES)
def journal(request, paper_markdown):
    data = journal_pdf(paper_markdown, LAYOUTS[request.param])
    doc = load_document(Path(f"{request.param}.pdf"), data=data)
    return request.param, data, doc, chunk_document(doc, 1000)


def pdf_pages(data: bytes) -> tuple[list[str], list[str]]:
    """PDFium's own text of each page, and the page labels pypdf reads."""
    import pypdfium2 as pdfium
    from pypdf import PdfReader

    document = pdfium.PdfDocument(data)
    texts = [document[i].get_textpage().get_text_range() for i in range(len(document))]
    return texts, list(PdfReader(io.BytesIO(data)).page_labels)


def test_the_fixtures_are_set_in_columns(paper_markdown):
    """The oracle itself: pypdf's plain text of a two-column page interleaves the columns,
    which is what the reader has to undo."""
    from pypdf import PdfReader

    data = journal_pdf(paper_markdown, TWO_COLUMN)
    plain = PdfReader(io.BytesIO(data)).pages[1].extract_text(extraction_mode="layout")
    rows = [line for line in plain.splitlines() if "   " in line.strip()]
    assert len(rows) > 20  # many lines hold text of both columns side by side


def test_at_least_95_percent_of_the_papers_sentences_are_intact(journal, markdown):
    name, _, _, chunks = journal
    share = sentence_share(paper_sentences(markdown[0]), chunks)
    assert share.total > 250
    assert share.share >= 0.95, (name, share.missing)


def test_section_paths_are_the_papers_headings(journal, markdown):
    name, _, doc, chunks = journal
    assert headings(doc) == headings(markdown[0])
    assert section_paths(chunks) == section_paths(markdown[1])


@pytest.mark.parametrize("table", ["Table 1.", "Table 2."])
def test_rows_of_tables_1_and_2_are_those_of_the_markdown(journal, markdown, table):
    _, _, _, chunks = journal
    assert len(table_rows(chunks, table)) == 6
    assert table_rows(chunks, table) == table_rows(markdown[1], table)


def test_every_sentence_has_the_page_and_label_it_is_printed_on(journal):
    name, data, doc, chunks = journal
    texts, labels = pdf_pages(data)
    sentences = [s for c in chunks if c.kind is not ChunkKind.TABLE_ROW or c.text.startswith(("Table 1.", "Table 2."))
                 for s in chunk_sentences(doc, c)]
    check = check_pages(sentences, texts, labels)
    assert check.checked > 200
    assert not check.wrong, check.wrong[:5]
    assert [p.label for p in doc.pages] == labels
    assert all(c.page_label == labels[c.page - 1] for c in chunks)


def test_running_heads_and_page_numbers_are_gone(journal):
    name, data, doc, chunks = journal
    layout = LAYOUTS[name]
    for head in layout.header + layout.header_even:
        assert head not in doc.text
    footer_word = layout.footer.replace("{label}", "").strip(" |")
    assert not footer_word or footer_word not in doc.text
    lines = {line.strip() for line in doc.text.splitlines()}
    assert not {str(layout.first_label + i) for i in range(len(doc.pages))} & lines


def test_footnotes_stand_apart_and_reference_marks_leave_the_sentence(paper_markdown):
    doc = load_document(Path("two.pdf"), data=journal_pdf(paper_markdown, TWO_COLUMN))
    paragraphs = doc.text.split("\n\n")
    for _, note in FOOTNOTES:
        assert note in paragraphs  # a paragraph of its own, on its page
        page = doc.page_at(doc.text.index(note))
        assert page.number == 1
    assert "After the start of globalization in the early 1990s, Vietnam so far has spent" in doc.text
    assert "the contemporary Vietnam. At first" in doc.text
    assert "Vietnam2" not in doc.text and "Vietnam.1" not in doc.text


def test_a_figure_caption_is_a_paragraph_of_its_own(paper_markdown):
    for layout in (TWO_COLUMN, LAYOUTS["mixed"]):
        doc = load_document(Path("f.pdf"), data=journal_pdf(paper_markdown, layout))
        assert FIGURE_CAPTION in doc.text.split("\n\n"), layout.name


def test_a_table_that_cannot_be_rebuilt_stays_out_of_the_prose(journal):
    """Table 4's cells wrap over rows; whatever is not rebuilt into rows is a table chunk,
    never inside a prose chunk."""
    _, _, _, chunks = journal
    cells = ["Highly strategic based on individual deals", "Productivity support for targeted segments"]
    prose = " ".join(letters(c.text) for c in chunks if c.kind is ChunkKind.PARAGRAPHS)
    for cell in cells:
        assert letters(cell)[:20] not in prose


# --- retrieval and answers, with the real model and FAISS -------------------------------------

@pytest.fixture(scope="module")
def markdown_scores(paper_index, embedder, dev_questions) -> tuple[float, float]:
    from ingest.layout_report import retrieval_and_answers

    # Without the query adapter, which serves the Markdown by its file name and never a PDF of
    # it: the comparison is of layouts (README, Known limits).
    return retrieval_and_answers(paper_index.settings, dev_questions, embedder, adapter=False)


@pytest.mark.parametrize("name", NAMES)
def test_dev_recall_at_5_on_the_journal_pdf_is_that_of_the_markdown(name, tmp_path_factory, make_settings, embedder,
                                                                     dev_questions, paper_markdown, markdown_scores):
    from index.builder import build_index
    from ingest.layout_report import retrieval_and_answers

    settings = make_settings(tmp_path_factory.mktemp(name))
    (settings.corpus_dir / "paper.pdf").write_bytes(journal_pdf(paper_markdown, LAYOUTS[name]))
    build_index(settings, embedder=embedder)

    recall, answers = retrieval_and_answers(settings, dev_questions, embedder, adapter=False)

    assert recall >= 0.95 and recall >= markdown_scores[0] - 0.05, (name, recall, markdown_scores)
    if name == "two-column":
        assert answers >= markdown_scores[1] - 0.05, (answers, markdown_scores)


@pytest.mark.parametrize("font, heading", [("Times-Roman", False), ("Times-Bold", True)])
def test_a_numbered_line_is_a_heading_by_its_type_not_by_its_number(font, heading):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from ingest.records import BlockKind

    lines = ["The policy assessment covers Singapore, Taiwan, Malaysia, Thailand, Indonesia and",
             "Vietnam, and for each of them it lists the support given to local suppliers in these",
             "sectors:", "2. Vietnam economic performance",
             "The Vietnamese economy grew rapidly at an average rate of 7.6% from 1991-2010 and 6%",
             "during the period of 2010-2018 (General Statistical Office, 2018) as it opened up."]
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    for i, line in enumerate(lines):
        page.setFont(font if i == 3 else "Times-Roman", 10.5)
        page.drawString(60, 800 - 13 * i - (6 if i >= 3 else 0) - (6 if i >= 4 else 0), line)
    page.showPage()
    page.save()

    doc = load_document(Path("numbered.pdf"), data=buffer.getvalue())

    titles = [b.title for b in doc.blocks if b.kind is BlockKind.HEADING]
    assert titles == (["2. Vietnam economic performance"] if heading else [])
