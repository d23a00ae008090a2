"""`load_document` dispatches on the file type and gathers citation facts."""

from __future__ import annotations

import json

import pytest

from ingest import SUPPORTED_SUFFIXES, load_document
from ingest.errors import UnreadableFileError
from tests.helpers import PAPER, copy_paper
from tests.pdf_fixtures import simple_pdf


@pytest.mark.parametrize("name, reason", [
    ("report.docx", r"unsupported file type \.docx; use \.pdf, \.md or \.txt"),
    ("slides.PPTX", r"unsupported file type \.pptx; use \.pdf, \.md or \.txt"),
    ("README", r"unsupported file type \(none\); use \.pdf, \.md or \.txt"),
])
def test_unsupported_file_types_are_refused_by_name(tmp_path, name, reason):
    path = tmp_path / name
    path.write_bytes(b"PK\x03\x04 whatever")

    with pytest.raises(UnreadableFileError, match=rf"^{name}: {reason}$"):
        load_document(path)


def test_supported_suffixes():
    assert SUPPORTED_SUFFIXES == {".pdf", ".md", ".markdown", ".txt", ".text"}


def test_suffixes_are_matched_without_regard_to_case(tmp_path):
    path = tmp_path / "NOTES.TXT"
    path.write_text("Industrial policy in Vietnam.\n", encoding="utf-8")

    assert load_document(path).text == "Industrial policy in Vietnam.\n"


def test_a_file_that_cannot_be_read_says_so(tmp_path):
    folder = tmp_path / "folder.md"
    folder.mkdir()

    with pytest.raises(UnreadableFileError, match=r"^folder\.md: cannot be read \(Is a directory\)$"):
        load_document(folder)


def test_a_file_of_headings_only_has_nothing_to_index(tmp_path):
    path = tmp_path / "outline.md"
    path.write_text("# Title\n\n## 1. Introduction\n\n## 2. Methods\n", encoding="utf-8")

    with pytest.raises(UnreadableFileError, match=r"^outline\.md: no text besides headings$"):
        load_document(path)


def test_the_name_given_is_the_name_cited(tmp_path):
    path = tmp_path / "x.md"
    path.write_text("Some text.\n", encoding="utf-8")

    doc = load_document(path, name="papers/2019/x.md")

    assert doc.name == "papers/2019/x.md"


def test_data_can_be_passed_instead_of_reading_the_file(tmp_path):
    doc = load_document(tmp_path / "never-written.txt", data=b"Text from an upload.\n")

    assert doc.text == "Text from an upload.\n"


def test_the_citation_sidecar_gives_authors_year_and_title(tmp_path):
    doc = load_document(copy_paper(tmp_path))

    assert doc.meta.title == "The East Asian Industrial Policy Experiences: Implications for Vietnam"
    assert doc.meta.authors == ("Hong Chuong Pham", "Kenichi Ohno", "Manh Dung Tran")
    assert doc.meta.year == "2019"
    assert doc.meta.label(doc.name) == \
        "Pham, Ohno & Tran (2019), The East Asian Industrial Policy Experiences: Implications for Vietnam"


def test_without_sidecar_the_title_comes_from_the_first_heading(tmp_path):
    path = tmp_path / PAPER.name
    path.write_bytes(PAPER.read_bytes())

    doc = load_document(path)

    assert doc.meta.title == "The East Asian Industrial Policy Experiences: Implications for Vietnam"
    assert doc.meta.label(doc.name) == doc.meta.title


def test_a_sidecar_author_given_as_a_string_is_one_author(tmp_path):
    path = tmp_path / "memo.md"
    path.write_text("# Memo\n\n## 1. Point\n\nText.\n", encoding="utf-8")
    (tmp_path / "memo.md.meta.json").write_text(json.dumps({"authors": "Kenichi Ohno", "year": 2014}))

    doc = load_document(path)

    assert doc.meta.authors == ("Kenichi Ohno",)
    assert doc.meta.label("memo.md") == "Ohno (2014), Memo"


@pytest.mark.parametrize("content, reason", [
    ("{not json", r"its citation file memo\.md\.meta\.json is not valid JSON \(.+\)"),
    ("[1, 2]", r"its citation file memo\.md\.meta\.json must hold a JSON object"),
])
def test_a_broken_sidecar_is_named_in_the_reason(tmp_path, content, reason):
    path = tmp_path / "memo.md"
    path.write_text("Text.\n", encoding="utf-8")
    (tmp_path / "memo.md.meta.json").write_text(content)

    with pytest.raises(UnreadableFileError, match=rf"^memo\.md: {reason}$"):
        load_document(path)


def test_pdf_metadata_gives_title_and_authors(tmp_path):
    from tests.pdf_fixtures import paper_pdf

    path = tmp_path / "paper.pdf"
    path.write_bytes(paper_pdf("# 1. Introduction\n\nIndustrial policy matters.\n", title="A Title",
                               author="Pham, Ohno and Tran"))

    doc = load_document(path)

    assert doc.meta.title == "A Title"
    assert doc.meta.authors == ("Pham", "Ohno", "Tran")
    assert doc.meta.year == ""  # the file's creation date is not the year of publication


def test_a_simple_pdf_has_one_page_labelled_1(tmp_path):
    path = tmp_path / "one.pdf"
    path.write_bytes(simple_pdf(["Industrial policy in Vietnam has weaknesses."]))

    doc = load_document(path)

    assert doc.text == "Industrial policy in Vietnam has weaknesses."
    assert [(p.number, p.label, p.start, p.end) for p in doc.pages] == [(1, "1", 0, len(doc.text))]
