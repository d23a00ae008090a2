"""Read documents (PDF, Markdown, text) and split them into structure-aware chunks."""

from ingest.chunker import chunk_document
from ingest.loader import SUPPORTED_SUFFIXES, load_document
from ingest.records import Chunk, ChunkKind, Document

__all__ = ["Chunk", "ChunkKind", "Document", "SUPPORTED_SUFFIXES", "chunk_document", "load_document"]
