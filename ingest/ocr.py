"""Words of scanned pages, read with Tesseract OCR.

PDFium renders the page (grey, at `dpi`), Tesseract (Debian's `tesseract-ocr`, through
pytesseract) finds the words and their boxes. The words go through the same layout as the
words of a text PDF: columns, running heads, paragraphs, hyphens. Tesseract gives no font,
so a word's size is its line's height and headings are known by their numbering and names.
"""

from __future__ import annotations

import shutil

from ingest.pdf_words import PageWords, Word

# Of a line's box (ascender to descender), about this share is the font size's em.
_EM_PER_LINE_HEIGHT = 0.85
_MIN_CONFIDENCE = 20  # below this, Tesseract's "words" are specks and rules


def find_tesseract() -> str | None:
    return shutil.which("tesseract")


def ocr_pages(data: bytes, numbers: list[int], dpi: int, language: str) -> dict[int, PageWords]:
    """The words of pages `numbers` (1-based) of the PDF `data`, read by OCR."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data, password="")
    out = {}
    try:
        for number in numbers:
            page = document[number - 1]
            try:
                left, bottom, right, top = page.get_mediabox()
                image = page.render(scale=dpi / 72, grayscale=True).to_pil()
            finally:
                page.close()
            words = tuple(_words(image, 72 / dpi, language))
            out[number] = PageWords(number, right - left, top - bottom, words, ocr=True)
    finally:
        document.close()
    return out


def _words(image, scale: float, language: str) -> list[Word]:
    import pytesseract

    data = pytesseract.image_to_data(image, lang=language, config="--psm 3",
                                     output_type=pytesseract.Output.DICT)
    lines: dict[tuple[int, int, int], tuple[int, int]] = {}  # (block, paragraph, line) -> top, height
    for i, level in enumerate(data["level"]):
        if level == 4:
            lines[(data["block_num"][i], data["par_num"][i], data["line_num"][i])] = (data["top"][i], data["height"][i])
    # A line's box is as tall as its letters reach: "economies in" has no ascender or
    # descender. The page's usual line height stands in for lines lower than it.
    usual = sorted(height for _, height in lines.values())[len(lines) // 2] if lines else 0
    words = []
    for i, text in enumerate(data["text"]):
        text = (text or "").strip()
        if data["level"][i] != 5 or not text or float(data["conf"][i]) < _MIN_CONFIDENCE:
            continue
        top, height = lines.get((data["block_num"][i], data["par_num"][i], data["line_num"][i]),
                                (data["top"][i], data["height"][i]))
        x0 = data["left"][i] * scale
        # All words of a line share its box, so that they share a baseline in the layout.
        words.append(Word(text, x0, x0 + data["width"][i] * scale, top * scale, (top + height) * scale,
                          (top + 0.8 * height) * scale, max(height, usual) * scale * _EM_PER_LINE_HEIGHT, False,
                          "ocr"))
    return words
