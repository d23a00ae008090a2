"""Invariants of `chunk_document` on the paper as Markdown, plain text and PDF, and examples.

Invariants: paragraph chunks are exact slices of the document text; chunks and headings
together cover every non-blank character; sizes stay within the bound (tables excepted);
no chunk crosses a section boundary and each carries the path of the headings above it;
ids come from content, so they are unique, repeatable and survive edits elsewhere.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest import chunk_document, load_document
from ingest.records import FRONT_MATTER, BlockKind, Chunk, ChunkKind, Document
from tests.helpers import PAPER, PAPER_PDF_NAME, copy_paper

SIZES = [200, 350, 1000, 2000]
PROSE = (ChunkKind.PARAGRAPHS, ChunkKind.REFERENCES)


@pytest.fixture(scope="module")
def documents(tmp_path_factory, paper_pdf_bytes) -> dict[str, Document]:
    folder = tmp_path_factory.mktemp("docs")
    plain = folder / "paper.txt"
    plain.write_text(re.sub(r"(?m)^#+\s*", "", PAPER.read_text(encoding="utf-8")), encoding="utf-8")
    return {
        "markdown": load_document(copy_paper(folder)),
        "plain": load_document(plain),
        "pdf": load_document(Path(PAPER_PDF_NAME), data=paper_pdf_bytes),
    }


@pytest.fixture(params=["markdown", "plain", "pdf"])
def doc(request, documents) -> Document:
    return documents[request.param]


def headings(doc: Document):
    return [b for b in doc.blocks if b.kind is BlockKind.HEADING and b.level > 0]


@pytest.mark.parametrize("size", SIZES)
def test_paragraph_chunks_are_exact_slices_of_the_text(doc, size):
    for chunk in chunk_document(doc, size):
        assert doc.text[chunk.start:chunk.end].strip()
        if chunk.kind in PROSE:
            assert chunk.text == doc.text[chunk.start:chunk.end]


@pytest.mark.parametrize("size", SIZES)
def test_chunks_and_headings_cover_every_non_blank_character(doc, size):
    covered = bytearray(len(doc.text))
    spans = [(c.start, c.end) for c in chunk_document(doc, size)]
    spans += [(b.start, b.end) for b in doc.blocks if b.kind is BlockKind.HEADING]
    for start, end in spans:
        covered[start:end] = b"\x01" * (end - start)
    missing = [i for i, ch in enumerate(doc.text) if not ch.isspace() and not covered[i]]
    assert not missing, repr(doc.text[missing[0]:missing[0] + 60])


@pytest.mark.parametrize("size", SIZES)
def test_chunk_sizes_stay_within_the_bound_except_tables(doc, size):
    chunks = chunk_document(doc, size)
    for chunk in chunks:
        if chunk.kind in PROSE:
            assert len(chunk.text) <= size
    if size <= 350:  # the bound is what splits: long paragraphs were cut, not kept whole
        assert max(len(c.text) for c in chunks if c.kind in PROSE) > 0.8 * size


@pytest.mark.parametrize("size", SIZES)
def test_chunks_never_cross_a_section_boundary_and_carry_their_path(doc, size):
    sections = headings(doc)
    for chunk in chunk_document(doc, size):
        assert not [h.title for h in sections if chunk.start < h.start < chunk.end]
        # The oracle: the headings above the chunk, each closing the deeper ones before it.
        path: list[tuple[int, str]] = []
        for heading in (h for h in sections if h.end <= chunk.start):
            path = [p for p in path if p[0] < heading.level] + [(heading.level, heading.title)]
        expected = tuple(title for _, title in path) or ((FRONT_MATTER,) if sections else ())
        assert chunk.section_path == expected
        assert chunk.section == expected[-1]


def test_ids_are_unique_and_the_same_on_every_run(doc):
    first, second = chunk_document(doc, 1000), chunk_document(doc, 1000)

    assert [c.id for c in first] == [c.id for c in second]
    assert len({c.id for c in first}) == len(first)
    assert all(re.fullmatch(r"[0-9a-f]{16}", c.id) for c in first)


def test_an_edit_in_one_section_keeps_the_ids_of_the_others(tmp_path):
    original = load_document(copy_paper(tmp_path))
    text = original.text.replace("Vietnam should follow the Thai way", "Vietnam should surely follow the Thai way")
    edited = load_document(tmp_path / "edited.md", name=original.name, data=text.encode("utf-8"))

    before = {c.id: c for c in chunk_document(original, 1000)}
    after = {c.id: c for c in chunk_document(edited, 1000)}

    changed = set(before) - set(after)
    assert changed and all(before[i].section == "4.2. Linkage policy" for i in changed)
    assert all(after[i].section == "4.2. Linkage policy" for i in set(after) - set(before))
    assert len(set(before) & set(after)) > 0.9 * len(before)


def test_chunks_of_a_page_less_document_have_no_page(documents):
    assert all(c.page is None and c.page_end is None and c.page_label is None
               for c in chunk_document(documents["markdown"], 1000))


def test_chunk_records_round_trip_through_json(documents):
    import json

    for chunk in chunk_document(documents["pdf"], 1000):
        assert Chunk.from_json(json.loads(json.dumps(chunk.to_json()))) == chunk


def test_a_long_paragraph_is_split_between_sentences():
    sentences = [f"Sentence number {i} says that industrial policy quality matters a great deal." for i in range(30)]
    text = " ".join(sentences)
    doc = load_document(Path("long.txt"), data=text.encode("utf-8"))

    chunks = chunk_document(doc, 300)

    assert len(chunks) > 5
    assert all(len(c.text) <= 300 and c.text.endswith("a great deal.") for c in chunks)
    assert " ".join(c.text for c in chunks) == text


def test_a_sentence_longer_than_the_bound_is_cut_between_words():
    text = "word " * 150 + "end."
    doc = load_document(Path("run-on.txt"), data=text.encode("utf-8"))

    chunks = chunk_document(doc, 200)

    assert all(len(c.text) <= 200 for c in chunks)
    assert " ".join(c.text for c in chunks) == text
    assert all(c.text == doc.text[c.start:c.end] for c in chunks)


def test_short_paragraphs_of_one_section_are_grouped_up_to_the_bound():
    text = "# 1. Section\n\n" + "\n\n".join(f"Paragraph {i} is short." for i in range(10)) + "\n\n# 2. Next\n\nAlone.\n"
    doc = load_document(Path("short.md"), data=text.encode("utf-8"))

    chunks = chunk_document(doc, 1000)

    assert [(c.section, c.text.count("Paragraph")) for c in chunks] == [("1. Section", 10), ("2. Next", 0)]


def test_the_reference_list_is_marked_as_references(documents):
    chunks = chunk_document(documents["markdown"], 1000)
    references = [c for c in chunks if c.kind is ChunkKind.REFERENCES]

    assert references and all(c.section == "References" for c in references)
    assert not [c for c in chunks if c.section == "References" and c.kind is ChunkKind.PARAGRAPHS]


def test_citations_name_source_section_and_printed_page(documents):
    chunks = chunk_document(documents["markdown"], 1000)
    pdf_chunks = chunk_document(documents["pdf"], 1000)
    linkage = next(c for c in chunks if c.text.startswith("In Thailand, by contrast"))
    pdf_linkage = next(c for c in pdf_chunks if c.text.startswith("In Thailand, by contrast"))

    assert linkage.citation() == ("Pham, Ohno & Tran (2019), The East Asian Industrial Policy Experiences: "
                                  "Implications for Vietnam, section 4.2")
    assert pdf_linkage.citation().endswith(f", section 4.2, p. {pdf_linkage.page_label}")
    assert pdf_linkage.citation(page_label="78").endswith(", p. 78")
    assert next(c for c in chunks if c.section == "Abstract").citation().endswith(", Abstract")
