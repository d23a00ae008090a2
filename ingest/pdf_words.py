"""The words of a PDF page with their positions and typography, read with PDFium.

PDFium (Chrome's PDF engine, through pypdfium2) gives each character its box, baseline,
font size and font. pypdf gives the text of each show-text operator, but not where the run
ends, since that needs the font's glyph widths; the layout (columns, tables, headings) needs
exactly that. PDFium also renders a page to pixels, which OCR of a scanned page needs.
Measured on the paper's 10-page PDF: 0.15 s for every character with its box and font
(pdfminer.six: 0.30 s; pypdf's layout-mode text, without fonts: 0.09 s).
"""

from __future__ import annotations

import ctypes
import math
from dataclasses import dataclass

# Font names that say bold; PDFium's weight is 0 for the standard fonts, which have no descriptor.
_BOLD_MARKS = ("bold", "black", "heavy", "semibold", "demibold", "demi", "extrabold", "ultrabold")
_FORCE_BOLD = 1 << 18  # FontDescriptor flag
_LIGATURES = {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb05": "st",
              "\ufb06": "st"}


@dataclass(frozen=True)
class Word:
    """A word on a page. Coordinates are points from the page's top-left corner."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    baseline: float
    size: float  # font size in points
    bold: bool = False
    font: str = ""

    @property
    def middle(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass(frozen=True)
class PageWords:
    number: int  # 1-based physical page
    width: float
    height: float
    words: tuple[Word, ...]
    ocr: bool = False  # the words were read from the page's picture


def page_words(page, number: int) -> PageWords:
    """The words of one pypdfium2 page, in content-stream order."""
    import pypdfium2.raw as raw

    left, bottom, right, top = page.get_mediabox()
    textpage = page.get_textpage()
    try:
        words = _words(textpage, raw, left, top)
    finally:
        textpage.close()
    return PageWords(number, right - left, top - bottom, tuple(words))


class _Builder:
    def __init__(self):
        self.words: list[Word] = []
        self.chars: list[str] = []
        self.box = [0.0, 0.0, 0.0, 0.0]  # x0, x1, top, bottom
        self.baseline = 0.0
        self.size = 0.0
        self.fonts: dict[tuple[str, bool], int] = {}

    def close(self) -> None:
        if self.chars:
            (font, bold), _ = max(self.fonts.items(), key=lambda item: item[1])
            x0, x1, top, bottom = self.box
            self.words.append(Word("".join(self.chars), x0, x1, top, bottom, self.baseline, self.size, bold, font))
        self.chars, self.fonts = [], {}

    def continues(self, x0: float, baseline: float, size: float) -> bool:
        """Whether a character at x0 on `baseline` goes on the open word: same line, no gap,
        same size (a superscript "2" after "Vietnam" is a word of its own)."""
        if not self.chars:
            return False
        return (abs(baseline - self.baseline) <= 0.2 * size and -0.5 * size <= x0 - self.box[1] <= 0.2 * size
                and abs(size - self.size) <= 0.12 * max(size, self.size))


def _words(textpage, raw, left: float, top: float) -> list[Word]:
    handle = textpage.raw
    count = raw.FPDFText_CountChars(handle)
    builder = _Builder()
    rect = raw.FS_RECTF()
    x, y = ctypes.c_double(), ctypes.c_double()
    name = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    font_cache: dict[tuple[bytes, int, int], tuple[str, bool]] = {}
    for index in range(count):
        code = raw.FPDFText_GetUnicode(handle, index)
        char = chr(code) if code else ""
        if raw.FPDFText_IsGenerated(handle, index) or not char or char.isspace() or char == "\ufffe":
            builder.close()  # PDFium's own spaces and line ends, and real ones: word boundaries
            continue
        if math.sin(raw.FPDFText_GetCharAngle(handle, index)) ** 2 > 0.01:
            builder.close()  # rotated text (a stamp in the margin) is not part of the reading
            continue
        char = "-" if char in "\x02\xad" else _LIGATURES.get(char, char)
        raw.FPDFText_GetLooseCharBox(handle, index, rect)
        raw.FPDFText_GetCharOrigin(handle, index, x, y)
        size = raw.FPDFText_GetFontSize(handle, index) or (rect.top - rect.bottom)
        baseline = top - y.value
        x0, x1 = rect.left - left, rect.right - left
        if not builder.continues(x0, baseline, size):
            builder.close()
            builder.box = [x0, x1, top - rect.top, top - rect.bottom]
            builder.baseline, builder.size = baseline, size
        box = builder.box
        box[0], box[1] = min(box[0], x0), max(box[1], x1)
        box[2], box[3] = min(box[2], top - rect.top), max(box[3], top - rect.bottom)
        builder.size = max(builder.size, size)
        builder.chars.append(char)
        length = raw.FPDFText_GetFontInfo(handle, index, name, len(name), flags)
        weight = raw.FPDFText_GetFontWeight(handle, index)
        key = (name.raw[:max(0, length - 1)], flags.value, weight)
        font = font_cache.get(key)
        if font is None:
            font = font_cache[key] = _font(*key)
        builder.fonts[font] = builder.fonts.get(font, 0) + 1
    builder.close()
    return builder.words


def _font(name: bytes, flags: int, weight: int) -> tuple[str, bool]:
    text = name.decode("latin-1", "replace")
    text = text.split("+", 1)[1] if len(text) > 7 and text[6] == "+" else text  # subset prefix "ABCDEF+"
    lowered = text.lower().replace("-", "").replace(",", "")
    bold = weight >= 600 or bool(flags & _FORCE_BOLD) or any(mark in lowered for mark in _BOLD_MARKS)
    return text, bold
