"""The index as the app sees it: status from the manifest, builds with one progress bar."""

from __future__ import annotations

import json

from chat_app.documents.indexing import (build, corpus_signature, describe_changes, documents_of, index_info, passages_in,
                                         sections_of)
from index.search import CorpusStatus


def test_index_info_of_a_built_index(paper_index):
    info = index_info(paper_index.settings)
    assert info.exists and not info.problem
    assert info.documents == [("east_asian_industrial_policy.md", paper_index.report.chunks)]
    assert info.model == "bundled:all-MiniLM-L6-v2"
    assert info.built_at.endswith("UTC")
    assert str(paper_index.settings.index_dir.resolve()) in info.key


def test_index_info_without_an_index_or_with_a_foreign_one(tmp_path, make_settings):
    settings = make_settings(tmp_path)
    assert not index_info(settings).exists and not index_info(settings).problem
    settings.index_dir.mkdir(parents=True)
    (settings.index_dir / "manifest.json").write_text(json.dumps({"format": "other"}), encoding="utf-8")
    info = index_info(settings)
    assert not info.exists and "rebuild" in info.problem


def test_build_reports_one_rising_fraction(paper_index_copy):
    (paper_index_copy.corpus_dir / "note.md").write_text(
        "# Note\n\nA short note on export processing zones in Da Nang.\n", encoding="utf-8")
    seen: list[tuple[float, str]] = []
    report = build(paper_index_copy, lambda fraction, text: seen.append((fraction, text)))
    assert "note.md" in report.files and report.embedded > 0
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and 0 <= fractions[0] and fractions[-1] <= 1
    assert any(text.startswith("Embedding new passages") for _, text in seen)


def test_corpus_signature_changes_with_the_files(tmp_path):
    (tmp_path / "a.md").write_text("one", encoding="utf-8")
    (tmp_path / ".hidden").write_text("x", encoding="utf-8")
    first = corpus_signature(tmp_path)
    assert [name for name, *_ in first] == ["a.md"]
    (tmp_path / "a.md").write_text("one more", encoding="utf-8")
    assert corpus_signature(tmp_path) != first
    assert corpus_signature(tmp_path / "missing") == ()


def test_describe_changes():
    status = CorpusStatus(added=("new.md",), changed=("old.pdf",))
    assert describe_changes(status) == \
        "The corpus folder has changed since the index was built (new: new.md; changed: old.pdf)."


def test_sections_documents_and_browsing(paper_searcher):
    chunks = paper_searcher.data.chunks
    assert documents_of(chunks) == ["east_asian_industrial_policy.md"]
    sections = sections_of(chunks)
    assert sections[0] == "Front matter" and "4.2. Linkage policy" in sections
    assert len(sections) == len(set(sections))
    assert sections_of(chunks, ["other.md"]) == []
    hits = passages_in(chunks, None, {"4.2. Linkage policy"}, limit=3)
    assert [h.rank for h in hits] == [1, 2, 3]
    assert all(h.chunk.section == "4.2. Linkage policy" for h in hits)
    starts = [h.chunk.start for h in hits]
    assert starts == sorted(starts)
