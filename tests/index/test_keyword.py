"""BM25 over chunk texts: row ids stay aligned with chunks, save -> load gives the same scores."""

from __future__ import annotations

import numpy as np

from index.keyword import KeywordIndex

TEXTS = [
    "Board of Investment supports investors in Thailand",
    "",  # a chunk with no tokens at all (only stopwords or punctuation)
    "the of and",
    "Malaysia Vendor Development Program introduced in 1988",
    "Vietnam should follow the Thai way of working with FDI",
]


def test_rows_without_tokens_do_not_shift_the_ids_after_them():
    index = KeywordIndex.build(TEXTS)

    ids, scores = index.search("vendor development program", 5)

    assert list(ids) == [3]
    assert scores[0] > 0


def test_only_rows_with_a_positive_score_are_returned_best_first():
    index = KeywordIndex.build(TEXTS)

    ids, scores = index.search("Thailand Thai investors", 10)

    assert set(ids) == {0, 4} and ids[0] == 0
    assert list(scores) == sorted(scores, reverse=True)


def test_a_query_of_unknown_words_finds_nothing():
    ids, scores = KeywordIndex.build(TEXTS).search("zebra quantum", 5)

    assert ids.size == 0 and scores.size == 0


def test_save_and_load_give_the_same_scores(tmp_path):
    index = KeywordIndex.build(TEXTS)
    index.save(tmp_path / "keyword")
    loaded = KeywordIndex.load(tmp_path / "keyword")

    for query in ("Thailand investors", "1988 program", "FDI Vietnam"):
        before, after = index.search(query, 5), loaded.search(query, 5)
        assert np.array_equal(before[0], after[0]) and np.allclose(before[1], after[1])
    assert not [p for p in (tmp_path / "keyword").rglob("*") if p.suffix in (".pkl", ".pickle")]
