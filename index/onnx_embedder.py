"""The question path without torch: the embedding model exported once to ONNX.

Importing torch and sentence-transformers costs about 5 s and 350 MB on 2 cores, for one
question vector. `export_onnx` runs the model's transformer through `torch.onnx.export`
once per model and keeps the result in the cache folder; `OnnxEmbedder` then embeds with
onnxruntime + the `tokenizers` library + numpy only, and gives the same vectors as
sentence-transformers (fp32, cosine 0.9999999 on the dev questions).

    <cache_dir>/onnx/<fingerprint>/model.onnx      the transformer (token vectors out)
                                   tokenizer.json  the model's tokenizer
                                   meta.json       model setting, dimensions, pooling, versions

The fingerprint hashes the model's files (config, weights, pooling, tokenizer), so it is
computed without torch, and an export never serves a model whose files changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from ingest.atomic import write_atomically
from ingest.errors import SettingsError

EXPORT_VERSION = 1  # bump when the export's files or meaning change: older exports are ignored
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
MODEL_FILE, TOKENIZER_FILE, META_FILE = "model.onnx", "tokenizer.json", "meta.json"
_HASH_MEMO = "file_hashes.json"


@dataclass(frozen=True)
class ModelFiles:
    """The files of a sentence-transformers model that decide what its vectors are."""

    folder: Path
    weights: Path
    pooling: str  # "mean" or "cls"
    max_seq_length: int
    dimensions: int

    def hashed(self) -> list[Path]:
        names = ["config.json", "1_Pooling/config.json", "sentence_bert_config.json", "tokenizer.json"]
        return [self.folder / n for n in names if (self.folder / n).is_file()] + [self.weights]


def model_files(model_setting: str) -> ModelFiles:
    """Locate the model's folder and read how it pools, without torch."""
    from index.embedder import resolve_model_path

    folder = Path(resolve_model_path(model_setting))
    if not folder.is_dir():
        folder = _hub_snapshot(model_setting)
    weights = next((folder / n for n in WEIGHT_FILES if (folder / n).is_file()), None)
    if weights is None or not (folder / "tokenizer.json").is_file():
        raise SettingsError(f"model: {folder} has no weights file or tokenizer.json to export to ONNX")
    pooling_config = _read_json(folder / "1_Pooling" / "config.json", {"pooling_mode_mean_tokens": True})
    if pooling_config.get("pooling_mode_mean_tokens"):
        pooling = "mean"
    elif pooling_config.get("pooling_mode_cls_token"):
        pooling = "cls"
    else:
        raise SettingsError(f"model: {folder} pools in a way the ONNX path does not reproduce ({pooling_config})")
    hidden = int(_read_json(folder / "config.json", {}).get("hidden_size", 0))
    dimensions = int(pooling_config.get("word_embedding_dimension", hidden))
    max_len = int(_read_json(folder / "sentence_bert_config.json", {}).get("max_seq_length", 0) or 512)
    return ModelFiles(folder, weights, pooling, max_len, dimensions)


def fingerprint(files: ModelFiles, cache_dir: Path | None = None) -> str:
    """Short sha256 over the model's deciding files, the pooling and the export version."""
    digest = hashlib.sha256(f"policy-qa-onnx {EXPORT_VERSION} {files.pooling} {files.max_seq_length}".encode())
    memo = _HashMemo(Path(cache_dir) / "onnx" / _HASH_MEMO if cache_dir else None)
    for path in files.hashed():
        digest.update(path.relative_to(files.folder).as_posix().encode() + b"\0")
        digest.update(bytes.fromhex(memo.sha256(path)))
    memo.save()
    return digest.hexdigest()[:20]


def find_onnx_export(model_setting: str, cache_dir: Path) -> Path | None:
    """The folder of a complete export of this model in the cache, or None. Never imports torch."""
    try:
        folder = Path(cache_dir) / "onnx" / fingerprint(model_files(model_setting), cache_dir)
    except (SettingsError, OSError, ValueError):
        return None
    return folder if _complete(folder) else None


def _complete(folder: Path) -> bool:
    return all((folder / n).is_file() for n in (MODEL_FILE, TOKENIZER_FILE, META_FILE))


def export_onnx(model_setting: str, cache_dir: Path) -> Path:
    """Export the model's transformer to ONNX fp32 in the cache (once; returns the folder).

    Written to a temporary sibling folder first and renamed into place when complete, so a
    crash never leaves a half export that `find_onnx_export` would take for a whole one.
    """
    files = model_files(model_setting)
    root = Path(cache_dir) / "onnx"
    target = root / fingerprint(files, cache_dir)
    if _complete(target):
        return target
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.exporting-", dir=root))
    os.chmod(staging, 0o755)  # mkdtemp makes it private; the cache is shared like the model it holds
    try:
        versions = _export_transformer(files.folder, staging / MODEL_FILE)
        shutil.copyfile(files.folder / "tokenizer.json", staging / TOKENIZER_FILE)
        meta = {"model": model_setting, "source": str(files.folder), "dimensions": files.dimensions,
                "max_seq_length": files.max_seq_length, "pooling": files.pooling, "normalize": True,
                "precision": "fp32", "export_version": EXPORT_VERSION, "versions": versions}
        (staging / META_FILE).write_text(json.dumps(meta, indent=1), encoding="utf-8")
        for path in staging.iterdir():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
        try:
            os.replace(staging, target)
        except OSError:
            if not _complete(target):
                raise  # not a concurrent exporter that won the race: a real failure
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _export_transformer(folder: Path, out: Path) -> dict:
    """Token vectors (last_hidden_state) of the transformer, dynamic batch and length."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import onnx
    import torch
    import transformers
    from transformers import AutoModel

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    # Eager attention: the default (sdpa) exports to a graph about 40% slower in onnxruntime.
    model = AutoModel.from_pretrained(str(folder), attn_implementation="eager").eval()

    class TokenVectors(torch.nn.Module):
        """Named inputs in a fixed order: tracing passes positional arguments, and the order
        of BertModel.forward's parameters is not a contract."""

        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    names = ["input_ids", "attention_mask", "token_type_ids"]
    example = (torch.ones((2, 8), dtype=torch.int64), torch.ones((2, 8), dtype=torch.int64),
               torch.zeros((2, 8), dtype=torch.int64))
    axes = {0: "batch", 1: "tokens"}
    # eval() on the wrapper too: the exporter restores the wrapper's mode when it is done,
    # and a new Module is in training mode, which would switch dropout on in `model`.
    wrapper = TokenVectors(model).eval()
    with torch.no_grad(), warnings.catch_warnings():
        # The tracer warns about shape checks it freezes (padding of a key/value cache that
        # a sentence encoder never has); _check_export below proves the graph on other shapes.
        warnings.simplefilter("ignore")
        # dynamo=False: the TorchScript exporter needs only `onnx`, not `onnxscript`.
        torch.onnx.export(wrapper, example, str(out), dynamo=False, opset_version=17,
                          input_names=names, output_names=["last_hidden_state"],
                          dynamic_axes={**{n: axes for n in names}, "last_hidden_state": axes})
    onnx.checker.check_model(str(out))
    _check_export(model, out)
    return {"torch": torch.__version__, "transformers": transformers.__version__, "onnx": onnx.__version__}


def _check_export(model, path: Path) -> None:
    """The exported graph must give torch's token vectors on a shape and padding it was not
    traced with; a tracing mistake would otherwise give quietly wrong question vectors."""
    import onnxruntime
    import torch

    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(1000, 2000, (3, 37), generator=generator)
    mask = torch.ones_like(ids)
    mask[1, 20:], mask[2, 5:] = 0, 0
    types = torch.zeros_like(ids)
    with torch.no_grad():
        expected = model(input_ids=ids, attention_mask=mask, token_type_ids=types).last_hidden_state.numpy()
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = session.run(None, {"input_ids": ids.numpy(), "attention_mask": mask.numpy(),
                             "token_type_ids": types.numpy()})[0]
    real = mask.numpy().astype(bool)  # padded positions are never pooled
    error = float(np.abs(got[real] - expected[real]).max())
    if error > 1e-3:
        raise RuntimeError(f"the ONNX export differs from the model by {error:.2g} on a test batch")


class OnnxEmbedder:
    """Same protocol as SentenceTransformerEmbedder (`name`, `dimensions`, `embed`), no torch."""

    def __init__(self, model: str, export_dir: Path, threads: int | None = None):
        import onnxruntime
        from tokenizers import Tokenizer

        export_dir = Path(export_dir)
        meta = json.loads((export_dir / META_FILE).read_text(encoding="utf-8"))
        self.name = model
        self.dimensions = int(meta["dimensions"])
        self.path = str(export_dir)
        self._pooling = meta["pooling"]
        self._tokenizer = Tokenizer.from_file(str(export_dir / TOKENIZER_FILE))
        # The bundled tokenizer.json truncates and pads to a fixed 128; sentence-transformers
        # reads up to max_seq_length (256) and pads to the longest text of the batch.
        self._tokenizer.enable_truncation(max_length=int(meta["max_seq_length"]))
        padding = self._tokenizer.padding or {}
        self._tokenizer.enable_padding(pad_id=padding.get("pad_id", 0),
                                       pad_token=padding.get("pad_token", "[PAD]"))
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or cores()
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(
            str(export_dir / MODEL_FILE), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}

    def embed(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        # Similar lengths in a batch waste less padding; rows go back to the caller's order.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for start in range(0, len(order), batch_size):
            rows = order[start:start + batch_size]
            out[rows] = self._embed_batch([texts[i] for i in rows])
        return out

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feed = {"input_ids": np.array([e.ids for e in encodings], dtype=np.int64), "attention_mask": mask,
                "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64)}
        tokens = self._session.run(None, {k: v for k, v in feed.items() if k in self._inputs})[0]
        if self._pooling == "cls":
            pooled = tokens[:, 0]
        else:  # mean over real tokens only, as sentence-transformers' Pooling does
            weights = mask[:, :, None].astype(np.float32)
            pooled = (tokens * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


class _HashMemo:
    """sha256 of big files remembered by (size, mtime, inode): the weights are 90 MB, and
    hashing them would cost every question process about 0.1 s."""

    def __init__(self, path: Path | None):
        self.path = path
        self.entries: dict = _read_json(path, {}) if path else {}
        self.changed = False

    def sha256(self, file: Path) -> str:
        stat = file.stat()
        key = str(file.resolve())
        stamp = [stat.st_size, stat.st_mtime_ns, stat.st_ino]
        entry = self.entries.get(key)
        if isinstance(entry, dict) and entry.get("stat") == stamp:
            return entry["sha256"]
        with file.open("rb") as handle:
            value = hashlib.file_digest(handle, "sha256").hexdigest()
        self.entries[key] = {"stat": stamp, "sha256": value}
        self.changed = True
        return value

    def save(self) -> None:
        if not (self.path and self.changed):
            return
        try:  # a cache: when it cannot be written, the next process hashes again
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(self.path, json.dumps(self.entries, indent=1))
        except OSError:
            pass


def _hub_snapshot(name: str) -> Path:
    """A model named by its hub id: its folder in the local Hugging Face cache."""
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(name, local_files_only=True))
    except Exception as error:  # the hub library raises many kinds; all mean "not here"
        raise SettingsError(f"model: {name!r} is neither a folder nor in the local Hugging Face cache ({error})") from None


def _read_json(path: Path | None, default: dict) -> dict:
    try:
        value = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError):
        return default
    return value if isinstance(value, dict) else default


def cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))  # the cores this process may use (containers)
    except AttributeError:
        return max(1, os.cpu_count() or 1)
