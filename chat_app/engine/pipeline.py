"""The answer engine: question -> retrieval -> reader -> cited answer, or an honest "the paper
does not say". Never imports streamlit; the app, the CLI and the tests all drive this class.

How an answer is found:
1. `deliberate`: the follow-up is resolved against the earlier questions, the question is
   analysed and the passages retrieved; the reader (chat_app.engine.reader) lists the candidates
   (runs of 1-3 sentences, table rows) and their features.
2. `decide`: what the documents cannot answer is refused first, each for a reason a user can
   check: a country the corpus never names, a question whose countries or years no passage
   mentions, a table that lacks the row, column or cell asked for. Then the fitted reader
   ranks the candidates, and the fitted abstention model decides whether the best one answers
   at all (chat_app.engine.reader_model; both fitted by `python -m chat_app train`).
3. The answer quotes the best candidate (with the sentence before it when it opens with "It"
   or "This"), or states the table cell, and cites where each quote stands.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, replace
from itertools import groupby
from typing import Sequence

import numpy as np

from chat_app.engine.answer_types import asks_money, gives_money, period_only, tells_steps
from chat_app.engine.coverage import Vocabulary
from chat_app.engine.followup import resolve_in_context
from chat_app.engine.markdown_text import markdown_source_text
from chat_app.engine.meta_answer import MetaQuote, meta_quote
from chat_app.engine.table_source import SourceLine, asks_about_table, source_lines
from chat_app.engine.question import Question, QuestionType, analyse
from chat_app.engine.reader import MAX_ANSWER_CHARS, MAX_QUOTE_CHARS, FEATURES, Candidate, Reader, announces, leans_back
from chat_app.engine.reader_model import FittedModels, load_models
from chat_app.engine.table_answer import compose, label_of, near_miss, same_column, states_instead, table_key, table_of
from chat_app.engine.table_query import (Statement, TablePlan, cell_number, foreign_measure, named_other_measure,
                                         plan, states_missing_year, states_period)
from chat_app.engine.table_query import compose as compose_cells
from chat_app.records import Answer, CellRef, Citation, not_said
from index.search import Hit, Searcher, check_documents
from index.tokens import expand_acronyms, fold
from ingest.errors import PolicyQAError
from ingest.records import Chunk, ChunkKind, section_topic
from ingest.settings import Settings

# Passages whose sentences compete for the answer. Paraphrased questions rank their passage
# 10th to 20th more often than not; 16 rather than 8 gained 0.7 points of cross-validated
# top-1 accuracy on the training questions, and costs about a millisecond.
RETRIEVE_K = 16
RELATED_K = 5  # passages returned with an answer (its `hits`) unless asked for another number
MAX_RELATED_K = 8  # the most a caller may ask for (the API's contract since it began)
MAX_SENTENCES = 3
# The parts of a paper a question may name by their heading ("What does the introduction say ...").
_DOCUMENT_PARTS = frozenset({"abstract", "introduction", "conclusion", "conclusions", "concluding remarks", "summary",
                             "background", "acknowledgement", "acknowledgements", "appendix", "references"})
_ANSWER_NOUNS = {QuestionType.YEAR: "year", QuestionType.NUMBER: "figure", QuestionType.WHO: "name"}
# Question-level evidence that the best candidate answers at all (AbstainModel's features).
ABSTAIN_FEATURES = (
    "best_score",  # the reader's logit of the best candidate
    "best_overlap",  # the best candidate's overlap feature
    "best_similarity",  # cosine of the question and the best candidate's closest sentence
    "unknown_words",  # words of the question that the corpus never uses ("mining", "debt")
    "missing_names",  # names of the question that the best candidate's passage lacks
)


@dataclass(frozen=True)
class Context:
    """A quote and the text around it in its document, for "show more" in the app."""

    before: str
    quote: str
    after: str


@dataclass(frozen=True)
class Deliberation:
    """What the engine found before deciding: the question understood, the passages, the
    candidates and their features, and a refusal found before any reading."""

    question: str
    rewritten: str
    analysed: Question
    hits: list[Hit]
    candidates: list[Candidate]
    features: np.ndarray  # FEATURES of each candidate
    vector: np.ndarray | None  # the question's embedding
    unknown_terms: tuple[str, ...]
    unknown_words: tuple[str, ...]
    in_scope: int  # how many documents the answer could come from
    refusal: str | None = None
    docs: frozenset[str] | None = None  # the documents the question is limited to (None: all)
    table_plan: TablePlan | None = None  # a question over several cells of one table
    related: int = RELATED_K  # how many of `hits` the answer returns


class AnswerEngine:
    def __init__(self, searcher: Searcher, settings: Settings | None = None, models: FittedModels | None = None):
        self.searcher = searcher
        self.settings = settings or searcher.settings
        data = searcher.data
        self.vocabulary = Vocabulary(data.word_counts, data.acronyms)
        self.models = models or load_models(FEATURES, ABSTAIN_FEATURES)
        self.reader = Reader(data, self.models.reader, self.vocabulary)
        self.documents = searcher.documents
        self._generator = None
        if self.settings.generator_url:
            from chat_app.engine.generator import Generator

            self._generator = Generator(self.settings)

    @classmethod
    def open(cls, settings: Settings) -> "AnswerEngine":
        return cls(Searcher.open(settings), settings)

    # --- the two things users do ---------------------------------------------------------

    def ask(self, question: str, history: Sequence[str] = (), docs: set[str] | None = None,
            related: int = RELATED_K) -> Answer:
        """A cited answer; `docs` limits it to some documents of the corpus; `related` is how
        many retrieved passages come with it (1 to MAX_RELATED_K), the best first."""
        started = time.perf_counter()
        answer = self.decide(self.deliberate(question, history, docs, related))
        if self._generator is not None and not answer.abstained:
            answer = self._generator.improve(answer, self)
        return replace(answer, seconds=time.perf_counter() - started)

    def find_passages(self, query: str, k: int = 10, docs: set[str] | None = None,
                      sections: set[str] | None = None) -> list[Hit]:
        return self.searcher.search(query, k, docs=docs, sections=sections)

    def context(self, citation: Citation, chars: int = 500) -> Context:
        """The quote with up to `chars` characters of its document on each side."""
        text = self.searcher.data.documents[citation.chunk.doc].text
        return Context(text[max(0, citation.start - chars):citation.start], citation.quote,
                       text[citation.end:citation.end + chars])

    # --- finding -----------------------------------------------------------------------------

    def deliberate(self, question: str, history: Sequence[str] = (), docs: set[str] | None = None,
                   related: int = RELATED_K) -> Deliberation:
        question = " ".join(question.split())
        scope = check_documents(docs, self.documents)
        if not 1 <= related <= MAX_RELATED_K:
            raise PolicyQAError(f"-k: must be between 1 and {MAX_RELATED_K}, got {related}")
        rewritten, continued = resolve_in_context(question, history)
        q = analyse(rewritten)
        if continued:  # "And where is Indonesia ahead?" keeps the words of the question it continues
            q = replace(q, content=tuple(dict.fromkeys(q.content + analyse(continued).content)))
        query = f"{rewritten} {continued}".strip()
        hits = self.searcher.search(query, RETRIEVE_K, docs=scope)
        in_scope = len(scope) if scope else len(self.documents)
        unknown = tuple(self.vocabulary.unknown_terms(q))
        unknown_words = tuple(w for w in self.vocabulary.unknown_words(q) if w not in unknown)
        tables = self.tables_in(scope)

        def unread(reason: str | None = None, cells: TablePlan | None = None) -> Deliberation:
            """Decided without the reader: a refusal, or a question over several table cells."""
            empty = np.zeros((0, len(FEATURES)), dtype=np.float32)
            return Deliberation(question, rewritten, q, hits, [], empty, None, unknown, unknown_words, in_scope, reason,
                                scope, cells, related)

        countries = self.vocabulary.unknown_countries(q)
        if countries:
            return unread(_never_mentions(in_scope, [c.title() for c in countries]))
        if not hits:
            return unread("No passage matches the question.")
        cells = plan(q, tables)
        if cells is not None and cells.missing:
            if not self._prose_has(hits, cells.key[0],
                                   lambda sentence, paragraph: states_missing_year(cells, sentence)):
                return unread(f"{cells.lacks(in_scope > 1)}.")
            cells = None  # the text gives what the table lacks: the reader quotes it
        if cells is not None:  # a trend, comparison, ranking, difference or ratio: read from the cells
            foreign = named_other_measure(q, tables, cells.key) or foreign_measure(q, tables[cells.key])
            if foreign:
                return unread(f"{foreign}.")
            return unread(cells=cells)
        candidates = self.reader.candidates(q, self._in_named_part(rewritten, hits), tables)
        if not candidates:
            miss = near_miss(q, tables)
            missing = self.vocabulary.missing_entities(q, set(self.reader.passage_words(hits[0].chunk)))
            return unread(f"{miss.reason}." if miss else
                           f"No passage speaks of {', '.join(m.title() for m in missing)} in this connection."
                           if missing else "No passage answers it.")
        # The search embedded the same text: this is its cached vector.
        vector = self.searcher.embed_query(expand_acronyms(query, self.searcher.data.acronyms))
        return Deliberation(question, rewritten, q, hits, candidates, self.reader.features(q, candidates, vector),
                            vector, unknown, unknown_words, in_scope, None, scope, related=related)

    def _in_named_part(self, question: str, hits: list[Hit]) -> list[Hit]:
        """The passages of the part of the document the question names ("according to the
        introduction", "in section 4.2"), when any was retrieved; else all. Retrieval only ranks
        a named section higher; a table row that shares the question's words would still win."""
        lowered = re.sub(r"\bthe intro\b", "the introduction", question.lower())
        named = {s for s in self.searcher.named_sections(lowered)
                 if re.search(r"\bsection\s+\d", lowered)
                 or re.search(rf"\bthe {re.escape(section_topic(s).lower())}\b", lowered)
                 and section_topic(s).lower() in _DOCUMENT_PARTS}
        within = [h for h in hits if h.chunk.section in named]
        return within or hits

    def tables_in(self, docs: frozenset[str] | None):
        """The tables of the documents a question is limited to."""
        tables = self.reader.tables
        return tables if docs is None else {key: rows for key, rows in tables.items() if key[0] in docs}

    def abstain_features(self, found: Deliberation, best: int, score: float) -> np.ndarray:
        """ABSTAIN_FEATURES for the candidate at `best` with the reader's `score`."""
        candidate = found.candidates[best]
        q = found.analysed
        words, text = self.reader.continued(candidate.chunk)
        lacking = self.vocabulary.missing_names(q, set(words), text)
        return np.array([score, found.features[best][FEATURES.index("overlap")],
                         found.features[best][FEATURES.index("similarity")],
                         len(found.unknown_words) + len(found.unknown_terms), len(lacking)], dtype=np.float32)

    # --- deciding ------------------------------------------------------------------------------

    def decide(self, found: Deliberation, models: FittedModels | None = None) -> Answer:
        """The answer or refusal. With `models` other than the engine's, `found.features` still
        holds the adapted_similarity of the engine's adapter: fitting sets it to the one it
        means (chat_app.tuning.fitting.adapt), out of fold for training questions."""
        models = models or self.models

        def abstain(reason: str) -> Answer:
            head = not_said(found.in_scope)
            return Answer(found.question, found.rewritten, f"{head} {reason}".strip(), True, (),
                          tuple(found.hits[:found.related]), reasons=(reason,) if reason else ())

        lines = self.table_source(found)  # before any refusal: no passage need answer it
        if lines:
            return self._source_answer(found, lines)
        if found.refusal is not None:
            return abstain(found.refusal)
        if found.table_plan is not None:
            return self._cells_answer(found, compose_cells(found.table_plan, self.tables_in(found.docs),
                                                           found.in_scope > 1))
        about = self.about_document(found)
        if about is not None:
            return self._meta_answer(found, about)
        scores = models.reader.score(found.features)
        best = int(np.argmax(scores))
        candidate = found.candidates[best]
        reason = self.check(found, best, models)
        if reason is not None:
            return abstain(reason)
        evidence = self.abstain_features(found, best, float(scores[best]))
        if models.abstain.probability(evidence) < models.abstain.threshold:
            # Not "It never mentions ...": the model weighs how closely the best passage answers,
            # and a paraphrase ("the Second World War" for "WW2") may be what it doubts.
            return abstain("No passage answers it closely enough; the nearest ones are listed.")
        return self._compose(found, candidate)

    def about_document(self, found: Deliberation) -> MetaQuote | None:
        """The document's own lines, when the question asks about the document itself (its
        authors, title, date, DOI); the document is that of the best passage."""
        return meta_quote(found.analysed.text, found.hits[0].chunk.doc, self.reader) if found.hits else None

    def table_source(self, found: Deliberation) -> list[SourceLine]:
        """The lines under a table (its source, its notes), when the question asks about them."""
        if not asks_about_table(found.analysed):
            return []
        return source_lines(found.analysed, self.reader, self.tables_in(found.docs))

    def check(self, found: Deliberation, best: int, models: FittedModels | None = None) -> str | None:
        """Why the best candidate cannot answer, by checks a reader can verify, or None:
        - a table that lacks the row, column or cell asked for (unless prose states the figure);
        - a "when", "how much" or "who" question whose best passage has no year, figure or name;
        - a "how much" question whose best passage gives a figure of something else (it does
          not say enough of what the question measures, by the fitted share), or whose question
          asks for a sum of money ("How much did JICA spend on ...?") and whose figure is in no
          currency (a number of experts trained is no budget);
        - a name or topic the documents never use, unless the passage says it in other words
          (its closest sentence is at least as similar as the fitted cut);
        - before those, the topic a question asks the documents' view on ("What does the paper
          recommend for Vietnam's exchange rate policy?") when they never use its words: no
          passage on policy in general answers for it, however close it comes.
        Whichever of the last three refuses, a question that names what the documents never use
        is told so ("It never mentions inflation"): that is the reason a reader can check."""
        models = models or self.models
        q = found.analysed
        candidate = found.candidates[best]
        miss = near_miss(q, self.tables_in(found.docs))
        if miss is not None and not (candidate.chunk.kind is not ChunkKind.TABLE_ROW
                                     and states_instead(q, self.answer_text(candidate, q), miss)):
            return f"{miss.reason}."
        topic = self.vocabulary.unknown_topic(q)
        if topic:
            return _never_mentions(found.in_scope, topic)
        silent = _never_mentions(found.in_scope, found.unknown_terms) if found.unknown_terms else None
        if silent and found.features[best][FEATURES.index("similarity")] < models.abstain.paraphrase_similarity:
            return silent
        wanted = _ANSWER_NOUNS.get(q.type)
        if wanted and not found.features[best][FEATURES.index("answer_type")]:
            return silent or f"No passage gives the {wanted} asked for."
        if q.type is QuestionType.NUMBER and \
                self.reader.measure_coverage(q, candidate) < models.abstain.figure_coverage:
            return silent or "No passage gives a figure for what it asks about."
        if q.type is QuestionType.NUMBER:
            shown = self.answer_text(candidate, q)
            if asks_money(q) and not gives_money(shown):
                return silent or "No passage gives a sum of money for it."
            period = period_only(q.years[0], shown) if len(q.years) == 1 and candidate.cell is None else None
            if period:
                return silent or f"The nearest passage gives a figure for {period} as a whole, not for {q.years[0]}."
        return None

    # --- writing ---------------------------------------------------------------------------

    def answer_text(self, candidate: Candidate, question: Question) -> str:
        """The answer a candidate gives, as the user reads it (without its citation marker):
        its quoted sentences, or its table cell stated in a sentence."""
        if candidate.cell is not None:
            return _display(compose(candidate.cell))
        sentences = self.searcher.data.sentences
        return _shorten(_display(" ".join(sentences[r].text for r in self.quoted_rows(candidate, question))))

    def quoted_rows(self, candidate: Candidate, question: Question) -> tuple[int, ...]:
        """The candidate's sentences, with the ones before when the first opens with "It",
        "This", "These" ... (a quote must say what it is about), and the one after when it
        continues the last ("It must be explained by ...") or the last announces it ("... has
        two distinct purposes."); a `question` for steps gets them from the first. At most
        MAX_SENTENCES and MAX_QUOTE_CHARS. (Measured on the training questions: quoting the
        continuation too gained 1.5 points, median length same.)"""
        rows = candidate.rows
        if candidate.chunk.kind is ChunkKind.TABLE_ROW:
            return rows
        sentences = self.searcher.data.sentences
        around = self.reader.paragraph_rows(candidate.chunk)
        first = around.index(rows[0])

        def fits(widened: tuple[int, ...]) -> bool:
            return len(widened) <= MAX_SENTENCES and \
                len(_display(" ".join(sentences[r].text for r in widened))) <= MAX_QUOTE_CHARS

        # The sentences it leans on, back to one that does not lean: all of them when they fit
        # ("This is usually done ..." <- "It is a common practice ..." <- "A related issue is
        # training of trainers"), else only the one before, as a chain that ends on "They ..."
        # still says nothing of what they are and leaves no room for the sentence after.
        back = first
        while back > 0 and leans_back(sentences[around[back]].text):
            back -= 1
        chain = tuple(around[back:first])
        # A question for steps is answered from the first step: "Finally, ..." leans through
        # "Then ..." back to "Initially, ...", and when the chain and the candidate's sentences
        # after its first are over MAX_SENTENCES, those sentences give way to the steps. (Other
        # questions keep the sentence the reader chose: "TOT is necessary because ...".)
        if back < first - 1 and fits(chain + rows):
            rows = chain + rows
        elif back < first - 1 and question.type is QuestionType.SEQUENCE and fits(chain + rows[:1]) \
                and tells_steps(" ".join(sentences[r].text for r in chain + rows[:1])):
            rows = chain + rows[:1]
        elif back < first and fits((around[first - 1],) + rows):
            rows = (around[first - 1],) + rows
        last = around.index(rows[-1])
        following = around[last + 1] if last + 1 < len(around) else None
        if following is not None and (announces(sentences[rows[-1]].text) or leans_back(sentences[following].text)) \
                and fits(rows + (following,)):
            rows = rows + (following,)
        return rows

    def _compose(self, found: Deliberation, candidate: Candidate) -> Answer:
        """One quote (or one table cell stated in a sentence) and its citation; a quote whose
        paragraph was split between two chunks cites each part in its own chunk."""
        if candidate.cell is not None:
            # A question that names several countries gets the same column of each one's row, as
            # many as fit, and is told what the table lacks or what did not fit.
            countries = list(found.analysed.countries)
            others, lacking = same_column(candidate.cell, self.tables_in(found.docs).get(
                table_key(candidate.chunk), []), countries)
            stated = sorted([candidate.cell] + others, key=lambda c: next(
                (i for i, name in enumerate(countries) if name in label_of(c.chunk).lower()), len(countries)))
            said = [_display(compose(stated[0]))] + [_display(compose(c, table_named=True)) for c in stated[1:]]
            marked = [f"{t[:-1]} [{n}]." if t.endswith(".") else f"{t} [{n}]" for n, t in enumerate(said, 1)]
            omitted: list[str] = []
            while len(marked) > 1 and len(" ".join(marked + [_gaps(candidate.chunk, lacking, omitted)])) > MAX_ANSWER_CHARS:
                marked.pop()
                omitted.insert(0, label_of(stated.pop().chunk))
            text = " ".join(marked + [_gaps(candidate.chunk, lacking, omitted)]).strip()
            citations = tuple(self._citation(n, c.chunk, self.reader.rows_of_chunk[c.chunk.id][:1])
                              for n, c in enumerate(stated, 1))
        else:
            sentences = self.searcher.data.sentences
            parts = [tuple(rows) for _, rows in groupby(self.quoted_rows(candidate, found.analysed), lambda r: sentences[r].chunk_id)]
            text = " ".join(f"{_shorten(_display(' '.join(sentences[r].text for r in rows)))} [{n}]"
                            for n, rows in enumerate(parts, 1))
            citations = tuple(self._citation(n, self.reader.chunks[sentences[rows[0]].chunk_id], rows)
                              for n, rows in enumerate(parts, 1))
        cells = ()
        if candidate.cell is not None:  # the cells stated, in the answer's order, and the other years asked about
            cells = tuple(_cell_ref(c.chunk, column.strip(), value.strip()) for c in stated
                          for column, value in sorted([(c.column, c.value), *c.more]))
        return Answer(found.question, found.rewritten, text, False, citations, tuple(found.hits[:found.related]),
                      table_cells=cells)

    def _cells_answer(self, found: Deliberation, statement: Statement) -> Answer:
        """Sentences stated from table cells, each row cited where a sentence rests on it. Over
        MAX_ANSWER_CHARS, the details go first (the figures between a trend's ends, the rest of a
        ranking), then the last sentences; the rows still cited are numbered anew."""
        parts = []
        for sentence, rows, detail in statement.sentences:
            markers = " ".join(f"[{n + 1}]" for n in rows)
            if markers:
                sentence = f"{sentence[:-1]} {markers}." if sentence.endswith(".") else f"{sentence} {markers}"
            parts.append((sentence, detail))
        kept = [text for text, _ in parts]
        if len(" ".join(kept)) > MAX_ANSWER_CHARS:
            kept = [text for text, detail in parts if not detail]
        while len(kept) > 1 and len(" ".join(kept)) > MAX_ANSWER_CHARS - 2:
            kept.pop()
        text = " ".join(kept)
        if len(text) > MAX_ANSWER_CHARS:  # one sentence, still too long
            text = _shorten(text)
        # The rows still cited, in the order their markers now appear, numbered from 1.
        order = list(dict.fromkeys(int(n) for n in re.findall(r"\[(\d+)\]", text)))
        text = re.sub(r"\[(\d+)\]", lambda m: f"[{order.index(int(m.group(1))) + 1}]", text)
        rows = [statement.rows[n - 1] for n in order]
        citations = [self._citation(n, row, tuple(self.reader.rows_of_chunk.get(row.id, ())))
                     for n, row in enumerate(rows, start=1)]
        prose = self._period_in_prose(found)
        if prose is not None:  # the text's own summary of the period, beside the cells
            chunk, row = prose
            said = f" The text says: \u201c{_display(self.searcher.data.sentences[row].text)}\u201d [{len(citations) + 1}]"
            if len(text) + len(said) <= MAX_ANSWER_CHARS:
                text += said
                citations.append(self._citation(len(citations) + 1, chunk, (row,)))
        cells = tuple(_cell_ref(c.row, c.column, c.text) for c in statement.cells if c.row in rows)
        return Answer(found.question, found.rewritten, text, False, tuple(citations),
                      tuple(found.hits[:found.related]), table_cells=cells)

    def _period_in_prose(self, found: Deliberation):
        """The first retrieved prose sentence that states the period the table answer covers."""
        return self._prose_has(found.hits, found.table_plan.key[0],
                               lambda sentence, paragraph: states_period(found.table_plan, sentence, paragraph))

    def _prose_has(self, hits: list[Hit], doc: str, test):
        """(chunk, sentence row) of the first sentence of retrieved prose of `doc` (another
        document's prose says nothing of this one's table) for which `test(sentence, paragraph)`
        holds."""
        sentences = self.searcher.data.sentences
        for hit in hits:
            if hit.chunk.kind is ChunkKind.TABLE_ROW or hit.chunk.doc != doc:
                continue
            for row in self.reader.rows_of_chunk.get(hit.chunk.id, ()):
                if test(sentences[row].text, hit.chunk.text):
                    return hit.chunk, row
        return None

    def _meta_answer(self, found: Deliberation, about: MetaQuote) -> Answer:
        """The document's own lines about itself, each run of adjacent lines one citation; the
        document is named when several could be meant."""
        sentences = self.searcher.data.sentences
        groups: list[list[int]] = []
        for row in about.rows:
            if groups and groups[-1][-1] + 1 == row and sentences[row].chunk_id == sentences[groups[-1][-1]].chunk_id:
                groups[-1].append(row)
            else:
                groups.append([row])
        budget = MAX_QUOTE_CHARS // len(groups)  # each part keeps its [n] marker
        citations, parts = [], []
        for n, group in enumerate(groups, start=1):
            chunk = self.reader.chunks[sentences[group[0]].chunk_id]
            citations.append(self._citation(n, chunk, tuple(group)))
            parts.append(f"{_shorten(_display(' '.join(sentences[r].text for r in group)), budget)} [{n}]")
        text = " ".join(parts)
        if found.in_scope > 1:
            text = f"{citations[0].chunk.source or citations[0].chunk.doc}: {text}"
        return Answer(found.question, found.rewritten, text, False, tuple(citations), tuple(found.hits[:found.related]))

    def _source_answer(self, found: Deliberation, lines: list[SourceLine]) -> Answer:
        """Each table's line quoted after the table's name (and its document's, when several are
        in scope); tables with the same line ("Source: World Bank ...") share its sentence, each
        table cited where its own line stands."""
        said: dict[str, list[SourceLine]] = {}
        for line in lines:
            said.setdefault(_display(line.text), []).append(line)
        budget = MAX_QUOTE_CHARS // len(said)
        citations, parts = [], []
        for text, same in said.items():
            markers = []
            for line in same:
                citations.append(self._citation_at(len(citations) + 1, line.chunk, line.start, line.end))
                markers.append(f"[{len(citations)}]")
            # With several documents, each table is named with its document ("Table 1" is in both).
            tables = " and ".join(dict.fromkeys(
                f"{line.chunk.source or line.chunk.doc}, {line.table}" if found.in_scope > 1 else line.table
                for line in same))
            parts.append(_shorten(f"{tables}: {text}", budget - 4 * len(markers)) + " " + " ".join(markers))
        text = " ".join(parts)
        return Answer(found.question, found.rewritten, text, False, tuple(citations), tuple(found.hits[:found.related]))

    def _citation(self, n: int, chunk, rows: tuple[int, ...]) -> Citation:
        sentences = self.searcher.data.sentences
        first, last = sentences[rows[0]], sentences[rows[-1]]
        return Citation(n=n, chunk=chunk, quote=self.searcher.data.documents[chunk.doc].text[first.start:last.end],
                        start=first.start, end=last.end, page=first.page, page_label=first.page_label)

    def _citation_at(self, n: int, chunk, start: int, end: int) -> Citation:
        """A citation of text that is no sentence of the index (a line under a table), with the
        page it stands on."""
        document = self.searcher.data.documents[chunk.doc]
        page = document.page_at(start)
        return Citation(n=n, chunk=chunk, quote=document.text[start:end], start=start, end=end,
                        page=page.number if page else None, page_label=page.label if page else None)


def _gaps(row: Chunk, lacking: list[str], omitted: list[str]) -> str:
    """What a comparison of countries in a table leaves out: "Table 3 has no row for
    Ethiopia." and the rows not stated for lack of room."""
    said = f"{table_of(row)} has {', '.join(lacking)}." if lacking else ""
    if omitted:
        said += f" Not stated here for length: {', '.join(omitted)}."
    return said.strip()


def _display(text: str) -> str:
    """Quote text made readable in an answer: Markdown escapes and emphasis removed (as the
    source cards do), a leading list marker dropped, whitespace collapsed, OCR look-alike
    letters folded."""
    text = markdown_source_text(text)
    text = re.sub(r"^\s*[-*•]\s+", "", text)
    return " ".join(fold(text).split())


def _cell_ref(row: Chunk, column: str, text: str) -> CellRef:
    """A cell an answer states, as the answer records it: its number is the one the cell prints
    ("5,950" is 5950), None for a gap, a grade or a description."""
    value = cell_number(text)
    return CellRef(table_of(row), label_of(row), column, None if value is None else float(value), text, row.id)


def _shorten(text: str, limit: int = MAX_QUOTE_CHARS) -> str:
    """`text`, cut at a word before `limit` characters (room left for a citation marker)."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit - 10)
    return text[:cut if cut > 0 else limit - 10] + " …"


def _never_mentions(in_scope: int, names) -> str:
    return f"{'They never mention' if in_scope > 1 else 'It never mentions'} {', '.join(names)}."
