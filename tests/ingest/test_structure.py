"""Headings, paragraphs and tables found in Markdown and plain text, and the section paths."""

from __future__ import annotations

import re

import pytest

from ingest import chunk_document, load_document
from ingest.records import FRONT_MATTER, BlockKind
from ingest.structure import heading_depth, looks_like_heading, parse_blocks
from tests.helpers import PAPER

PAPER_SECTIONS = [
    (1, "Abstract"),
    (1, "1. Introduction"),
    (1, "2. Vietnam economic performance"),
    (1, "3. Economic performance and policy quality"),
    (1, "4. Small and medium enterprise development and linkage policy"),
    (2, "4.1. Small and medium enterprise policy"),
    (2, "4.2. Linkage policy"),
    (1, "5. Policy learning by comparing international best practices: Lessons learnt for Vietnam"),
    (2, "5.1. Capacity building with a reasonable scope and patience"),
    (2, "5.2. Scaling up by national ownership"),
    (2, "5.3. Selective industrial policy"),
    (1, "Acknowledgement"),
    (1, "References"),
]


def headings(blocks) -> list[tuple[int, str]]:
    return [(b.level, b.title) for b in blocks if b.kind is BlockKind.HEADING]


def test_markdown_headings_of_the_paper_with_depth_from_their_numbering():
    # The converted paper has "#### 4.2." under "# 4." and "# 5.2." under "# 5.": the
    # numbering decides the depth, not the number of #.
    doc = load_document(PAPER)

    assert headings(doc.blocks) == [(0, "The East Asian Industrial Policy Experiences: Implications for Vietnam")] \
        + PAPER_SECTIONS


def test_each_passage_of_the_paper_has_its_section_path():
    chunks = chunk_document(load_document(PAPER), 1000)

    linkage = next(c for c in chunks if c.text.startswith("In Thailand, by contrast"))
    assert linkage.section == "4.2. Linkage policy"
    assert linkage.section_path == ("4. Small and medium enterprise development and linkage policy",
                                    "4.2. Linkage policy")
    authors = next(c for c in chunks if "Hong Chuong Pham" in c.text)
    assert authors.section_path == (FRONT_MATTER,)
    # Every section with text of its own ("4." has none: "4.1." follows it at once).
    assert {c.section for c in chunks} == {FRONT_MATTER} | {title for _, title in PAPER_SECTIONS} - {
        "4. Small and medium enterprise development and linkage policy"}


def test_plain_text_numbered_headings_are_found_by_their_shape(tmp_path):
    plain = re.sub(r"(?m)^#+\s*", "", PAPER.read_text(encoding="utf-8"))
    path = tmp_path / "paper.txt"
    path.write_text(plain, encoding="utf-8")

    doc = load_document(path)
    chunks = chunk_document(doc, 1000)

    assert [h for h in headings(doc.blocks) if h[0] > 0] == PAPER_SECTIONS
    ssp = next(c for c in chunks if c.text.startswith("This is a policy effort to promote"))
    assert ssp.section_path == (
        "5. Policy learning by comparing international best practices: Lessons learnt for Vietnam",
        "5.3. Selective industrial policy")


def test_plain_text_headings_small_example():
    text = ("A STUDY OF LINKAGES\n\nAbstract\n\nWe study linkages.\n\n1. Introduction\n\nText one.\n\n"
            "1.1. Background\n\nText two.\n\n2. Results\n\nText three.\n\nREFERENCES\n\nOhno, K. (2013).\n")

    blocks = parse_blocks(text, markdown=False)

    assert headings(blocks) == [(0, "A STUDY OF LINKAGES"), (1, "Abstract"), (1, "1. Introduction"),
                                (2, "1.1. Background"), (1, "2. Results"), (1, "REFERENCES")]


def test_setext_headings_in_markdown(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text("Title\n=====\n\nIntro text.\n\nMethods\n-------\n\nWe measured.\n\n"
                    "Results\n-------\n\nIt grew.\n", encoding="utf-8")

    doc = load_document(path)

    assert doc.meta.title == "Title"
    assert [(c.section_path, c.text) for c in chunk_document(doc, 1000)] == [
        ((FRONT_MATTER,), "Intro text."), (("Methods",), "We measured."), (("Results",), "It grew.")]


def test_a_hash_in_plain_text_is_not_a_heading():
    blocks = parse_blocks("# not a heading in a .txt file\n\nSome text.\n", markdown=False)

    assert BlockKind.HEADING not in {b.kind for b in blocks if b.level > 0}


@pytest.mark.parametrize("line, expected", [
    ("4.2. Linkage policy", True),
    ("4.2 Linkage policy", True),
    ("5. Policy learning by comparing international best practices: Lessons learnt for Vietnam", True),
    ("References", True),
    ("ACKNOWLEDGEMENTS", True),
    ("INDUSTRIAL POLICY IN ASIA", True),
    ("1. We propose three measures.", False),  # a numbered list item: a sentence
    ("The economy grew by 7.6% a year.", False),
    ("2010-2018 (General Statistical Office, 2018).", False),
    ("", False),
])
def test_looks_like_heading(line, expected):
    assert looks_like_heading(line) is expected


@pytest.mark.parametrize("title, depth", [
    ("4. Small and medium enterprise", 1), ("4.2. Linkage policy", 2), ("4.2 Linkage", 2),
    ("1.2.3. Deep", 3), ("Abstract", None),
])
def test_heading_depth_comes_from_the_numbering(title, depth):
    assert heading_depth(title) == depth


def test_a_paragraph_cut_by_a_page_break_in_the_source_is_one_paragraph():
    # In the converted paper "... 6% during the period of" and "2010-2018 (General ..." stand
    # as two paragraphs: the page broke there.
    doc = load_document(PAPER)
    start = doc.text.index("The Vietnamese economy grew rapidly")
    block = next(b for b in doc.blocks if b.start == start)

    assert "2010-2018 (General Statistical Office, 2018)" in doc.text[block.start:block.end]


def test_a_list_after_a_colon_is_not_joined_across_the_blank_line():
    text = "There are three facts:\n\n(i) modest performance.\n\nNext paragraph starts here.\n"
    blocks = [b for b in parse_blocks(text, markdown=True) if b.kind is BlockKind.PARAGRAPH]

    assert len(blocks) == 3
