"""The embedder that turns questions into vectors, matching the index's model."""

from __future__ import annotations

from ingest.settings import Settings


def load_query_embedder(settings: Settings, manifest: dict):
    from index.embedder import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(manifest["model"]["name"])
