"""Scanned pages: the first page of the two-column journal PDF rendered to a grey picture and
put back as a PDF without a text layer, read with the real Tesseract. One page at 200 dpi
(about 15-20 s on 2 cores): the whole scan is measured by `python -m ingest layout-report`."""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from ingest import bounded, chunk_document, load_document
from ingest.errors import UnreadableFileError
from ingest.layout_quality import normalise, sentence_share
from ingest.records import ChunkKind
from ingest.sentences import sentence_spans
from ingest.settings import Settings
from tests.ingest.conftest import group_gone
from tests.journal_pdf import TWO_COLUMN, journal_pdf, scanned_journal_pdf
from tests.pdf_fixtures import scanned_text_pdf

OCR_SETTINGS = dict(ocr_dpi=200)


@pytest.fixture(scope="module")
def two_column(paper_markdown) -> bytes:
    return journal_pdf(paper_markdown, TWO_COLUMN)


@pytest.fixture(scope="module")
def scanned(two_column):
    """(text-layer document, its scan's document) of the first page."""
    scan = scanned_journal_pdf(two_column, dpi=200, pages=1)
    settings = Settings.load(environ={}).with_(**OCR_SETTINGS)
    return (load_document(Path("two.pdf"), data=two_column, settings=settings),
            load_document(Path("scan.pdf"), data=scan, settings=settings))


def test_the_scan_has_no_text_layer(two_column):
    import io

    from pypdf import PdfReader

    scan = scanned_journal_pdf(two_column, dpi=100, pages=1)
    assert not PdfReader(io.BytesIO(scan)).pages[0].extract_text().strip()
    assert list(PdfReader(io.BytesIO(scan)).page_labels) == ["211"]


def test_a_scanned_page_keeps_its_number_and_label_and_its_chunks_say_ocr(scanned):
    _, doc = scanned
    assert [(p.number, p.label, p.ocr) for p in doc.pages] == [(1, "211", True)]
    chunks = chunk_document(doc, 1000)
    assert chunks and all(c.ocr and c.page == 1 and c.page_label == "211" for c in chunks)
    record = chunks[0].to_json()
    assert record["ocr"] is True and type(chunks[0]).from_json(record) == chunks[0]


def test_most_sentences_of_the_scanned_page_come_back_intact(scanned):
    text_doc, doc = scanned
    page = text_doc.pages[0]
    sentences = [normalise(text_doc.text[s:e]) for s, e in sentence_spans(text_doc.text, page.start, page.end)
                 if len(text_doc.text[s:e].split()) >= 4 and "\t" not in text_doc.text[s:e]]
    share = sentence_share(sentences, [c for c in chunk_document(doc, 1000) if c.kind is ChunkKind.PARAGRAPHS])
    assert share.total >= 25
    assert share.share >= 0.8, share.missing


def test_the_columns_of_a_scan_are_read_in_order(scanned):
    _, doc = scanned
    left_end = doc.text.find("economies in East Asia")
    right_start = doc.text.find("covers many areas including")
    assert 0 <= left_end < right_start  # the whole left column comes before the right one


def test_without_tesseract_a_scan_says_how_to_install_it(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    os.symlink(sys.executable, bin_dir / "python")
    assert shutil.which("tesseract", path=str(bin_dir)) is None
    bounded._WORKER.stop()  # the worker inherits PATH when it starts
    monkeypatch.setenv("PATH", str(bin_dir))
    try:
        with pytest.raises(UnreadableFileError, match=r"^scan\.pdf: no text layer \(scanned\?\); to read scanned "
                                                      r"pages, install Tesseract OCR \(apt-get install tesseract-ocr "
                                                      r"tesseract-ocr-eng\)$"):
            load_document(Path("scan.pdf"), data=scanned_text_pdf(), settings=Settings.load(environ={}))
    finally:
        bounded._WORKER.stop()


def test_a_scan_over_the_ocr_page_limit_is_refused_before_any_ocr(two_column):
    scan = scanned_journal_pdf(two_column, dpi=60, pages=3)
    started = time.monotonic()
    with pytest.raises(UnreadableFileError, match=r"^scan\.pdf: 3 pages need OCR; the limit is 2 pages a file "
                                                  r"\(POLICY_QA_OCR_MAX_PAGES\)$"):
        load_document(Path("scan.pdf"), data=scan, settings=Settings.load(environ={}).with_(ocr_max_pages=2))
    assert time.monotonic() - started < 5


def test_ocr_over_its_time_limit_is_stopped_with_tesseract(two_column, worker_pids):
    scan = scanned_journal_pdf(two_column, dpi=150, pages=1)
    settings = Settings.load(environ={}).with_(ocr_time_limit=1, **OCR_SETTINGS)
    started = time.monotonic()
    with pytest.raises(UnreadableFileError, match=r"^scan\.pdf: extraction stopped after the 1 s OCR time limit "
                                                  r"\(POLICY_QA_OCR_TIME_LIMIT\)$"):
        load_document(Path("scan.pdf"), data=scan, settings=settings)
    assert time.monotonic() - started < 8
    assert group_gone(worker_pids[0])  # the worker's whole group, Tesseract with it, is gone
