"""The reader: which stretch of the retrieved passages answers the question.

Candidates are runs of one to three consecutive sentences of a retrieved passage (the topic
sentence together with the one that answers), and table rows with the cell that fits the
question. Each candidate is described by a few named features (FEATURES) and scored by a
linear model whose weights are fitted on the training questions (chat_app.tuning.fitting), not set
by hand. Everything here is numpy and Python sets over what the index computed at build time:
the question path embeds the question once and never imports torch.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from chat_app.engine.answer_types import fits, has_figure
from chat_app.engine.coverage import Vocabulary, without_citations, word_set
from chat_app.engine.question import Question, QuestionType
from chat_app.engine.reader_model import QueryAdapter, ReaderModel
from chat_app.engine.table_answer import (TABLE_REF_RE, TableCell, cell_for, compose, measure_stems, rows_by_table,
                                          table_key, tables_for)
from index.search import Hit
from index.store import IndexData
from index.tokens import fold, tokenize
from ingest.records import FRONT_MATTER, Chunk, ChunkKind, Sentence, section_topic

MAX_SPAN = 3  # sentences in one candidate
MAX_ANSWER_CHARS = 600  # an answer's text; a longer one is cut (AnswerEngine.answer_text)
# A quote's own text, leaving room for its citation marker: a quote over it is cut with "…".
# Both the runs that compete (Reader._fits) and the widening of the chosen one
# (AnswerEngine.quoted_rows) keep within it, so that a quote is not cut before its answer.
MAX_QUOTE_CHARS = MAX_ANSWER_CHARS - 10
FEATURES = (
    "overlap",  # share of the question's words, weighted by rarity, that the candidate, its section and
    # the start of its paragraph that the chunk size split off (Reader.split_off_stems) use
    "answer_type",  # the candidate holds what the question asks for: a year, a figure, a cause, an actor ...
    "length",  # sentences beyond the first
    "continuation",  # it opens with "It", "This", "These" ... and the sentence it leans on is quoted with it
    "table_cell",  # a table row's cell, picked out by the question's row (country, name) and column (year, words)
)
COSINES = (  # of the question's embedding with what the index embedded (Reader._cosines): the last features
    "similarity",  # the best cosine of the question and a sentence of the candidate
    "span_similarity",  # cosine of the question and the mean of the candidate's sentence vectors
    "adapted_similarity",  # the best cosine of a sentence with the question moved by the fitted QueryAdapter
)
FEATURES += COSINES
# Each feature earns its place in `python -m chat_app train --ablation` (cross-validation over
# the training questions, 6 shuffles of the folds). Tried and left out, in top-1 points gained
# by leaving it out: the passage's rank in retrieval (+0.8 once the three cosines are in: they
# say the same, graded), the cosine of the sentence read in context (section, paragraph opening
# and previous sentence, embedded at build time: +1.2), overlap counting that context (+0.1) or
# the previous sentence alone (+0.1), novelty (the candidate's words the question lacks: +0.8),
# the share of later sentences that lean back (+0.4), the cosine with the candidate's passage
# (+0.6 once the adapted cosine is in). The cosines came in with the paraphrased training
# questions (eval/train_more.jsonl): on questions that share words with their passage they had
# added nothing, on paraphrases they carry what overlap cannot see. Length stays although
# leaving it out gains 0.7 points: the median answer to the training questions would grow from
# 272 to 326 characters, and answers are to stay short.
# A sentence that leans on the one before it; "It is clear that ..." leans on nothing.
_ANAPHORA_RE = re.compile(r"^(this|these|those|that|it|its|they|their|them|such|among them|both|the former|"
                          r"the latter|here|thus|hence|however|moreover|meanwhile|in addition|in this (sense|way)|"
                          r"in other words|as such|for (this|these) reasons?|then|finally|"
                          r"on the other hand|by contrast|in contrast|on the contrary|similarly|likewise|instead|"
                          r"nevertheless|nonetheless|furthermore|therefore|consequently|accordingly)\b", re.IGNORECASE)
_ANNOUNCES_RE = re.compile(r":\s*$|\b(two|three|four|five|several|following)\b[^.]*\b(purposes|goals|ways|objectives|"
                           r"tracks|conditions|steps|types|kinds|points|facts|measures|components|reasons|lessons|"
                           r"stages|questions|areas|groups|elements)\b(\s+[\w-]+){0,3}\s*\.?$|"
                           # "There are some aspects in which Vietnam excels over Indonesia, and vice versa."
                           r"^there (are|were) (some|several|many|certain|a few|a number of|two|three|four) (\w+ )?"
                           r"(aspects|areas|ways|respects|reasons|differences|points|lessons|issues|problems|factors|"
                           r"conditions|features)\b", re.IGNORECASE)
_EXCEPT_RE = re.compile(r"\b(apart from|aside from|besides|other than|except(?: for)?|in addition to)\s+([^,?]+?)"
                        r"(?=,|\?|$|\s+(?:what|which|who|how|is|are|does|do|did)\b)", re.IGNORECASE)
_ACRONYM_RE = re.compile(r"\b([A-Z][A-Z&]{1,7})(?:s\b|\b)")
_DUMMY_IT_RE = re.compile(r"^it (is|was|will be|would be|seems|appears|has been)( \w+){0,3}? (that|to|for)\b",
                          re.IGNORECASE)


@dataclass(frozen=True)
class Candidate:
    chunk: Chunk
    rows: tuple[int, ...]  # consecutive sentence rows of the chunk (IndexData.sentences)
    cell: TableCell | None = None  # for a table row: the cell that answers


def announces(text: str) -> bool:
    """Whether a sentence announces what the next one says ("SME promotion has two distinct and
    separable purposes.", "... grouped into:")."""
    return bool(_ANNOUNCES_RE.search(text))


def leans_back(text: str) -> bool:
    """Whether a sentence needs the one before it to be understood ("These projects are ...")."""
    text = text.lstrip("*- ")
    return bool(_ANAPHORA_RE.match(text)) and not _DUMMY_IT_RE.match(text)


class Reader:
    def __init__(self, data: IndexData, model: ReaderModel, vocabulary: Vocabulary):
        self.data = data
        self.model = model
        self.vocabulary = vocabulary
        self.chunks = {c.id: c for c in data.chunks}
        self.chunks_of_doc: dict[str, list[Chunk]] = {}
        for chunk in data.chunks:
            self.chunks_of_doc.setdefault(chunk.doc, []).append(chunk)
        self.rows_of_chunk: dict[str, list[int]] = {}
        for row, sentence in enumerate(data.sentences):
            self.rows_of_chunk.setdefault(sentence.chunk_id, []).append(row)
        self.rows_of_table = self._table_rows()
        self.tables = rows_by_table(data.chunks)
        self._stems: dict[int, frozenset[str]] = {}
        self._topic_stems: dict[str, frozenset[str]] = {}
        self._split_off: dict[str, frozenset[str]] = {}
        self._passage_words: dict[str, frozenset[str]] = {}
        total = sum(data.word_counts.values()) or 1
        counts: dict[str, int] = {}
        for word, count in data.word_counts.items():
            for stem in tokenize(word):
                counts[stem] = counts.get(stem, 0) + count
        self._stem_count, self._total = counts, total
        self._long_forms = {a: frozenset(tokenize(long)) for a, long in data.acronyms.items() if tokenize(long)}

    def paragraph_rows(self, chunk: Chunk) -> list[int]:
        """The chunk's sentence rows, with up to MAX_SPAN - 1 sentences on each side that its
        paragraph continues with in the next or previous chunk. A paragraph over the chunk size
        is split between sentences, and the split is ours, not the author's: a quote that
        starts at "On the other hand, ..." must find what it leans on across it."""
        rows = list(self.rows_of_chunk.get(chunk.id, []))
        if not rows or chunk.kind is ChunkKind.TABLE_ROW:
            return rows
        before = [r for r in range(rows[0] - 1, rows[0] - MAX_SPAN, -1) if r >= 0]
        after = [r for r in range(rows[-1] + 1, rows[-1] + MAX_SPAN) if r < len(self.data.sentences)]
        wider_before = []
        for r in before:
            if not self._same_paragraph(r, r + 1):
                break
            wider_before.insert(0, r)
        wider_after = []
        for r in after:
            if not self._same_paragraph(r - 1, r):
                break
            wider_after.append(r)
        return wider_before + rows + wider_after

    def _same_paragraph(self, row: int, following: int) -> bool:
        """Whether sentence `following` goes on the paragraph of sentence `row` (its chunk may differ)."""
        sentences = self.data.sentences
        first, second = self.chunks.get(sentences[row].chunk_id), self.chunks.get(sentences[following].chunk_id)
        if first is None or second is None or first.doc != second.doc or ChunkKind.TABLE_ROW in (first.kind, second.kind) \
                or first.section != second.section:
            return False
        gap = self.data.documents[first.doc].text[sentences[row].end:sentences[following].start]
        return not gap.strip() and "\n\n" not in gap

    # --- candidates ------------------------------------------------------------------------

    def candidates(self, question: Question, hits: list[Hit], tables: dict | None = None) -> list[Candidate]:
        """Spans of 1..MAX_SPAN sentences of the prose passages, and table rows, of passages
        that mention the question's countries and years (a passage without them cannot give
        the figure for that country or year). `tables`: those of the documents in scope (all
        by default); a row answers only for the table among them that the question measures."""
        out: list[Candidate] = []
        seen_rows: set[int] = set()
        about = tables_for(question, self.tables if tables is None else tables)

        def cell(row_chunk: Chunk) -> TableCell | None:
            # Only the table the question measures answers with a cell: Table 1's Vietnam row
            # must not answer for Table 2's measure.
            return cell_for(question, row_chunk) if not about or table_key(row_chunk) in about else None

        for hit in hits:
            chunk = hit.chunk
            # A table row answers through the cell the question picks out; a row with no such
            # cell is about something else (its passage is still offered as related reading).
            if chunk.kind in (ChunkKind.TABLE, ChunkKind.TABLE_ROW):
                rows = self.rows_of_table.get(chunk.id, []) if chunk.kind is ChunkKind.TABLE \
                    else self.rows_of_chunk.get(chunk.id, [])[:1]
                for row in rows:
                    row_chunk = self.chunks[self.data.sentences[row].chunk_id]
                    found = cell(row_chunk) if row not in seen_rows and self._covers(question, row_chunk, row=True) \
                        else None
                    if found is not None:
                        seen_rows.add(row)
                        out.append(Candidate(row_chunk, (row,), found))
                continue
            # The title, by-lines and affiliations say what the document is, not what it argues:
            # they answer a question about its people ("where does Tran work?"), never one about
            # a topic that merely shares the title's words ("... Vietnam's minimum wage policy?").
            if chunk.section == FRONT_MATTER and not self._asks_front_matter(question, chunk) \
                    or not self._covers(question, chunk):
                continue
            rows = self.rows_of_chunk.get(chunk.id, [])
            for start in range(len(rows)):
                # A run whose first sentence leans back ("This ...", "It ...", "However ...") is
                # quoted with the sentence it leans on (AnswerEngine.quoted_rows): it may be one
                # sentence shorter, so that the quote still says what "this" is within MAX_SPAN. (Measured: CV top-1 the
                # same, 0.805 against 0.807; giving up the run's last sentence for the referent
                # at quoting time instead cost 1.1 points.)
                longest = MAX_SPAN - 1 if start > 0 and leans_back(self.data.sentences[rows[start]].text) else MAX_SPAN
                for length in range(1, longest + 1):
                    run = tuple(rows[start:start + length])
                    # A run too long to be shown whole would be cut, and the cut may fall before
                    # what answers: only a single sentence may be that long. (Measured on the
                    # training questions: cut answers 25 -> 2 of 378, CV top-1 0.805 -> 0.813.)
                    if start + length <= len(rows) and (length == 1 or self._fits(run)):
                        out.append(Candidate(chunk, run))
        return out

    def _fits(self, run: tuple[int, ...]) -> bool:
        # Raw text, as a measure of the quote as shown: escapes and emphasis make it longer, but
        # folding may lengthen a ligature or "…" by a character or two, so a run within a few
        # characters of the limit may still be cut.
        return sum(len(self.data.sentences[r].text) + 1 for r in run) <= MAX_QUOTE_CHARS

    def _asks_front_matter(self, question: Question, chunk: Chunk) -> bool:
        document = self.data.documents.get(chunk.doc)
        title = word_set(document.meta.title if document is not None else "")
        return bool((set(question.content) & word_set(chunk.text)) - title)

    def _covers(self, question: Question, chunk: Chunk, row: bool = False) -> bool:
        """The passage names the question's countries and years, or the paragraph it goes on
        with does (Reader.continued). A table `row` of one of several countries compared
        ("Vietnam vs Indonesia") covers its own: the answer states the others' beside it."""
        missing = self.vocabulary.missing_entities(question, self.passage_words(chunk))
        if row and len(question.countries) > 1 and len(set(question.countries) & set(missing)) < len(question.countries):
            missing = [m for m in missing if m not in question.countries]
        return not missing or not self.vocabulary.missing_entities(question, self.continued(chunk)[0])

    def continued(self, chunk: Chunk) -> tuple[frozenset[str], str]:
        """The passage's words and text, with those of the chunk before when the passage goes on
        with its paragraph: "Differences among these five economies ..." opens a chunk of its
        own where the chunk size split the paragraph, and is about the five it named before."""
        before = self.continues(chunk)
        if before is None:
            return self.passage_words(chunk), chunk.text
        return self.passage_words(chunk) | self.passage_words(before), f"{before.text} {chunk.text}"

    def continues(self, chunk: Chunk) -> Chunk | None:
        """The chunk whose paragraph this one goes on with (the chunk size split it), or None."""
        rows = self.rows_of_chunk.get(chunk.id, [])
        if not rows or chunk.kind is ChunkKind.TABLE_ROW or not rows[0] or not self._same_paragraph(rows[0] - 1, rows[0]):
            return None
        return self.chunks[self.data.sentences[rows[0] - 1].chunk_id]

    def passage_words(self, chunk: Chunk) -> frozenset[str]:
        """A passage's words in match form, source citations out of prose (cached per chunk).
        In a table the year of a column's source is the year of its figures: "Easy doing
        business ranking (WB, 2018)" answers for 2018."""
        cached = self._passage_words.get(chunk.id)
        if cached is None:
            text = chunk.text if chunk.kind in (ChunkKind.TABLE, ChunkKind.TABLE_ROW) else without_citations(chunk.text)
            cached = self._passage_words[chunk.id] = frozenset(word_set(f"{text} {chunk.section} {chunk.table_title}"))
        return cached

    def _table_rows(self) -> dict[str, list[int]]:
        """The row sentences inside each whole-table chunk, so that a table hit offers its rows."""
        by_doc: dict[str, list[tuple[int, Sentence]]] = {}
        for row, sentence in enumerate(self.data.sentences):
            if self.chunks[sentence.chunk_id].kind is ChunkKind.TABLE_ROW:
                by_doc.setdefault(self.chunks[sentence.chunk_id].doc, []).append((row, sentence))
        return {table.id: [row for row, s in by_doc.get(table.doc, []) if table.start <= s.start < table.end]
                for table in self.data.chunks if table.kind is ChunkKind.TABLE}

    # --- features --------------------------------------------------------------------------

    def weight(self, stem: str) -> float:
        """Rare words count more: log(1 + corpus words / (1 + occurrences))."""
        return math.log(1 + self._total / (1 + self._stem_count.get(stem, 0)))

    def stems(self, row: int) -> frozenset[str]:
        cached = self._stems.get(row)
        if cached is None:
            cached = self._stems[row] = _terms(self.data.sentences[row].text)
        return cached

    def split_off_stems(self, chunk: Chunk) -> frozenset[str]:
        """Stems of the sentences of the chunk's paragraph that the chunk size left in the chunk
        before it (Reader.continues): "Differences among these five economies ..." opens a chunk
        of its own, and its paragraph named the five before the split. The split is ours, not
        the author's, so every candidate of the chunk counts them; a chunk that opens its
        paragraph has none."""
        cached = self._split_off.get(chunk.id)
        if cached is None:
            before = self.continues(chunk)
            rows = []
            if before is not None:
                row = self.rows_of_chunk[chunk.id][0]
                while row > 0 and self.data.sentences[row - 1].chunk_id == before.id and self._same_paragraph(row - 1, row):
                    row -= 1
                    rows.append(row)
            cached = self._split_off[chunk.id] = frozenset().union(*(self.stems(r) for r in rows))
        return cached

    def topic_stems(self, chunk: Chunk) -> frozenset[str]:
        cached = self._topic_stems.get(chunk.id)
        if cached is None:
            topic = "front matter title authors" if chunk.section == FRONT_MATTER else section_topic(chunk.section)
            cached = self._topic_stems[chunk.id] = _terms(f"{topic} {chunk.table_title}")
        return cached

    def question_stems(self, question: Question) -> tuple[dict[str, float], list[tuple[frozenset, frozenset]]]:
        """The question's terms with their weights, and (said, may be said instead) pairs: an
        acronym the corpus defines may be said by its long form ("TOT" <-> "training of
        trainers") and the other way round. An acronym is matched as written: "BUILD" is a
        unit of Thailand's Board of Investment, not the verb "built"."""
        text = " ".join(question.content + question.names)
        acronyms = _ACRONYM_RE.findall(question.text)
        terms = set(_terms(text)) - {s for a in acronyms for s in tokenize(a)} | {f"#{a}" for a in acronyms} \
            | {f"#T{n}" for n in TABLE_REF_RE.findall(question.text)}
        # "Apart from the Vendors Meet Customers scheme, what else ...?": the answer is what the
        # clause is not; a sentence on the scheme shares its words and answers nothing.
        excluded = set().union(*(_terms(m.group(0)) for m in _EXCEPT_RE.finditer(question.text)))
        terms = terms - excluded or terms
        weights = {t: self._term_weight(t) for t in terms}
        synonyms = []
        for acronym, long in self._long_forms.items():
            if f"#{acronym}" in terms:
                synonyms.append((frozenset({f"#{acronym}"}), long))
            elif long <= terms:
                synonyms.append((long, frozenset({f"#{acronym}"})))
        return weights, synonyms

    def _term_weight(self, term: str) -> float:
        if term.startswith("#T"):
            return self.weight("tabl")
        return self.weight(term[1:].lower() if term.startswith("#") else term)

    def overlap(self, weighted: dict[str, float], synonyms, stems: frozenset[str]) -> float:
        matched = {s for s in weighted if s in stems}
        for said, instead in synonyms:
            if not said <= stems and instead <= stems:
                matched |= said & weighted.keys()
        total = sum(weighted.values()) or 1.0
        return sum(weighted[s] for s in matched) / total

    def features(self, question: Question, candidates: list[Candidate], vector: np.ndarray) -> np.ndarray:
        """The FEATURES of each candidate, one row each."""
        out = np.zeros((len(candidates), len(FEATURES)), dtype=np.float32)
        weighted, synonyms = self.question_stems(question)
        fitting: dict[int, bool] = {}  # a run holds the answer type when one of its sentences does

        def fit(c: Candidate) -> bool:
            if c.cell is not None or question.type is QuestionType.SEQUENCE:  # steps span sentences
                return fits(question, self.candidate_text(c))
            for r in c.rows:
                if r not in fitting:
                    fitting[r] = fits(question, self.data.sentences[r].text)
            return any(fitting[r] for r in c.rows)

        for i, c in enumerate(candidates):
            stems = frozenset().union(*(self.stems(r) for r in c.rows)) | self.topic_stems(c.chunk) \
                | (self.split_off_stems(c.chunk) if c.cell is None else frozenset())
            first = self.data.sentences[c.rows[0]]
            is_row = c.chunk.kind is ChunkKind.TABLE_ROW
            out[i, :-len(COSINES)] = (
                self.overlap(weighted, synonyms, stems),
                float(fit(c)),
                len(c.rows) - 1,
                float(not is_row and leans_back(first.text) and self._previous_row(c) is not None),
                float(c.cell is not None),
            )
        if candidates:
            out[:, -len(COSINES):] = self._cosines(candidates, vector, self.model.adapter)
        return out

    def _cosines(self, candidates: list[Candidate], vector: np.ndarray, adapter: QueryAdapter | None) -> np.ndarray:
        """The COSINES of each candidate: one product of the question with each distinct sentence
        (overlapping runs share them)."""
        rows, padded = self._runs(candidates)
        held = padded < len(rows)
        vectors = self.data.sentence_vectors[rows]
        best = self._best_of_runs(vectors @ vector, padded)
        means = np.vstack([vectors, np.zeros_like(vectors[:1])])[padded].sum(axis=1) / held.sum(axis=1, keepdims=True)
        norms = np.linalg.norm(means, axis=1)
        span = (means @ vector) / np.where(norms > 0, norms, 1.0)
        return np.column_stack([best, span, self._adapted_best(candidates, vector, adapter, vectors, padded, best)])

    def adapted_similarity(self, candidates: list[Candidate], vector: np.ndarray,
                           adapter: QueryAdapter | None) -> np.ndarray:
        """The adapted_similarity feature with a given adapter (fitting tries adapters that the
        reader does not hold)."""
        return self._cosines(candidates, vector, adapter)[:, COSINES.index("adapted_similarity")]

    def _adapted_best(self, candidates: list[Candidate], vector: np.ndarray, adapter: QueryAdapter | None,
                      vectors: np.ndarray, padded: np.ndarray, plain: np.ndarray) -> np.ndarray:
        """The best adapted cosine of each candidate when they all come from documents the
        adapter was fitted on (by file name); else the plain one (`plain`) for all: adapted
        cosines run higher than plain ones, and a document the adapter knows would win over one
        it does not."""
        if adapter is None or not adapter.applies_to(self.data.manifest["model"]["name"], len(vector)) \
                or any(c.chunk.doc not in adapter.documents for c in candidates):
            return plain
        return self._best_of_runs(vectors @ adapter.apply(vector), padded)

    @staticmethod
    def _runs(candidates: list[Candidate]) -> tuple[list[int], np.ndarray]:
        """The distinct sentence rows, and each candidate's run as positions among them, padded
        to MAX_SPAN with len(rows): a position past the end, which stands for a zero vector."""
        rows = sorted({r for c in candidates for r in c.rows})
        at = {r: i for i, r in enumerate(rows)}
        return rows, np.array([[at[r] for r in c.rows] + [len(rows)] * (MAX_SPAN - len(c.rows)) for c in candidates])

    @staticmethod
    def _best_of_runs(cosines: np.ndarray, padded: np.ndarray) -> np.ndarray:
        return np.append(cosines, -np.inf)[padded].max(axis=1)

    def measure_coverage(self, question: Question, candidate: Candidate) -> float:
        """Share of what the question measures (its words but countries and units, weighted by
        rarity) said where the candidate gives a figure: in its table's title and headers, or
        in a sentence of it that has a figure (with the sentence before, when that one leans on
        it). A figure answers "what was Vietnam's public debt?" only if it is said of public
        debt; and "What value did Vietnam's HDI reach?" is not answered by a run whose one
        sentence names the HDI and whose other gives an income in dollars."""
        measure = measure_stems(question)
        total = sum(self.weight(t) for t in measure)
        if not total:
            return 1.0
        if candidate.cell is not None:
            places = [frozenset().union(*(self.stems(r) for r in candidate.rows),
                                        tokenize(f"{candidate.chunk.table_title} {candidate.cell.column}"))]
        else:
            sentences = self.data.sentences
            places = [self.stems(r) | (self.stems(r - 1) if i and leans_back(sentences[r].text) else frozenset())
                      for i, r in enumerate(candidate.rows) if has_figure(sentences[r].text)]
        return max((sum(self.weight(t) for t in measure if t in said) / total for said in places), default=0.0)

    def _previous_row(self, c: Candidate) -> int | None:
        rows = self.rows_of_chunk.get(c.chunk.id, [])
        i = rows.index(c.rows[0])
        return rows[i - 1] if i > 0 else None

    def candidate_text(self, c: Candidate) -> str:
        """What is scored: the candidate's own sentences, or its table cell stated in a
        sentence (the answer shown may quote a sentence more: AnswerEngine.answer_text)."""
        if c.cell is not None:
            return compose(c.cell)
        return " ".join(self.data.sentences[r].text for r in c.rows)


def _terms(text: str) -> frozenset[str]:
    """Stems of the words, "#ACRONYM" for each acronym as written, "#T2" for "Table 2"."""
    return frozenset(tokenize(text)) | {f"#{a}" for a in _ACRONYM_RE.findall(fold(text))} \
        | {f"#T{n}" for n in TABLE_REF_RE.findall(text)}
