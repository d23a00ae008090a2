"""The fitted weights of the reader and of the abstention decision, as plain JSON.

`python -m chat_app train` fits them on the training questions and writes
chat_app/reader_model.json (with the figures of its cross-validation and where it was fitted);
the engine only reads the file. Two linear models:

- `ReaderModel` scores answer candidates: logit = standardised features . weights. Only
  differences between the candidates of one question matter (it is fitted as a conditional
  logit: a softmax over each question's candidates).
  It carries a `QueryAdapter`: a linear map of the question's embedding, fitted on the
  training questions, that the reader's adapted_similarity feature is computed with. Its matrix
  is kept beside the JSON as .npy (147k floats), named by and checked against its checksum.
- `AbstainModel` decides whether the best candidate answers at all: a logistic regression on
  question-level evidence, and a threshold on its probability.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ingest.atomic import write_atomically
from ingest.errors import SettingsError

MODEL_PATH = Path(__file__).with_name("reader_model.json")


@dataclass(frozen=True)
class LinearModel:
    features: tuple[str, ...]
    weights: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    bias: float = 0.0

    def logits(self, matrix: np.ndarray) -> np.ndarray:
        if len(matrix) == 0:
            return np.zeros(0, dtype=np.float32)
        return ((matrix - self.mean) / self.scale) @ self.weights + self.bias

    def to_json(self) -> dict:
        return {"features": list(self.features), "weights": [round(float(w), 6) for w in self.weights],
                "mean": [round(float(m), 6) for m in self.mean], "scale": [round(float(s), 6) for s in self.scale],
                "bias": round(float(self.bias), 6)}

    @classmethod
    def from_json(cls, record: dict, expected: tuple[str, ...]) -> "LinearModel":
        features = tuple(record["features"])
        if features != expected:
            raise ValueError(f"fitted for features {features}, this reader computes {expected}")
        weights, mean, scale = (np.asarray(record[key], dtype=np.float32) for key in ("weights", "mean", "scale"))
        bias = float(record.get("bias", 0.0))
        if any(a.shape != (len(features),) or not np.isfinite(a).all() for a in (weights, mean, scale)) \
                or (scale <= 0).any() or not np.isfinite(bias):
            raise ValueError("weights, mean and scale need one finite number per feature, scale above 0")
        return cls(features, weights, mean, scale, bias)


@dataclass(frozen=True)
class QueryAdapter:
    """q -> q + qA, renormalised: the question's embedding moved towards the sentences that
    answer questions like it (chat_app.tuning.adapter). It belongs to the embedding model it was
    fitted with, and to the documents its training questions were answered from: it learnt how
    people ask about those sentences. For another model or document the reader uses the
    question's own vector (measured: applied to a second report it had never seen, the adapter
    cost 5 of its 27 questions their citation)."""

    matrix: np.ndarray  # (dimensions, dimensions)
    model: str  # the index's embedding model when it was fitted
    documents: frozenset[str] = frozenset()  # the documents whose sentences answered its questions

    def applies_to(self, model: str, dimensions: int) -> bool:
        return self.model == model and self.matrix.shape == (dimensions, dimensions)

    def apply(self, vector: np.ndarray) -> np.ndarray:
        moved = vector + vector @ self.matrix
        norm = float(np.linalg.norm(moved))
        return moved / norm if norm > 0 else vector


@dataclass(frozen=True)
class ReaderModel:
    linear: LinearModel
    adapter: QueryAdapter | None = None

    def score(self, matrix: np.ndarray) -> np.ndarray:
        return self.linear.logits(matrix)


@dataclass(frozen=True)
class AbstainModel:
    linear: LinearModel
    threshold: float  # answer when P(answerable) >= threshold
    # A question naming something the corpus never uses is answered only if the best sentence
    # is at least this similar to it (a paraphrase: "World War II" for "post WW2").
    paraphrase_similarity: float = 0.7
    # A "how much" question is answered only by a figure said of at least this share of what
    # it measures ("public debt"), by rarity-weighted words (Reader.measure_coverage).
    figure_coverage: float = 0.0

    def probability(self, row: np.ndarray) -> float:
        return float(1 / (1 + np.exp(-self.linear.logits(row.reshape(1, -1))[0])))


@dataclass(frozen=True)
class FittedModels:
    reader: ReaderModel
    abstain: AbstainModel
    provenance: dict = field(default_factory=dict)  # fitted on what, when, with which CV figures


def load_models(reader_features: tuple[str, ...], abstain_features: tuple[str, ...],
                path: Path = MODEL_PATH) -> FittedModels:
    try:
        record = json.loads(Path(path).read_text(encoding="utf-8"))
        reader = ReaderModel(LinearModel.from_json(record["reader"], reader_features),
                             _load_adapter(record["reader"].get("adapter"), Path(path)))
        cuts = [float(record["abstain"][key]) for key in ("threshold", "paraphrase_similarity", "figure_coverage")]
        if not all(np.isfinite(cuts)):
            raise ValueError("the abstention threshold and cuts must be numbers")
        abstain = AbstainModel(LinearModel.from_json(record["abstain"], abstain_features), *cuts)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        reason = f"no field {error}" if isinstance(error, KeyError) else str(error)
        raise SettingsError(f"{path}: not a readable reader model ({reason}); "
                            "refit it with: python -m chat_app train") from None
    return FittedModels(reader, abstain, record.get("provenance", {}))


def _adapter_paths(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.stem}.adapter.*.npy"))


def _load_adapter(record: dict | None, path: Path) -> QueryAdapter | None:
    if record is None:
        return None
    name, model, documents = record["file"], record["model"], record["documents"]
    if not isinstance(name, str) or Path(name).name != name or not name.endswith(".npy") or not isinstance(model, str) \
            or not isinstance(documents, list) or not all(isinstance(d, str) for d in documents):
        raise ValueError("its adapter record needs a file name, a model name and a list of document names")
    data = path.with_name(name).read_bytes()  # read once: what is checked is what is loaded
    if hashlib.sha256(data).hexdigest() != record["sha256"]:
        raise ValueError(f"{name} is not the matrix this model was fitted with "
                         f"({'empty' if not data else 'checksum differs'})")
    matrix = np.load(io.BytesIO(data), allow_pickle=False)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.dtype.kind != "f":
        raise ValueError(f"{name} holds a {matrix.dtype} array of shape {matrix.shape}, not a square matrix")
    values = matrix.astype(np.float64)
    if not np.isfinite(values).all() or np.abs(values).max(initial=0.0) > np.finfo(np.float32).max:
        raise ValueError(f"{name} holds numbers that are not finite (or too large for float32)")
    return QueryAdapter(matrix.astype(np.float32), model, frozenset(documents))


def save_models(models: FittedModels, path: Path = MODEL_PATH) -> None:
    """Each file written whole to a temporary file, then moved into place. The adapter's matrix
    is named by its checksum and written first, the JSON that names it next, and only then are
    other matrices of this model removed: whenever a write fails or a server loads in between,
    the JSON on disk names a matrix that is there and is its own."""
    path = Path(path)
    reader = models.reader.linear.to_json()
    kept = None
    if models.reader.adapter is not None:
        buffer = io.BytesIO()
        np.save(buffer, models.reader.adapter.matrix.astype(np.float32), allow_pickle=False)
        data = buffer.getvalue()
        digest = hashlib.sha256(data).hexdigest()
        kept = path.with_name(f"{path.stem}.adapter.{digest[:12]}.npy")
        write_atomically(kept, data)
        reader["adapter"] = {"file": kept.name, "model": models.reader.adapter.model,
                             "documents": sorted(models.reader.adapter.documents), "sha256": digest}
    record = {"reader": reader,
              "abstain": {**models.abstain.linear.to_json(), "threshold": round(models.abstain.threshold, 6),
                          "paraphrase_similarity": round(models.abstain.paraphrase_similarity, 6),
                          "figure_coverage": round(models.abstain.figure_coverage, 6)},
              "provenance": models.provenance}
    write_atomically(path, (json.dumps(record, indent=1) + "\n").encode("utf-8"))
    for stale in _adapter_paths(path):
        if stale != kept:
            stale.unlink(missing_ok=True)


def initial_models(reader_features: tuple[str, ...], abstain_features: tuple[str, ...]) -> FittedModels:
    """Models to deliberate with before any are fitted: fitting needs the engine's candidates
    and features, which do not depend on the weights. Never answers with confidence."""
    def zero(features: tuple[str, ...]) -> LinearModel:
        n = len(features)
        return LinearModel(features, np.zeros(n, dtype=np.float32), np.zeros(n, dtype=np.float32),
                           np.ones(n, dtype=np.float32))

    return FittedModels(ReaderModel(zero(reader_features)), AbstainModel(zero(abstain_features), 1.0, 0.7, 0.0),
                        {"fitted_at": "never"})
