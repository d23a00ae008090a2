"""Reciprocal-rank fusion: a pure, deterministic function of the rankings."""

from __future__ import annotations

import random

import pytest

from index.fusion import reciprocal_rank_fusion


def test_scores_are_weighted_reciprocal_ranks():
    fused = dict(reciprocal_rank_fusion([[1, 2], [2, 3]], [1.0, 0.5], k=60))

    assert fused == pytest.approx({1: 1 / 61, 2: 1 / 62 + 0.5 / 61, 3: 0.5 / 62})


def test_an_item_ranked_well_by_both_beats_one_ranked_first_by_one():
    fused = reciprocal_rank_fusion([[7, 8, 9], [8, 9, 7]], [1.0, 1.0])

    assert [item for item, _ in fused] == [8, 7, 9]


def test_ties_break_by_the_first_ranking_then_by_id():
    # 5 and 9 tie exactly (each first in one list); 5 came from the first ranking.
    assert [i for i, _ in reciprocal_rank_fusion([[5], [9]], [1.0, 1.0])] == [5, 9]
    assert [i for i, _ in reciprocal_rank_fusion([[9], [5]], [1.0, 1.0])] == [9, 5]
    # Same list, same rank: the id decides.
    assert [i for i, _ in reciprocal_rank_fusion([[4], [3]], [1.0, 0.0])][0] == 4


def test_the_same_input_gives_the_same_output_every_time():
    generator = random.Random(7)
    rankings = [generator.sample(range(200), 50) for _ in range(3)]
    first = reciprocal_rank_fusion(rankings, [1.0, 1.0, 0.5])

    for _ in range(20):
        assert reciprocal_rank_fusion([list(r) for r in rankings], [1.0, 1.0, 0.5]) == first
    assert [s for _, s in first] == sorted((s for _, s in first), reverse=True)


def test_a_zero_weight_ranking_only_breaks_ties():
    fused = dict(reciprocal_rank_fusion([[1, 2], [2, 1]], [1.0, 0.0]))

    assert fused[1] > fused[2]


def test_empty_rankings():
    assert reciprocal_rank_fusion([], []) == []
    assert reciprocal_rank_fusion([[], []], [1.0, 1.0]) == []
