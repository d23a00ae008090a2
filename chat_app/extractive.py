"""Score the sentences of the retrieved passages against a question and pick the answer.

A sentence's score mixes its embedding similarity to the question (vectors computed at
build time, so the question path only takes dot products), keyword overlap weighted by how
rare each word is in the corpus, and the fit of its shape to the question type: a year for
"when", a figure for "how much", "because" for "why", "X is ..." for "what is X".
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from chat_app.coverage import without_citations, word_set
from chat_app.highlight import markdown_source_text
from chat_app.question import COUNTRIES, Question, QuestionType, has_number, has_year, proper_names
from index.search import Hit
from index.store import IndexData
from index.tokens import fold, tokenize
from ingest.records import Chunk, ChunkKind, Sentence, section_topic

_ANAPHORA_RE = re.compile(r"^(this|these|those|that|it|its|they|their|them|such|among them|both|the former|"
                          r"the latter|here|thus|hence|however|moreover|meanwhile|in addition|in this (sense|way)|"
                          r"in other words|as such|for (this|these) reasons?)\b", re.IGNORECASE)
# "It is clear that ...", "It will be advisable to ...": a placeholder "it" leans on nothing.
_DUMMY_IT_RE = re.compile(r"^it (is|was|will be|would be|seems|appears|has been)( \w+){0,3}? (that|to|for)\b",
                          re.IGNORECASE)
_CONTINUES_DEFINITION_RE = re.compile(r"^(it|this|they|these) (is|are|was|were|refers?|means?)\b", re.IGNORECASE)
_ANNOUNCES_RE = re.compile(r"(:\s*$|\b(two|three|four|five|several|following)\b[^.]*\b(purposes|goals|ways|"
                           r"objectives|tracks|conditions|steps|types|kinds|points|facts|measures|components)\b)",
                           re.IGNORECASE)
_CAUSE_RE = re.compile(r"\b(because|due to|owing to|the reason|reasons? (is|are|why)|as a result|that is why|"
                       r"this is why|caused by|explained by|is to blame)\b", re.IGNORECASE)
_CONSEQUENCE_RE = re.compile(r"\b(thus|therefore|hence|so that|since|effect|may|might)\b", re.IGNORECASE)
# Who-answers name an actor: an organisation, a body of government, a group of people.
_ACTOR_RE = re.compile(r"\b(government|ministry|ministries|agency|agencies|council|corporation|institute|"
                       r"organi[sz]ation|authority|board|donors?|firms|companies|private sector|officials|"
                       r"prime minister|president|experts|universit(y|ies))\b|\b[A-Z]{3,}\b", re.IGNORECASE)
# "X is a/an/the ...", "X (BOI) is one of ...", "X refers to / means / stands for / (also called ...)"
_DEFINES_RE = (r"\b{subject}\b(?:\s*\([^)]*\))?,?\s+(?:is|are|was|were)\s+(?:a|an|the|one|defined|called|known)\b"
               r"|\b{subject}\b[^.]{{0,40}}\b(?:refers? to|means|stands? for|also called)\b")


@dataclass(frozen=True)
class ScoredSentence:
    row: int  # index into IndexData.sentences
    sentence: Sentence
    chunk: Chunk
    hit_rank: int
    dense: float
    lexical: float
    score: float


class SentenceScorer:
    def __init__(self, data: IndexData):
        self.data = data
        self.chunks = {c.id: c for c in data.chunks}
        self.rows_of_chunk: dict[str, list[int]] = {}
        for row, sentence in enumerate(data.sentences):
            self.rows_of_chunk.setdefault(sentence.chunk_id, []).append(row)
        self.rows_of_table = self._table_rows()
        self._stems: dict[int, frozenset[str]] = {}
        self._words: dict[int, frozenset[str]] = {}
        self._acronyms = [(a, long, re.compile(rf"\b{re.escape(a)}s?\b"), frozenset(tokenize(a)), frozenset(tokenize(long)))
                          for a, long in data.acronyms.items() if tokenize(a) and tokenize(long)]
        total = sum(data.word_counts.values()) or 1
        self._stem_count: dict[str, int] = {}
        for word, count in data.word_counts.items():
            for stem in tokenize(word):
                self._stem_count[stem] = self._stem_count.get(stem, 0) + count
        self._total = total

    def _table_rows(self) -> dict[str, list[int]]:
        """The row sentences inside each whole-table chunk, so a table hit offers its rows."""
        out: dict[str, list[int]] = {}
        tables = [c for c in self.data.chunks if c.kind is ChunkKind.TABLE]
        for table in tables:
            out[table.id] = [row for row, s in enumerate(self.data.sentences)
                             if self.chunks[s.chunk_id].doc == table.doc and table.start <= s.start < table.end]
        return out

    def weight(self, stem: str) -> float:
        """Rare words count more: log(1 + corpus words / (1 + occurrences))."""
        return math.log(1 + self._total / (1 + self._stem_count.get(stem, 0)))

    def words_of_row(self, row: int) -> frozenset[str]:
        """The sentence's words in match form, citations such as "(World Bank, 2019)" out."""
        said = self._words.get(row)
        if said is None:
            said = self._words[row] = frozenset(word_set(without_citations(self.data.sentences[row].text)))
        return said

    def stems_of(self, row: int) -> frozenset[str]:
        # Cached on the instance (not functools.lru_cache, which would keep every scorer and
        # its index alive after the app reloads the index).
        stems = self._stems.get(row)
        if stems is None:
            stems = self._stems[row] = frozenset(tokenize(self.data.sentences[row].text))
        return stems

    def candidates(self, hits: list[Hit]) -> list[tuple[int, int]]:
        """(sentence row, hit rank) for every sentence of the retrieved passages."""
        seen, out = set(), []
        for hit in hits:
            rows = self.rows_of_table.get(hit.chunk.id) if hit.chunk.kind is ChunkKind.TABLE \
                else self.rows_of_chunk.get(hit.chunk.id, [])
            for row in rows or []:
                if row not in seen:
                    seen.add(row)
                    out.append((row, hit.rank))
        return out

    def synonyms(self, question: Question) -> list[tuple[frozenset[str], frozenset[str]]]:
        """(what the question says, what a sentence may say instead): an acronym the corpus
        defines and its long form, both ways ("TOT" <-> "training of trainers")."""
        pairs = []
        text, lowered = question.text, question.text.lower()
        for acronym, long_form, pattern, short, long in self._acronyms:
            if pattern.search(text):
                pairs.append((short, long))
            elif long_form.lower() in lowered:
                pairs.append((long, short))
        return pairs

    def score(self, question: Question, vector: np.ndarray, hits: list[Hit],
              sections: frozenset[str] = frozenset()) -> list[ScoredSentence]:
        """`sections`: the sections the question names ("the acknowledgement"), whose
        sentences are preferred."""
        pairs = self.candidates(hits)
        if not pairs:
            return []
        rows = np.array([row for row, _ in pairs])
        dense = self.data.sentence_vectors[rows] @ vector
        synonyms = self.synonyms(question)
        q_stems = set(tokenize(" ".join(question.content))) | set(tokenize(" ".join(question.names)))
        q_weight = sum(self.weight(s) for s in q_stems) or 1.0
        scored = []
        phrases = [fold(n).lower() for n in question.names if " " in n]
        for (row, rank), cosine in zip(pairs, dense):
            sentence = self.data.sentences[row]
            chunk = self.chunks[sentence.chunk_id]
            stems = self.stems_of(row)
            if self._leans_on_heading(chunk, row):
                stems = stems | frozenset(tokenize(section_topic(chunk.section)))
            matched = q_stems & stems
            for said, instead in synonyms:
                if not said <= stems and instead <= stems:
                    matched |= said & q_stems
            overlap = sum(self.weight(s) for s in matched) / q_weight
            bonus = self._shape_bonus(question, sentence, chunk, row)
            lowered = fold(sentence.text).lower()
            bonus += 0.1 * sum(1 for p in phrases if p in lowered)  # "SME Agency" named as asked
            bonus += 0.1 if chunk.section in sections else 0.0
            # The sentence itself naming the country or year asked about, not just its passage.
            said = self.words_of_row(row)
            bonus += 0.03 * sum(1 for c in question.countries if c in said)
            bonus += 0.03 * sum(1 for y in question.years if y in said)
            score = 0.55 * float(cosine) + 0.45 * overlap + bonus + 0.02 / rank
            scored.append(ScoredSentence(row, sentence, chunk, rank, float(cosine), overlap, score))
        scored.sort(key=lambda s: -s.score)
        return scored

    def _shape_bonus(self, question: Question, sentence: Sentence, chunk: Chunk, row: int) -> float:
        text = sentence.text
        kind = question.type
        if chunk.kind is ChunkKind.REFERENCES:
            return -0.1  # an entry of the reference list answers nothing about this paper
        if kind is QuestionType.YEAR:
            return 0.08 if has_year(text) else -0.08
        if kind is QuestionType.NUMBER:
            return 0.05 if has_number(text) else -0.05
        if kind is QuestionType.REASON:
            return 0.1 if _CAUSE_RE.search(text) else 0.04 if _CONSEQUENCE_RE.search(text) else 0.0
        if kind is QuestionType.WHO:
            # Who-answers name someone: organisations and firms by name ("KOTRA", "Samsung,
            # Canon, Intel"), or at least an actor ("the Vietnamese government").
            asked = {n.lower() for n in question.names} | {m.group(0).lower() for m in _ACTOR_RE.finditer(question.text)}
            names = {n for n in proper_names(text) if n.lower() not in asked and n.lower() not in COUNTRIES}
            actors = {m.group(0).lower() for m in _ACTOR_RE.finditer(text)} - asked
            return min(0.12, 0.04 * len(names)) + (0.03 if actors else 0.0)
        if kind is QuestionType.DEFINITION and question.subject:
            return self._definition_bonus(question.subject, sentence, chunk, row)
        return 0.0

    def _definition_bonus(self, subject: str, sentence: Sentence, chunk: Chunk, row: int) -> float:
        text = fold(sentence.text)
        core = re.sub(r"\s*\(.*?\)|\s+(in|for|of) [A-Z].*$", "", subject).strip()
        for variant in _subject_variants(core):
            name = re.escape(variant)
            if re.search(rf"\({name}\)", text):
                return 0.3  # "... Industrial Linkage Development (BUILD)": where the acronym is spelt out
            if re.search(_DEFINES_RE.format(subject=name), text, re.IGNORECASE) \
                    or re.search(rf"\b(is|are|called|known as)\s+(an? |the )?{name}\b", text, re.IGNORECASE):
                return 0.12
        if self._opens_section_on(core, chunk, row) and _CONTINUES_DEFINITION_RE.match(text):
            return 0.15  # "This is a policy effort ..." opening "5.3. Selective industrial policy"
        return 0.0

    def _opens_section_on(self, core: str, chunk: Chunk, row: int) -> bool:
        first = self.rows_of_chunk.get(chunk.id, [None])[0] == row
        return first and bool(core) and word_set(core) <= word_set(section_topic(chunk.section))

    def _leans_on_heading(self, chunk: Chunk, row: int) -> bool:
        """The first sentence of a section that starts "This is ..." is about the heading."""
        first = self.rows_of_chunk.get(chunk.id, [None])[0] == row
        return first and bool(_CONTINUES_DEFINITION_RE.match(self.data.sentences[row].text))

    def neighbours(self, scored: ScoredSentence) -> tuple[int | None, int | None]:
        rows = self.rows_of_chunk.get(scored.chunk.id, [])
        i = rows.index(scored.row) if scored.row in rows else -1
        before = rows[i - 1] if i > 0 else None
        after = rows[i + 1] if 0 <= i < len(rows) - 1 else None
        return before, after


def needs_previous(sentence: Sentence) -> bool:
    """A sentence that leans on the one before it ("Among them are ...")."""
    text = sentence.text.lstrip("*- ")
    return bool(_ANAPHORA_RE.match(text)) and not _DUMMY_IT_RE.match(text)


def continues_definition(sentence: Sentence) -> bool:
    """"It is a comprehensive SME support for ..." after "... is handholding (also called ...)"."""
    return bool(_CONTINUES_DEFINITION_RE.match(sentence.text)) and not _DUMMY_IT_RE.match(sentence.text)


def announces_next(sentence: Sentence) -> bool:
    """A sentence that announces what the next one lists ("... has two distinct purposes.")."""
    return bool(_ANNOUNCES_RE.search(sentence.text))


def _subject_variants(core: str) -> list[str]:
    """"handholding support" -> ["handholding support", "handholding"]: the head word alone
    also names the thing ("... is handholding (also called hands-on support)")."""
    parts = core.split()
    variants = [core] if core else []
    if len(parts) > 1 and len(parts[0]) > 3:
        variants.append(parts[0])
    return variants


def display(text: str) -> str:
    """Quote text made readable in an answer: Markdown escapes and emphasis removed (as the
    source cards do), a leading list marker dropped, whitespace collapsed, OCR look-alike
    letters folded."""
    text = markdown_source_text(text)
    text = re.sub(r"^\s*[-*•]\s+", "", text)
    return " ".join(fold(text).split())


def words_of(*texts: str) -> set[str]:
    return {w for text in texts for w in word_set(text)}

