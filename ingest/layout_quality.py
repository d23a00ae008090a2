"""How well a PDF of the paper reads back, against the Markdown it was typeset from.

Pure measures shared by the tests (which assert the bars) and `python -m ingest
layout-report` (which prints the figures): sentences found intact in the chunks, section
paths, table rows, and the page and page label of every quotable sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.records import BlockKind, Chunk, ChunkKind, Document, Sentence
from ingest.sentences import sentence_spans

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
MIN_SENTENCE_WORDS = 4  # "Vietnam." or "(i)" is not a sentence worth counting


def normalise(text: str) -> str:
    """Lower case, every run of other characters than a-z and 0-9 one space (as the judging
    rules of eval/ match evidence)."""
    return " " + _NON_ALNUM.sub(" ", text.lower()).strip() + " "


def letters(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def paper_sentences(markdown_doc: Document) -> list[str]:
    """The sentences of the paper's prose (paragraphs, not tables or headings), normalised."""
    out = []
    for block in markdown_doc.blocks:
        if block.kind is BlockKind.PARAGRAPH:
            for start, end in sentence_spans(markdown_doc.text, block.start, block.end):
                text = normalise(markdown_doc.text[start:end].replace("\\", "").replace("*", ""))
                if len(text.split()) >= MIN_SENTENCE_WORDS:
                    out.append(text)
    return out


@dataclass(frozen=True)
class SentenceShare:
    found: int
    total: int
    missing: tuple[str, ...]

    @property
    def share(self) -> float:
        return self.found / self.total if self.total else 0.0


def sentence_share(sentences: list[str], chunks: list[Chunk]) -> SentenceShare:
    """How many of `sentences` stand whole inside one chunk's text."""
    texts = [normalise(c.text) for c in chunks if c.kind is not ChunkKind.TABLE_ROW]
    missing = tuple(s for s in sentences if not any(s in t for t in texts))
    return SentenceShare(len(sentences) - len(missing), len(sentences), missing)


def section_paths(chunks: list[Chunk]) -> list[tuple[str, ...]]:
    """The distinct section paths of the chunks, in reading order."""
    out: list[tuple[str, ...]] = []
    for chunk in chunks:
        if chunk.section_path and chunk.section_path not in out:
            out.append(chunk.section_path)
    return out


def headings(doc: Document) -> list[tuple[int, str]]:
    return [(b.level, b.title) for b in doc.blocks if b.kind is BlockKind.HEADING and b.level > 0]


def table_rows(chunks: list[Chunk], table: str) -> list[str]:
    """The row chunks of "Table 1." (etc.), as their text."""
    return [c.text for c in chunks if c.kind is ChunkKind.TABLE_ROW and c.text.startswith(table)]


@dataclass(frozen=True)
class PageCheck:
    checked: int
    wrong: tuple[str, ...]  # "quote...: page 3 (label 213), printed on [4]"


def check_pages(sentences: list[Sentence], page_texts: list[str], page_labels: list[str]) -> PageCheck:
    """Every sentence's page must be the page its first words are printed on (the letters of
    `page_texts[page - 1]`, the PDF's own text of that page), and its label the label the
    PDF gives that page. Table rows are rendered from cells and are checked by their first
    cell only."""
    pages = [letters(text) for text in page_texts]
    wrong = []
    for sentence in sentences:
        # The first words, as few as make 12 letters: a sentence may run on to the next page.
        first = sentence.quote.split("\t")[0].split("\n")[-1] if "\t" in sentence.quote else sentence.quote
        key = ""
        for word in first.split():
            key += letters(word)
            if len(key) >= 12:
                break
        if not key:
            continue
        printed = [i + 1 for i, page in enumerate(pages) if key in page]
        label_ok = sentence.page is not None and sentence.page_label == page_labels[sentence.page - 1]
        if sentence.page not in printed or not label_ok:
            wrong.append(f"{sentence.quote[:50]!r}: page {sentence.page} (label {sentence.page_label}), "
                         f"printed on {printed}")
    return PageCheck(len(sentences), tuple(wrong))
