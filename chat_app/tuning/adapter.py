"""Fit the query adapter (chat_app.engine.reader_model.QueryAdapter) on the training questions.

The bundled embedding model was trained on web text: a student's "What is the danger if ...
continues?" lands far from the paper's "persistence of the same situation ... may cause
de-industrialization". The adapter is a linear map of the question's embedding, q -> q + qA,
fitted so that among the sentences of a question's candidates those of the answering quotes
come first (a softmax over the sentences, as the reader's softmax over candidates). The
sentence vectors stay as the index stored them, so nothing is re-embedded and the question
path adds one 384 x 384 product. A is pulled towards zero (L2): with no evidence the adapter is
the identity. Fitted with L-BFGS on numpy arrays; only training imports scipy.
"""

from __future__ import annotations

import numpy as np

from chat_app.engine.reader_model import QueryAdapter

# Chosen by 5-fold cross-validation on the training questions (6 shuffles of the folds, the
# reader's L2 held at 1, the adapter refitted without each fold): reader top-1 0.785, 0.784,
# 0.788, 0.792 with L2 0.001, 0.003, 0.01, 0.03, and 0.773 without the adapted cosine. A nested
# CV (each outer fold's reader fitted on adapters that never saw that fold) gave 0.771 -> 0.789
# at L2 0.1.
ADAPTER_L2 = 0.03
TEMPERATURE = 20.0  # cosines are close together; the softmax needs them spread


def targets(candidates, positive: np.ndarray) -> tuple[list[int], set[int]]:
    """The distinct sentence rows of a question's candidates, and those of its shortest
    answering candidates (a three-sentence quote answers because of one of its sentences;
    the shortest quotes that answer point at it)."""
    rows = sorted({r for c in candidates for r in c.rows})
    answering = [candidates[i].rows for i in np.flatnonzero(positive)]
    if not answering:
        return rows, set()
    shortest = min(len(r) for r in answering)
    return rows, {r for run in answering if len(run) == shortest for r in run}


def fit_adapter(questions: list[tuple[np.ndarray, list[int], set[int]]], sentence_vectors: np.ndarray,
                model: str, documents: frozenset[str], l2: float = ADAPTER_L2) -> QueryAdapter:
    """`questions`: (question vector, its candidate sentence rows, the answering rows among
    them); `documents`: those the answering rows come from."""
    from scipy.optimize import minimize
    from scipy.special import logsumexp, softmax

    questions = [q for q in questions if q[2]]
    dim = sentence_vectors.shape[1]
    if not questions:
        return QueryAdapter(np.zeros((dim, dim), dtype=np.float32), model, documents)
    width = max(len(rows) for _, rows, _ in questions)
    vectors = np.stack([v for v, _, _ in questions]).astype(np.float64)
    sentences = np.zeros((len(questions), width, dim))
    held = np.zeros((len(questions), width), dtype=bool)
    answering = np.zeros((len(questions), width), dtype=bool)
    for i, (_, rows, right) in enumerate(questions):
        sentences[i, :len(rows)] = sentence_vectors[rows]
        held[i, :len(rows)] = True
        answering[i, :len(rows)] = [r in right for r in rows]
    n = len(questions)

    def loss(flat: np.ndarray) -> tuple[float, np.ndarray]:
        a = flat.reshape(dim, dim)
        moved = vectors + vectors @ a
        norms = np.linalg.norm(moved, axis=1, keepdims=True)
        unit = moved / norms
        logits = np.where(held, TEMPERATURE * np.einsum("nd,nrd->nr", unit, sentences), -np.inf)
        right = np.where(answering, logits, -np.inf)
        p_all, p_right = softmax(logits, axis=1), softmax(right, axis=1)
        total = float(np.sum(logsumexp(logits, axis=1) - logsumexp(right, axis=1))) / n
        d_logits = (p_all - p_right) / n
        d_unit = TEMPERATURE * np.einsum("nr,nrd->nd", d_logits, sentences)
        d_moved = (d_unit - unit * np.sum(d_unit * unit, axis=1, keepdims=True)) / norms
        grad = vectors.T @ d_moved
        return total + l2 * float(flat @ flat), (grad + 2 * l2 * a).ravel()

    result = minimize(loss, np.zeros(dim * dim), jac=True, method="L-BFGS-B", options={"maxiter": 300})
    return QueryAdapter(result.x.reshape(dim, dim).astype(np.float32), model, documents)
