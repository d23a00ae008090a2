"""The torch-free question path: the ONNX export gives sentence-transformers' vectors and
the same retrieval, and a question process never imports torch.

Uses the session's real model and paper index (tests/conftest.py): building the paper with
the real SentenceTransformerEmbedder also makes the export, once per session.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index.evaluation import score_retrieval
from index.onnx_embedder import OnnxEmbedder, export_onnx, find_onnx_export, fingerprint, model_files
from index.search import Searcher
from ingest.errors import SettingsError
from ingest.settings import BUNDLED_MODEL, Settings

ROOT = Path(__file__).resolve().parents[2]
TORCH_MODULES = ("torch", "transformers", "sentence_transformers")


@pytest.fixture(scope="module")
def built(paper_index, embedder):
    """(settings of the paper index, the session's torch embedder); the build made the export."""
    assert paper_index.report.query_export in ("exported", "present")
    return paper_index.settings, embedder


@pytest.fixture(scope="module")
def questions(dev_questions):
    return dev_questions


def test_the_build_writes_a_complete_export(built):
    settings, _ = built
    export = find_onnx_export(settings.model, settings.cache_dir)
    assert export is not None and export.parent == settings.cache_dir / "onnx"
    meta = json.loads((export / "meta.json").read_text())
    assert (meta["dimensions"], meta["max_seq_length"], meta["pooling"]) == (384, 256, "mean")
    assert {p.name for p in export.iterdir()} == {"model.onnx", "tokenizer.json", "meta.json"}
    assert not [p for p in export.parent.iterdir() if p.name.startswith(".")]  # no staging left
    assert export_onnx(settings.model, settings.cache_dir) == export  # once per model


def test_onnx_vectors_match_sentence_transformers_on_the_dev_questions(built, questions):
    settings, torch_embedder = built
    onnx_embedder = OnnxEmbedder(settings.model, find_onnx_export(settings.model, settings.cache_dir))
    texts = [q.question for q in questions]
    reference = torch_embedder.embed(texts)
    batched = onnx_embedder.embed(texts, batch_size=8)
    alone = np.stack([onnx_embedder.embed([t])[0] for t in texts])
    assert batched.dtype == np.float32 and batched.shape == (len(texts), onnx_embedder.dimensions)
    assert np.allclose(np.linalg.norm(batched, axis=1), 1, atol=1e-5)
    assert (batched * reference).sum(axis=1).min() >= 0.999
    assert (alone * reference).sum(axis=1).min() >= 0.999
    # Passages longer than the tokenizer file's own 128-token limit are read to 256 tokens.
    long_text = " ".join(["industrial policy and supporting industries in Vietnam"] * 40)
    assert float(onnx_embedder.embed([long_text])[0] @ torch_embedder.embed([long_text])[0]) >= 0.999


def test_onnx_and_torch_questions_retrieve_the_same_passages(built, questions):
    settings, _ = built
    results = {}
    for backend in ("onnx", "torch"):
        searcher = Searcher.open(settings.with_(query_backend=backend))
        results[backend] = {q.id: searcher.search(q.question, 10) for q in questions}
        kind = type(searcher.embedder).__name__
        assert kind == {"onnx": "OnnxEmbedder", "torch": "SentenceTransformerEmbedder"}[backend]
    ids = {b: {q: [h.chunk.id for h in hits] for q, hits in r.items()} for b, r in results.items()}
    corpus_texts = [c.text for c in searcher.data.chunks]
    scores = {b: score_retrieval(b, questions, {q: [h.chunk.text for h in hits] for q, hits in r.items()},
                                 corpus_texts) for b, r in results.items()}
    assert (scores["onnx"].recall[5], scores["onnx"].mrr10) == (scores["torch"].recall[5], scores["torch"].mrr10)
    assert ids["onnx"] == ids["torch"]


def test_auto_takes_the_export_and_onnx_without_one_says_how_to_make_it(built, tmp_path):
    settings, _ = built
    assert type(Searcher.open(settings).embedder).__name__ == "OnnxEmbedder"  # auto is the default
    bare = settings.with_(cache_dir=tmp_path / "empty", query_backend="onnx")
    with pytest.raises(SettingsError, match=r"no ONNX export of model .*python -m index build"):
        Searcher.open(bare).embedder


def _run(code: str, settings: Settings) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "POLICY_QA_INDEX_DIR": str(settings.index_dir),
           "POLICY_QA_CACHE_DIR": str(settings.cache_dir), "POLICY_QA_CORPUS_DIR": str(settings.corpus_dir)}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)


def test_a_question_process_and_an_unchanged_rebuild_never_import_torch(built):
    settings, _ = built
    probe = f"import sys; print(json.dumps([m for m in {TORCH_MODULES!r} if m in sys.modules]))"
    search = _run("import json, sys; sys.argv = ['index', 'search', 'Vendor Development Program'];"
                  "from index.cli import main; assert main() == 0; " + probe, settings)
    assert search.returncode == 0, search.stderr
    assert "Vendor Development Program" in search.stdout
    assert json.loads(search.stdout.splitlines()[-1]) == []
    rebuild = _run("import json, sys; sys.argv = ['index', 'build', '--quiet'];"
                   "from index.cli import main; assert main() == 0; " + probe, settings)
    assert rebuild.returncode == 0, rebuild.stderr
    assert "index up to date" in rebuild.stdout and json.loads(rebuild.stdout.splitlines()[-1]) == []


def test_a_failed_export_leaves_nothing_behind(tmp_path, monkeypatch):
    import index.onnx_embedder as module

    def crash(folder, out):
        out.write_bytes(b"half a model")
        raise RuntimeError("killed mid-export")

    monkeypatch.setattr(module, "_export_transformer", crash)
    with pytest.raises(RuntimeError, match="killed mid-export"):
        export_onnx(BUNDLED_MODEL, tmp_path)
    assert find_onnx_export(BUNDLED_MODEL, tmp_path) is None
    assert [p.name for p in (tmp_path / "onnx").iterdir()] == ["file_hashes.json"]


def test_the_fingerprint_changes_with_the_pooling_and_not_with_the_folder(tmp_path):
    source = model_files(BUNDLED_MODEL)
    copy = tmp_path / "model"
    for path in source.folder.rglob("*"):
        if path.is_file():
            (copy / path.relative_to(source.folder)).parent.mkdir(parents=True, exist_ok=True)
            (copy / path.relative_to(source.folder)).symlink_to(path)
    assert fingerprint(model_files(str(copy)), tmp_path) == fingerprint(source, tmp_path)
    pooling = copy / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text()) | {"pooling_mode_mean_tokens": False, "pooling_mode_cls_token": True}
    pooling.unlink()
    pooling.write_text(json.dumps(config))
    assert model_files(str(copy)).pooling == "cls"
    assert fingerprint(model_files(str(copy)), tmp_path) != fingerprint(source, tmp_path)
