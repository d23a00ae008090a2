"""The typed records: content ids, citation labels, pages."""

from __future__ import annotations

from ingest.records import Document, DocumentMeta, Page, content_id, section_topic


def test_content_ids_are_stable_short_and_change_with_content():
    assert content_id("paper.md", "paragraphs", "1. Introduction", "text") == \
        content_id("paper.md", "paragraphs", "1. Introduction", "text")
    assert len(content_id("x")) == 16
    assert content_id("a", "bc") != content_id("ab", "c")  # parts are separated, not concatenated


def test_citation_labels_use_what_is_known():
    assert DocumentMeta("Title", ("Hong Chuong Pham", "Kenichi Ohno"), "", "2019").label("f.md") == \
        "Pham, Ohno (2019), Title"
    assert DocumentMeta("Title", (), "Pham, Ohno & Tran", "2019").label("f.md") == "Pham, Ohno & Tran (2019), Title"
    assert DocumentMeta(year="2019").label("f.md") == "2019, f.md"
    assert DocumentMeta().label("f.md") == "f.md"


def test_section_topic_drops_the_number():
    assert section_topic("4.2. Linkage policy") == "Linkage policy"
    assert section_topic("5 Lessons") == "Lessons"
    assert section_topic("Abstract") == "Abstract"


def test_page_at_finds_the_page_of_an_offset():
    doc = Document("x.pdf", "a" * 30, (), (Page(1, "71", 0, 10), Page(2, "72", 10, 30)))

    assert [doc.page_at(i).label for i in (0, 9, 10, 29, 30)] == ["71", "71", "72", "72", "72"]
    assert Document("x.md", "text", ()).page_at(0) is None
