"""Bounded work for every PDF: the crafted PDF of issue 9 (2,000 pages sharing one Flate
stream that inflates to 2 MB) is refused by the page limit, and with the page limit lifted,
by the time limit: the worker is killed, the build and the app's upload check go on."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from chat_app.documents.uploads import UploadRefused, check_upload
from ingest import bounded, load_document
from ingest.errors import UnreadableFileError
from ingest.settings import Settings
from tests.ingest.conftest import group_gone
from tests.pdf_fixtures import crafted_pdf, simple_pdf

PARAGRAPHS = ["Industrial policy in Vietnam has many weaknesses that selective policy could address. " * 6] * 3


@pytest.fixture(scope="module")
def crafted() -> bytes:
    return crafted_pdf()


def test_the_crafted_pdf_is_small_and_has_2000_pages(crafted):
    from pypdf import PdfReader
    import io

    assert 250_000 < len(crafted) < 400_000
    assert len(PdfReader(io.BytesIO(crafted)).pages) == 2000


def test_the_crafted_pdf_is_refused_by_the_page_limit_at_once(crafted):
    started = time.monotonic()
    with pytest.raises(UnreadableFileError, match=r"^crafted\.pdf: 2000 pages; the limit is 1000 pages a file "
                                                  r"\(POLICY_QA_PDF_MAX_PAGES\)$"):
        load_document(Path("crafted.pdf"), data=crafted, settings=Settings.load(environ={}))
    assert time.monotonic() - started < 10


def test_over_the_time_limit_the_worker_is_killed_and_the_next_file_is_read(crafted, worker_pids):
    settings = Settings.load(environ={}).with_(pdf_max_pages=5000, pdf_time_limit=2)
    started = time.monotonic()
    with pytest.raises(UnreadableFileError, match=r"^crafted\.pdf: extraction stopped after the 2 s time limit "
                                                  r"\(POLICY_QA_PDF_TIME_LIMIT\)$"):
        load_document(Path("crafted.pdf"), data=crafted, settings=settings)
    assert 2 <= time.monotonic() - started < 8
    assert bounded._WORKER.process is None and group_gone(worker_pids[0])

    doc = load_document(Path("good.pdf"), data=simple_pdf(PARAGRAPHS), settings=settings)

    assert doc.text.startswith("Industrial policy in Vietnam")
    assert len(worker_pids) == 2  # a new worker after the kill


def test_one_worker_reads_the_files_of_a_build_one_after_the_other(worker_pids):
    for i in range(3):
        load_document(Path(f"paper{i}.pdf"), data=simple_pdf(PARAGRAPHS), settings=Settings.load(environ={}))
    assert len(worker_pids) == 1


def test_the_build_refuses_the_crafted_pdf_in_one_line_and_indexes_the_rest(tmp_path, make_settings, embedder,
                                                                             crafted):
    from index.builder import build_index

    settings = make_settings(tmp_path, pdf_max_pages=5000, pdf_time_limit=2)
    (settings.corpus_dir / "crafted.pdf").write_bytes(crafted)
    (settings.corpus_dir / "notes.md").write_text("# Notes\n\nSelective industrial policy in Vietnam.\n")

    report = build_index(settings, embedder=embedder)

    assert [str(r) for r in report.rejected] == [
        "crafted.pdf: extraction stopped after the 2 s time limit (POLICY_QA_PDF_TIME_LIMIT)"]
    assert report.files == ["notes.md"]


def test_the_apps_upload_check_is_bounded_too(tmp_path, crafted):
    settings = Settings.load(environ={}).with_(corpus_dir=tmp_path, pdf_max_pages=5000, pdf_time_limit=2)
    started = time.monotonic()
    with pytest.raises(UploadRefused, match=r"extraction stopped after the 2 s time limit"):
        check_upload("crafted.pdf", crafted, settings)
    assert time.monotonic() - started < 8


@pytest.mark.parametrize("name, value, message", [
    ("POLICY_QA_PDF_TIME_LIMIT", "0", r"pdf_time_limit: must be more than 0 seconds, got 0.0"),
    ("POLICY_QA_OCR_TIME_LIMIT", "-1", r"ocr_time_limit: must be more than 0 seconds, got -1.0"),
    ("POLICY_QA_PDF_MAX_PAGES", "0", r"pdf_max_pages: must be at least 1, got 0"),
    ("POLICY_QA_OCR_MAX_PAGES", "0", r"ocr_max_pages: must be at least 1, got 0"),
    ("POLICY_QA_OCR_DPI", "20", r"ocr_dpi: must be between 50 and 1200, got 20"),
])
def test_limits_that_cannot_work_are_refused_by_name(name, value, message):
    from ingest.errors import SettingsError

    with pytest.raises(SettingsError, match=rf"^{message}$"):
        Settings.load(environ={name: value})


def test_limits_come_from_the_environment():
    settings = Settings.load(environ={"POLICY_QA_PDF_TIME_LIMIT": "30", "POLICY_QA_OCR_MAX_PAGES": "5",
                                      "POLICY_QA_OCR_LANGUAGE": "eng+vie"})
    assert (settings.pdf_time_limit, settings.ocr_max_pages, settings.ocr_language) == (30.0, 5, "eng+vie")
