"""The embedder that turns questions into vectors, matching the index's model.

`query_backend` decides how: `onnx` runs the model's ONNX export (no torch import: a
one-question process starts in well under a second instead of about 7 s), `torch` runs
sentence-transformers, `auto` takes the export when the cache has one for the index's model
(`python -m index build` makes it) and torch otherwise. Both give the same vectors
(cosine >= 0.9999999), so an index built with one is searched correctly with the other.
"""

from __future__ import annotations

from ingest.errors import SettingsError
from ingest.settings import Settings


def load_query_embedder(settings: Settings, manifest: dict):
    model = manifest["model"]["name"]
    backend = settings.query_backend
    if backend in ("onnx", "auto"):
        from index.onnx_embedder import OnnxEmbedder, find_onnx_export

        export = find_onnx_export(model, settings.cache_dir)
        if export is not None:
            return OnnxEmbedder(model, export, settings.query_threads or None)
        if backend == "onnx":
            raise SettingsError(
                f"query_backend: onnx, but {settings.cache_dir} has no ONNX export of model {model!r}; "
                "make it with: python -m index build (or set POLICY_QA_QUERY_BACKEND=torch)")
    from index.embedder import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(model)
