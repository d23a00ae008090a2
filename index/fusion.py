"""Reciprocal-rank fusion: a pure function of rankings, independent of score scales."""

from __future__ import annotations

from typing import Sequence


def reciprocal_rank_fusion(rankings: Sequence[Sequence[int]], weights: Sequence[float],
                           k: int = 60) -> list[tuple[int, float]]:
    """Fuse ranked id lists: score(id) = sum over lists of weight / (k + rank), rank from 1.

    Ties are broken by the first ranking's order, then by id, so results are deterministic.
    """
    scores: dict[int, float] = {}
    first_seen: dict[int, tuple[int, int]] = {}
    for list_index, (ranking, weight) in enumerate(zip(rankings, weights)):
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
            first_seen.setdefault(item, (list_index, rank))
    return sorted(scores.items(), key=lambda pair: (-pair[1], first_seen[pair[0]], pair[0]))
