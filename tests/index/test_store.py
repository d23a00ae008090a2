"""The index on disk: save -> load -> search gives the same results; mismatches are named."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from index.builder import build_index
from index.search import Searcher
from index.store import FORMAT_VERSION, read_index, read_manifest, write_index
from ingest.errors import IndexMismatchError, IndexNotFoundError
from tests.helpers import CountingEmbedder, folder_digest, generation_dir

QUERIES = [
    "What was Thailand's manufacturing value added as a percentage of GDP in 2010?",
    "What is BUILD in Thailand?",
    "Who financed the study?",
    "training of trainers",
]


def results(searcher: Searcher, mode: str) -> list[list[tuple[str, float]]]:
    return [[(h.chunk.id, round(h.score, 6)) for h in searcher.search(q, 10, mode=mode)] for q in QUERIES]


def test_save_load_search_gives_identical_results(paper_index, paper_searcher, embedder, tmp_path):
    data = read_index(paper_index.settings.index_dir)
    write_index(tmp_path / "copy", data)
    loaded = read_index(tmp_path / "copy")
    searcher = Searcher(loaded, paper_index.settings, embedder)

    assert loaded.chunks == data.chunks and loaded.sentences == data.sentences
    assert np.array_equal(loaded.chunk_vectors, data.chunk_vectors)
    assert np.array_equal(loaded.sentence_vectors, data.sentence_vectors)
    assert loaded.documents == data.documents and loaded.acronyms == data.acronyms
    for mode in ("hybrid", "dense", "keyword"):
        assert results(searcher, mode) == results(paper_searcher, mode)
    # What is written again is byte for byte what was read, the manifest too but for the
    # name of its generation.
    written, read = generation_dir(tmp_path / "copy"), generation_dir(paper_index.settings.index_dir)
    assert {k: v for k, v in folder_digest(written).items() if k != "manifest.json"} == \
        {k: v for k, v in folder_digest(read).items() if k != "manifest.json"}
    manifests = [json.loads((g / "manifest.json").read_text()) for g in (written, read)]
    assert [m.pop("generation") for m in manifests] == [written.name, read.name]
    assert manifests[0] == manifests[1]


def test_an_hnsw_index_is_stored_and_finds_what_the_exact_one_finds(paper_index_copy, paper_searcher, embedder,
                                                                    tmp_path):
    settings = paper_index_copy.with_(hnsw_threshold=10)

    build_index(settings, embedder=CountingEmbedder(embedder, forbid=True))  # vectors reused

    assert read_manifest(settings.index_dir)["dense"]["type"] == "hnsw"
    assert (generation_dir(settings.index_dir) / "dense.faiss").is_file()
    hnsw = Searcher.open(settings, embedder=embedder)
    assert [[i for i, _ in r] for r in results(hnsw, "dense")] == \
        [[i for i, _ in r] for r in results(paper_searcher, "dense")]
    write_index(tmp_path / "copy", read_index(settings.index_dir))
    again = Searcher.open(settings.with_(index_dir=tmp_path / "copy"), embedder=embedder)
    assert results(again, "hybrid") == results(hnsw, "hybrid")


def test_no_pickle_anywhere(paper_index):
    folder = generation_dir(paper_index.settings.index_dir)
    names = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}

    assert {"manifest.json", "documents.jsonl", "chunks.jsonl", "chunk_vectors.npy", "sentences.jsonl",
            "sentence_vectors.npy", "terms.json"} <= names
    assert not [n for n in names if n.endswith((".pkl", ".pickle"))]
    for name in ("chunk_vectors.npy", "sentence_vectors.npy"):
        assert np.load(folder / name, allow_pickle=False).dtype == np.float32


def test_an_index_built_with_another_model_says_so(paper_index, embedder):
    settings = paper_index.settings.with_(model="sentence-transformers/all-mpnet-base-v2")

    with pytest.raises(IndexMismatchError, match=(
            r"the index was built with model 'bundled:all-MiniLM-L6-v2' \(384 dimensions\), but the model "
            r"setting is 'sentence-transformers/all-mpnet-base-v2'; rebuild with: python -m index build")):
        Searcher.open(settings, embedder=embedder)


def test_an_index_of_another_format_version_says_so(paper_index_copy, embedder):
    path = generation_dir(paper_index_copy.index_dir) / "manifest.json"
    manifest = json.loads(path.read_text())
    path.write_text(json.dumps({**manifest, "format_version": FORMAT_VERSION + 1}))

    message = (rf"index format 'policy-qa-index' version {FORMAT_VERSION + 1}, this version of policy-qa reads "
               rf"'policy-qa-index' version {FORMAT_VERSION}; rebuild it with: python -m index build$")
    with pytest.raises(IndexMismatchError, match=message):
        Searcher.open(paper_index_copy, embedder=embedder)
    with pytest.raises(IndexMismatchError, match=message):
        read_index(paper_index_copy.index_dir, load_models=False)


def test_a_folder_of_something_else_is_not_an_index(tmp_path):
    (tmp_path / "manifest.json").write_text('{"name": "some other tool"}')

    with pytest.raises(IndexMismatchError, match=r"index format None version None"):
        read_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text("{broken")
    with pytest.raises(IndexMismatchError, match=r"manifest\.json: not a readable manifest \(.+\); rebuild the index$"):
        read_manifest(tmp_path)


def test_no_index_at_all(tmp_path, make_settings, embedder):
    settings = make_settings(tmp_path)

    with pytest.raises(IndexNotFoundError,
                       match=rf"^{settings.index_dir}: no index here \(build one with: python -m index build\)$"):
        Searcher.open(settings, embedder=embedder)


def test_a_failed_write_leaves_the_old_index_and_no_debris(paper_index_copy):
    folder = paper_index_copy.index_dir
    before = folder_digest(folder)
    data = read_index(folder)
    data.keyword = None  # fails half-way through writing

    with pytest.raises(AttributeError):
        write_index(folder, data)

    assert folder_digest(folder) == before
    assert sorted(p.name for p in folder.parent.iterdir()) == ["corpus", "index"]


def test_a_write_publishes_a_new_generation_and_keeps_only_the_one_it_replaced(paper_index_copy):
    folder = paper_index_copy.index_dir
    first = generation_dir(folder).name
    data = read_index(folder)

    second = write_index(folder, data)
    third = write_index(folder, data)

    assert generation_dir(folder).name == third != second != first
    assert json.loads((folder / "CURRENT").read_text())["previous"] == second
    # the one before is kept for a reader that may have just resolved CURRENT; older ones go
    assert sorted(p.name for p in folder.iterdir()) == sorted([".lock", "CURRENT", second, third])
    assert read_index(folder, load_models=False).chunks == data.chunks
    assert sorted(p.name for p in folder.parent.iterdir()) == ["corpus", "index"]


def test_documents_keep_their_text_pages_and_citation_facts(pdf_index):
    data = read_index(pdf_index.settings.index_dir, load_models=False)
    [document] = data.documents.values()

    assert document.pages[0].label == "71" and document.pages[0].start == 0
    assert document.pages[-1].end == len(document.text)
    for chunk in data.chunks:
        page = document.page_at(chunk.start)
        assert (page.number, page.label) == (chunk.page, chunk.page_label)


@pytest.mark.parametrize("part", ["chunks.jsonl", "chunk_vectors.npy", "terms.json", "keyword"])
def test_a_damaged_index_is_a_one_line_error(paper_index_copy, embedder, part):
    path = generation_dir(paper_index_copy.index_dir) / part
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.write_bytes(b"\x00garbage")

    with pytest.raises(IndexMismatchError, match=(rf"^{paper_index_copy.index_dir}: the index is damaged \(.+\); "
                                                  r"rebuild it with: python -m index build$")) as caught:
        Searcher.open(paper_index_copy, embedder=embedder)
    assert "\n" not in str(caught.value)


def test_a_build_over_a_damaged_index_makes_a_new_one(paper_index_copy, embedder, paper_searcher):
    (generation_dir(paper_index_copy.index_dir) / "chunks.jsonl").unlink()

    report = build_index(paper_index_copy, embedder=embedder)

    # No other generation to take vectors from: the corpus is read and embedded again.
    assert report.damaged.endswith("chunks.jsonl is missing)") and report.embedded > 0
    assert not report.up_to_date and report.chunks == len(paper_searcher.data.chunks)
    assert [c.id for c in read_index(paper_index_copy.index_dir, load_models=False).chunks] == \
        [c.id for c in paper_searcher.data.chunks]
