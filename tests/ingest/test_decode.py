"""Text files in whatever encoding they come in are read; empty and binary files are refused."""

from __future__ import annotations

import pytest

from ingest import load_document
from ingest.decode import decode_text
from ingest.errors import UnreadableFileError

# Characters that differ between the encodings: accents (latin-1 and cp1252), and the
# typographic quotes, dash and euro sign that only cp1252 has among the 8-bit code pages.
LATIN = "1. Introduction\n\nThe café in Malmö cost 5 francs; naïve Ångström façade.\n"
WINDOWS = "1. Introduction\n\nThe “Board of Investment” – BOI – spent 5 € in 2019.\n"
UNICODE = "1. Introduction\n\nHà Nội và Thành phố Hồ Chí Minh – “quoted” – 5 €.\n"


@pytest.mark.parametrize("text, encoding", [
    (LATIN, "latin-1"),
    (LATIN, "cp1252"),
    (WINDOWS, "cp1252"),
    (UNICODE, "utf-8"),
    (UNICODE, "utf-8-sig"),  # UTF-8 with a BOM, as Notepad writes it
    (UNICODE, "utf-16"),  # with BOM (little-endian here)
    (UNICODE, "utf-16-be-bom"),
    (UNICODE, "utf-32"),
])
def test_text_in_other_encodings_is_detected_and_read(tmp_path, text, encoding):
    data = b"\xfe\xff" + text.encode("utf-16-be") if encoding == "utf-16-be-bom" else text.encode(encoding)
    path = tmp_path / "notes.txt"
    path.write_bytes(data)

    doc = load_document(path)

    assert doc.text == text
    assert "\ufeff" not in doc.text  # the BOM is not text


def test_windows_line_ends_become_newlines():
    assert decode_text("a.txt", b"First line.\r\nSecond line.\rThird.\r\n") == "First line.\nSecond line.\nThird.\n"


def test_a_cp1252_file_is_read_with_its_sections(tmp_path):
    path = tmp_path / "memo.md"
    path.write_bytes(("# 1. Scope\n\n" + WINDOWS.split("\n\n", 1)[1] + "\n# 2. Next\n\nMore text.\n")
                     .encode("cp1252"))

    doc = load_document(path)

    assert "“Board of Investment” – BOI – spent 5 €" in doc.text
    assert [b.title for b in doc.blocks if b.kind.value == "heading"] == ["1. Scope", "2. Next"]


@pytest.mark.parametrize("data, reason", [
    (b"", "empty file"),
    (b"   \n\n\t  \n", "empty file"),
    ("\ufeff  \n".encode("utf-8"), r"empty file \(only whitespace\)"),
    (bytes(range(256)) * 8, r"not text \(binary data\)"),  # NUL bytes: binary
    (bytes([1, 2, 3, 4, 5, 6, 7, 8, 14, 15, 16]) * 50 + b"some words", r"not text \(binary data\)"),  # no NUL
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", r"not text \(a PDF named \.txt\)"),
])
def test_empty_and_binary_text_files_are_refused_with_a_reason(tmp_path, data, reason):
    path = tmp_path / "data.txt"
    path.write_bytes(data)

    with pytest.raises(UnreadableFileError, match=rf"^data\.txt: {reason}") as caught:
        load_document(path)
    assert caught.value.name == "data.txt"


def test_a_png_renamed_to_txt_is_not_text(tmp_path):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    path = tmp_path / "figure.txt"
    path.write_bytes(png)

    with pytest.raises(UnreadableFileError, match=r"^figure\.txt: not text \(binary data\)$"):
        load_document(path)


def test_a_few_stray_control_characters_do_not_make_text_binary():
    # Form feeds are page breaks in text files; one stray bell in 500 characters is noise.
    text = "A page break\x0c in a long enough text. " * 13 + "A bell\x07 rang once."

    assert decode_text("ok.txt", text.encode("utf-8")) == text
