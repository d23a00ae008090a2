"""Building the index: reports, bad files, rebuilds that reuse what did not change.

Real model, real FAISS and BM25. Tests that change a corpus start from a copy of the built
paper index (`paper_index_copy`), so their rebuilds embed only the text they add.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from index.builder import build_index, file_sha256
from index.search import Searcher
from index.store import FORMAT_NAME, FORMAT_VERSION, read_index
from ingest import chunk_document, load_document
from ingest.errors import NothingIndexedError
from tests.helpers import NOTES, PAPER, PAPER_META, CountingEmbedder, folder_digest, generation_dir
from tests.pdf_fixtures import encrypted_pdf, scanned_pdf, truncated_pdf

PARAGRAPHS = ["Industrial policy in Vietnam has many weaknesses that selective policy could address. " * 6] * 3

# file name -> (bytes, the reason the build gives)
BAD_FILES = {
    "locked.pdf": (lambda: encrypted_pdf(PARAGRAPHS), "encrypted PDF (a password is needed)"),
    "cut.pdf": (lambda: truncated_pdf(PARAGRAPHS), "corrupt PDF (truncated: no end-of-file marker)"),
    "scan.pdf": (scanned_pdf, "no text layer (scanned?), and OCR found no text on its 1 page"),
    "empty.txt": (lambda: b"", "empty file"),
    "binary.txt": (lambda: bytes(range(256)) * 16, "not text (binary data)"),
    "slides.pptx": (lambda: b"PK\x03\x04slides", "unsupported file type .pptx; use .pdf, .md or .txt"),
}


def add_bad_files(corpus_dir, names=tuple(BAD_FILES)) -> list[tuple[str, str]]:
    for name in names:
        (corpus_dir / name).write_bytes(BAD_FILES[name][0]())
    return sorted((name, BAD_FILES[name][1]) for name in names)


def texts_of(index_dir) -> set[str]:
    """Every text the index embedded: chunks as the model sees them, and sentences."""
    data = read_index(index_dir, load_models=False)
    return {c.embed_text for c in data.chunks} | {s.text for s in data.sentences}


# --- the first build -------------------------------------------------------------------

def test_the_first_build_reports_what_it_did(paper_index):
    settings, report = paper_index
    data = read_index(settings.index_dir, load_models=False)

    assert report.files == [PAPER.name] and report.rejected == [] and report.exit_code == 0
    assert not report.up_to_date and report.reread_files == 1
    assert report.chunks == len(data.chunks) > 50 and report.sentences == len(data.sentences)
    assert report.embedded + report.reused_vectors == len(data.chunks) + len(data.sentences)
    assert 0 < report.embedded == len(texts_of(settings.index_dir))  # each distinct text once


def test_the_manifest_describes_the_build(paper_index):
    settings, report = paper_index
    manifest = json.loads((generation_dir(settings.index_dir) / "manifest.json").read_text(encoding="utf-8"))

    assert manifest["format"] == FORMAT_NAME and manifest["format_version"] == FORMAT_VERSION
    assert manifest["model"] == {"name": settings.model, "dimensions": 384}
    assert manifest["chunking"]["chunk_chars"] == settings.chunk_chars
    assert manifest["dense"]["type"] == "flat" and "inner_product" in manifest["dense"]["metric"]
    assert manifest["files"] == {PAPER.name: {"sha256": file_sha256(settings.corpus_dir / PAPER.name),
                                              "chunks": report.chunks}}
    assert manifest["counts"] == {"documents": 1, "chunks": report.chunks, "sentences": report.sentences}
    assert manifest["rejected"] == [] and manifest["built_at"]
    assert manifest["corpus"] == {"path": str(settings.corpus_dir.resolve()), "from_index": "../corpus"}
    # every other file of the generation, with its size and sha256 (and rows or shape)
    files = {p.relative_to(generation_dir(settings.index_dir)).as_posix()
             for p in generation_dir(settings.index_dir).rglob("*") if p.is_file()}
    assert set(manifest["index_files"]) == files - {"manifest.json"}
    assert manifest["index_files"]["chunks.jsonl"]["rows"] == report.chunks
    assert manifest["index_files"]["chunk_vectors.npy"]["shape"] == [report.chunks, 384]


def test_the_index_holds_the_chunker_output_with_normalised_vectors(paper_index):
    settings, _ = paper_index
    data = read_index(settings.index_dir, load_models=False)
    expected = chunk_document(load_document(settings.corpus_dir / PAPER.name, PAPER.name), settings.chunk_chars)

    assert [c.id for c in data.chunks] == [c.id for c in expected]  # ids come from content
    assert data.chunk_vectors.shape == (len(data.chunks), 384) and data.chunk_vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(data.chunk_vectors, axis=1), 1, atol=1e-4)
    assert np.allclose(np.linalg.norm(data.sentence_vectors, axis=1), 1, atol=1e-4)
    assert data.acronyms["BOI"] == "Board of Investment"
    assert data.chunks[0].source.startswith("Pham, Ohno & Tran (2019), The East Asian Industrial Policy")


# --- rebuilds --------------------------------------------------------------------------

def test_a_rebuild_with_nothing_changed_is_up_to_date_and_does_not_embed(paper_index_copy, embedder):
    before = folder_digest(paper_index_copy.index_dir)

    report = build_index(paper_index_copy, embedder=CountingEmbedder(embedder, forbid=True))

    assert report.up_to_date and report.embedded == 0 and report.reread_files == 0
    assert report.files == [PAPER.name] and report.exit_code == 0
    assert folder_digest(paper_index_copy.index_dir) == before  # not even rewritten


def test_a_rebuild_after_adding_then_changing_a_file_embeds_only_new_text(paper_index_copy, embedder):
    settings = paper_index_copy
    known = texts_of(settings.index_dir)
    notes = settings.corpus_dir / "notes.md"
    notes.write_text(NOTES, encoding="utf-8")
    counting = CountingEmbedder(embedder)

    first = build_index(settings, embedder=counting)

    assert first.reread_files == 1  # the paper's chunks come from the previous index
    assert sorted(counting.texts) == sorted(texts_of(settings.index_dir) - known)
    paper_ids = [c.id for c in read_index(settings.index_dir, load_models=False).chunks if c.doc == PAPER.name]
    known = texts_of(settings.index_dir)

    notes.write_text(NOTES + "\n## 2. Findings\n\nThe supplier sells brake pads to two Japanese assemblers.\n",
                     encoding="utf-8")
    counting.texts.clear()
    report = build_index(settings, embedder=counting)

    assert first.files == [PAPER.name, "notes.md"] and report.files == [PAPER.name, "notes.md"]
    assert report.reread_files == 1  # only notes.md was read again
    new_texts = texts_of(settings.index_dir) - known
    assert new_texts and set(counting.texts) == new_texts and len(counting.texts) == len(new_texts)
    assert report.embedded == len(new_texts)
    data = read_index(settings.index_dir, load_models=False)
    assert [c.id for c in data.chunks if c.doc == PAPER.name] == paper_ids  # ids stable across rebuilds
    assert any("brake pads" in c.text for c in data.chunks)


def test_a_changed_citation_sidecar_rereads_the_file_without_embedding(paper_index_copy, embedder):
    meta = paper_index_copy.corpus_dir / PAPER_META.name
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "year": 2020}), encoding="utf-8")

    report = build_index(paper_index_copy, embedder=CountingEmbedder(embedder, forbid=True))

    assert not report.up_to_date and report.reread_files == 1 and report.embedded == 0
    chunks = read_index(paper_index_copy.index_dir, load_models=False).chunks
    assert all(c.source.startswith("Pham, Ohno & Tran (2020)") for c in chunks)


def test_changed_dense_settings_are_not_up_to_date(paper_index_copy, embedder):
    forbid = CountingEmbedder(embedder, forbid=True)
    for changes in ({"hnsw_m": 16}, {"hnsw_ef_construction": 40}, {"hnsw_threshold": 50}):
        report = build_index(paper_index_copy.with_(**changes), embedder=forbid)
        assert not report.up_to_date, changes  # the dense index is rebuilt from the stored vectors
        assert build_index(paper_index_copy.with_(**changes), embedder=forbid).up_to_date


def test_subfolders_are_indexed_and_hidden_files_and_sidecars_are_not(tmp_path, make_settings, embedder):
    settings = make_settings(tmp_path)
    (settings.corpus_dir / "sub").mkdir()
    (settings.corpus_dir / "sub" / "notes.md").write_text(NOTES, encoding="utf-8")
    (settings.corpus_dir / "sub" / "notes.md.meta.json").write_text('{"year": 2019}', encoding="utf-8")
    (settings.corpus_dir / ".draft.md").write_text("Hidden draft.\n", encoding="utf-8")
    (settings.corpus_dir / ".git").mkdir()
    (settings.corpus_dir / ".git" / "HEAD.txt").write_text("ref\n", encoding="utf-8")

    report = build_index(settings, embedder=CountingEmbedder(embedder))

    assert report.files == ["sub/notes.md"] and report.rejected == []
    assert {c.doc for c in read_index(settings.index_dir, load_models=False).chunks} == {"sub/notes.md"}


def test_progress_is_reported_by_stage(paper_index_copy, embedder):
    (paper_index_copy.corpus_dir / "notes.md").write_text(NOTES, encoding="utf-8")
    calls = []

    build_index(paper_index_copy, progress=lambda stage, done, total: calls.append((stage, done, total)),
                embedder=CountingEmbedder(embedder))

    stages = list(dict.fromkeys(stage for stage, _, _ in calls))
    assert stages[:3] == ["reading", "embedding", "indexing"]
    assert ("reading", 2, 2) in calls and calls[-1][1] == calls[-1][2]


# --- files that cannot be read -------------------------------------------------------------

def test_bad_files_are_reported_one_line_each_and_the_rest_is_indexed(paper_index_copy, embedder):
    expected = add_bad_files(paper_index_copy.corpus_dir)

    report = build_index(paper_index_copy, embedder=CountingEmbedder(embedder, forbid=True))

    assert [(r.file, r.reason) for r in report.rejected] == expected
    assert [str(r) for r in report.rejected] == [f"{name}: {reason}" for name, reason in expected]
    assert report.files == [PAPER.name] and report.exit_code == 2
    manifest = json.loads((generation_dir(paper_index_copy.index_dir) / "manifest.json").read_text())
    assert manifest["rejected"] == [{"file": name, "reason": reason} for name, reason in expected]
    assert {c.doc for c in read_index(paper_index_copy.index_dir, load_models=False).chunks} == {PAPER.name}

    again = build_index(paper_index_copy, embedder=CountingEmbedder(embedder, forbid=True))

    assert again.up_to_date and again.exit_code == 2  # still says which files are not in the index
    assert [(r.file, r.reason) for r in again.rejected] == expected


def test_when_nothing_can_be_indexed_the_previous_index_stays_exactly_as_it_was(
        paper_index_copy, embedder, paper_searcher):
    settings = paper_index_copy
    before = folder_digest(settings.index_dir)
    for path in settings.corpus_dir.iterdir():
        path.unlink()
    expected = add_bad_files(settings.corpus_dir, ["locked.pdf", "empty.txt", "slides.pptx"])

    with pytest.raises(NothingIndexedError, match=rf"^{settings.corpus_dir}: no file could be indexed "
                                                  r"\(3 rejected\); the previous index is unchanged$") as caught:
        build_index(settings, embedder=CountingEmbedder(embedder, forbid=True))

    assert [(r.file, r.reason) for r in caught.value.rejected] == expected
    assert folder_digest(settings.index_dir) == before
    assert sorted(p.name for p in settings.index_dir.parent.iterdir()) == ["corpus", "index"]  # no leftovers
    searcher = Searcher.open(settings, embedder=embedder)
    question = "When was Malaysia's Vendor Development Program introduced?"
    assert [(h.chunk.id, h.score) for h in searcher.search(question)] == \
        [(h.chunk.id, h.score) for h in paper_searcher.search(question)]


def test_an_empty_corpus_folder_indexes_nothing_and_writes_no_index(tmp_path, make_settings):
    settings = make_settings(tmp_path)

    with pytest.raises(NothingIndexedError, match=rf"^{settings.corpus_dir}: no file could be indexed$"):
        build_index(settings)
    assert [p.name for p in settings.index_dir.iterdir()] == [".lock"]  # the writers' lock, no index


def test_a_missing_corpus_folder_is_named(tmp_path, make_settings):
    settings = make_settings(tmp_path).with_(corpus_dir=tmp_path / "nowhere")

    with pytest.raises(NothingIndexedError, match=rf"^{tmp_path / 'nowhere'}: corpus folder not found$"):
        build_index(settings)


def test_a_broken_citation_sidecar_is_reported_under_its_document(paper_index_copy, embedder):
    (paper_index_copy.corpus_dir / "notes.md").write_text(NOTES, encoding="utf-8")
    (paper_index_copy.corpus_dir / "notes.md.meta.json").write_text("{oops", encoding="utf-8")

    report = build_index(paper_index_copy, embedder=CountingEmbedder(embedder, forbid=True))

    [rejected] = report.rejected
    assert rejected.file == "notes.md"
    assert rejected.reason.startswith("its citation file notes.md.meta.json is not valid JSON (")
