"""Checking an uploaded file and adding it to the corpus folder.

A file joins the corpus only when the indexer will be able to read it: its name is safe,
its type is supported (by extension and by content), it fits the size limit, and
`load_document` reads text out of its bytes (not encrypted, not a scan without a text layer,
not empty, not binary data renamed .txt). Every refusal names the file and the reason.

The saved name can never point outside the corpus folder: any path the browser sent is cut
off, traversal, hidden names and characters that are not safe in a file name are refused,
the final path is checked to lie inside the folder, and the file is created exclusively so
that an existing file is never overwritten.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from index.corpus import walk_corpus
from ingest.errors import UnreadableFileError
from ingest.loader import META_SUFFIX, SUPPORTED_SUFFIXES, load_document
from ingest.settings import Settings

MAX_NAME_CHARS = 120
# Letters and digits of any script (Vietnamese names are common), space and a few marks.
_SAFE_NAME = re.compile(r"^[\w .,()+&'-]+$")
SUPPORTED_TYPES = ", ".join(sorted(SUPPORTED_SUFFIXES))


class UploadRefused(Exception):
    """An upload that cannot join the corpus; `reason` is one line for the user."""

    def __init__(self, name: str, reason: str):
        self.name = name
        self.reason = reason
        super().__init__(f"{name}: {reason}")


@dataclass(frozen=True)
class UploadOutcome:
    """What happened to one uploaded file, as shown to the user."""

    name: str  # as the browser sent it
    saved_as: str | None  # the corpus file name, when it was added
    reason: str = ""  # why it was refused, or why nothing needed doing
    duplicate_of: str | None = None  # the corpus file with the same bytes: nothing to add, nothing wrong

    @property
    def accepted(self) -> bool:
        return self.saved_as is not None

    @property
    def message(self) -> str:
        if self.accepted:
            renamed = f" as {self.saved_as}" if self.saved_as != self.name else ""
            return f"{self.name}: added to the corpus{renamed}."
        return f"{self.name}: {self.reason}"


def safe_name(name: str) -> str:
    """The name to save an upload under, or UploadRefused. Directories the browser may send
    ("reports/paper.pdf", "C:\\Users\\me\\paper.pdf") are dropped; a name that tries to climb
    out of the folder is refused rather than repaired, since that is never an accident."""
    if not name or not name.strip():
        raise UploadRefused(name or "(no name)", "the file has no name")
    if "\x00" in name or any(unicodedata.category(ch) == "Cc" for ch in name):
        raise UploadRefused(_printable(name), "the file name contains control characters")
    parts = re.split(r"[\\/]", name)
    if any(part.strip() == ".." for part in parts):
        raise UploadRefused(name, "the file name points outside the corpus folder ('..')")
    base = unicodedata.normalize("NFC", parts[-1]).strip()
    if not base:
        raise UploadRefused(name, "the file name is a folder, not a file")
    if base.startswith("."):
        raise UploadRefused(name, "hidden file names (starting with '.') are not accepted")
    if len(base) > MAX_NAME_CHARS:
        raise UploadRefused(name, f"the file name is longer than {MAX_NAME_CHARS} characters")
    if not _SAFE_NAME.match(base):
        odd = sorted({ch for ch in base if not _SAFE_NAME.match(ch)})
        raise UploadRefused(name, "the file name contains characters that are not allowed: "
                            + " ".join(repr(ch) for ch in odd) + "; rename the file")
    if base.lower().endswith(META_SUFFIX):
        raise UploadRefused(name, f"citation files ({META_SUFFIX}) cannot be uploaded")
    return base


def upload_limit(settings: Settings) -> int:
    """The most bytes an upload may have."""
    return settings.max_upload_mb * 1024 * 1024


def check_upload(name: str, data: bytes, settings: Settings) -> str:
    """The safe corpus name of an upload that the indexer can read, or UploadRefused."""
    base = safe_name(name)
    suffix = Path(base).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UploadRefused(name, f"unsupported file type {suffix or '(none)'}; use {SUPPORTED_TYPES}")
    if len(data) > upload_limit(settings):
        raise UploadRefused(name, f"the file is {len(data) / 1024 / 1024:.1f} MB; the limit is "
                            f"{settings.max_upload_mb} MB")
    try:
        # The bytes are read as if they were the corpus file: the same checks as a build.
        # PDFs are read in a worker killed at settings.pdf_time_limit: a crafted file cannot keep
        # a core busy after the browser has left.
        load_document(Path(settings.corpus_dir) / base, base, data=data, settings=settings)
    except UnreadableFileError as error:
        raise UploadRefused(name, error.reason) from None
    return base


def add_upload(name: str, data: bytes, settings: Settings) -> UploadOutcome:
    """Check an upload and save it into the corpus folder; never overwrites a file."""
    try:
        base = check_upload(name, data, settings)
        duplicate = _same_content(data, Path(settings.corpus_dir))
        if duplicate is not None:
            return UploadOutcome(name, None, f"already in the corpus as {duplicate}; nothing to add", duplicate)
        _write_new(Path(settings.corpus_dir), base, data, name)
    except UploadRefused as refused:
        return UploadOutcome(name, None, refused.reason)
    return UploadOutcome(name, base)


def _write_new(corpus_dir: Path, base: str, data: bytes, name: str) -> Path:
    corpus_dir.mkdir(parents=True, exist_ok=True)
    root = corpus_dir.resolve()
    target = (root / base).resolve()
    if target.parent != root:  # belt and braces: safe_name already made this impossible
        raise UploadRefused(name, "the file name points outside the corpus folder")
    try:
        with open(target, "xb") as handle:  # exclusive: an existing file is never replaced
            handle.write(data)
    except FileExistsError:
        raise UploadRefused(name, f"a different file named {base} is already in the corpus; "
                            "rename your file and upload it again") from None
    return target


def _same_content(data: bytes, corpus_dir: Path) -> str | None:
    """The corpus file with exactly these bytes, if any (an upload of a file already there).
    The build's own walk: a link loop or an unreadable file in the corpus is passed over."""
    if not corpus_dir.is_dir():
        return None
    digest = hashlib.sha256(data).digest()
    entries, _ = walk_corpus(corpus_dir)
    for entry in entries:
        if entry.size != len(data):
            continue
        try:
            if hashlib.sha256(entry.path.read_bytes()).digest() == digest:
                return entry.name
        except OSError:
            continue
    return None


def _printable(name: str) -> str:
    return "".join(ch if unicodedata.category(ch) != "Cc" else "?" for ch in name)
