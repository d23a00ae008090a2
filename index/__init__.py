"""Embeddings in FAISS and BM25 keyword search over the chunks, persisted as one folder."""
