"""Bytes to text for Markdown and plain-text files, in whatever encoding they came in.

Files from colleagues arrive in UTF-8, UTF-16 or an old Windows code page; all are read.
Binary data renamed to .txt and empty files are refused with a reason.
"""

from __future__ import annotations

from ingest.errors import UnreadableFileError

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
# Control characters other than tab, newline, carriage return and form feed do not occur in
# real text; a few percent of them means binary data.
_CONTROL = set(range(0, 32)) - {9, 10, 12, 13}


def decode_text(name: str, data: bytes) -> str:
    """Return the text of a text file, or raise UnreadableFileError naming the file."""
    if not data.strip():
        raise UnreadableFileError(name, "empty file")
    text = _decode(name, data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise UnreadableFileError(name, "empty file (only whitespace)")
    controls = sum(1 for ch in text[:20000] if ord(ch) in _CONTROL)
    if controls > max(2, len(text[:20000]) // 100):
        raise UnreadableFileError(name, "not text (binary data)")
    return text


def _decode(name: str, data: bytes) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding)
    if b"\x00" in data[:4096]:
        raise UnreadableFileError(name, "not text (binary data)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Windows-1252 is by far the most common non-UTF-8 encoding of English text; it is a
    # superset of Latin-1's printable range. Only when it cannot decode the bytes do we ask
    # charset-normalizer to guess among the other code pages.
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise UnreadableFileError(name, "not text (no known encoding fits)")
    return str(best)
