"""Dense search: normalised vectors and inner product, exact below a threshold, HNSW above."""

from __future__ import annotations

import numpy as np

from index.dense import DenseParams, build_dense, index_type, search_dense

PARAMS = DenseParams(hnsw_threshold=100, hnsw_m=16, ef_construction=40, ef_search=64)


def unit_vectors(count: int, dimensions: int = 16, seed: int = 3) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(count, dimensions)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_scores_are_cosine_similarities():
    vectors = unit_vectors(20)
    query = vectors[4]

    ids, scores = search_dense(build_dense(vectors, PARAMS), query, 5)

    assert ids[0] == 4 and np.isclose(scores[0], 1.0, atol=1e-5)
    assert np.allclose(scores, vectors[ids] @ query, atol=1e-5)
    assert list(scores) == sorted(scores, reverse=True)


def test_the_index_type_follows_the_threshold():
    assert index_type(99, PARAMS) == "flat" and index_type(100, PARAMS) == "hnsw"
    assert type(build_dense(unit_vectors(20), PARAMS)).__name__ == "IndexFlatIP"
    assert type(build_dense(unit_vectors(150), PARAMS)).__name__ == "IndexHNSWFlat"


def test_hnsw_finds_what_exact_search_finds_on_small_data():
    vectors = unit_vectors(300, 32)
    exact, approximate = build_dense(vectors, DenseParams(10_000, 16, 40, 64)), build_dense(vectors, PARAMS)

    for query in unit_vectors(10, 32, seed=9):
        assert list(search_dense(exact, query, 5)[0]) == list(search_dense(approximate, query, 5)[0])


def test_asking_for_more_than_there_is():
    index = build_dense(unit_vectors(3), PARAMS)

    ids, scores = search_dense(index, unit_vectors(1)[0], 10)

    assert sorted(ids) == [0, 1, 2] and len(scores) == 3
    assert search_dense(index, unit_vectors(1)[0], 0)[0].size == 0
