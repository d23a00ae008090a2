"""The answer engine over the real paper index: cited answers, abstention, follow-ups."""

from __future__ import annotations

import re
import statistics

import pytest

from chat_app.engine.pipeline import MAX_ANSWER_CHARS
from chat_app.engine.markdown_text import markdown_source_text
from index.tokens import fold
from chat_app.tuning.evaluation import answer_matches, score_answers
from chat_app.records import NOT_IN_PAPER
from index.evaluation import is_relevant, load_questions
from tests.helpers import ROOT

# Bars a little under what was measured (see the closing note of the reader's issue): dev and
# test were never fitted on; a change that drops below them has made answers worse.
# Measured: dev 0.857 / 0.926 / 1.000, test 0.787 / 0.895 / 0.867 (answer, citation, abstention).
BARS = {"eval/dev.jsonl": (0.8, 0.88, 0.8), "eval/test.jsonl": (0.75, 0.85, 0.8)}


@pytest.fixture(scope="module")
def held_out(engine):
    """The answers to the sets the reader was not fitted on."""
    out = {}
    for name in BARS:
        questions = load_questions(ROOT / name, require_gold=True)
        out[name] = (questions, {q.id: engine.ask(q.question, q.history) for q in questions})
    return out


@pytest.mark.parametrize("name", sorted(BARS))
def test_held_out_sets_meet_the_bar(held_out, name):
    questions, answers = held_out[name]
    scores = score_answers(questions, answers, [a.seconds * 1000 for a in answers.values()])
    answer_bar, citation_bar, abstention_bar = BARS[name]
    assert scores.answer_accuracy >= answer_bar, scores.failures
    assert scores.citation_accuracy >= citation_bar, scores.failures
    assert scores.abstention_accuracy >= abstention_bar, scores.failures
    assert scores.false_abstentions <= 0.1 * scores.answerable, scores.failures


def test_every_answer_is_cited_short_and_quoted_verbatim(held_out, paper_text):
    lengths = []
    for questions, answers in held_out.values():
        for qid, answer in answers.items():
            if answer.abstained:
                assert not answer.citations
                continue
            lengths.append(len(answer.text))
            assert answer.citations, qid
            markers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)}
            assert markers == {c.n for c in answer.citations}, (qid, answer.text)
            for citation in answer.citations:
                assert paper_text[citation.start:citation.end] == citation.quote
                assert citation.start >= citation.chunk.start and citation.end <= citation.chunk.end, qid
            assert len(answer.text) <= MAX_ANSWER_CHARS + 10, qid  # + the [n] markers
            if not answer.citations[0].chunk.cells:  # a quote, not a table cell stated in a sentence
                shown = re.sub(r"\s*\[\d+\]", "", answer.text).rstrip(" …")
                quoted = " ".join(fold(markdown_source_text(" ".join(c.quote for c in answer.citations))).split())
                assert shown in quoted or shown.endswith("…"), (qid, shown, quoted)
    assert statistics.median(lengths) < 300


def test_answer_is_short_and_cites_the_passage(engine):
    answer = engine.ask("When was Malaysia's Vendor Development Program introduced?")
    assert not answer.abstained
    assert "1988" in answer.text and answer.text.rstrip().endswith("[1]")
    citation = answer.citations[0]
    assert citation.chunk.section == "4.2. Linkage policy"
    assert "Vendor Development Program (VDP) introduced in 1988" in citation.quote
    assert citation.label.startswith("Pham, Ohno & Tran (2019), The East Asian Industrial Policy Experiences")
    assert "section 4.2" in citation.label


@pytest.mark.parametrize("question, said", [
    # "It", "These", "This": the answering sentence is quoted with the one that says what it is
    ("What support did Malaysia's Vendor Development Program offer to small and medium industries?",
     ["financial incentives, business matching", "VDP"]),
    ("How is training of trainers usually done?", ["training of trainers", "visiting firms together"]),
    ("What are the two distinct purposes of SME promotion?", ["poverty reduction", "competitiveness"]),
])
def test_an_answer_quotes_what_its_sentence_leans_on(engine, question, said):
    answer = engine.ask(question)
    assert not answer.abstained
    for phrase in said:
        assert phrase in answer.text, (question, answer.text)


def test_table_question_is_answered_from_the_row(engine):
    answer = engine.ask("What was Thailand's manufacturing value added as a percentage of GDP in 2010?")
    assert answer.text == "Thailand's manufacturing value-added was 31.07% of GDP in 2010 (Table 1) [1]."
    assert answer.citations[0].quote.startswith("Thailand\t21.09")


def test_two_years_of_a_row_are_both_stated(engine):
    answer = engine.ask("How did Malaysia's manufacturing value-added share of GDP change between 2000 and 2017?")
    # a trend now: both ends with the unit, and the years between (tests/chat_app/test_table_query.py)
    assert "(% of GDP) fell from 30.86% in 2000 to 22.27% in 2017 (Table 1)" in answer.text


@pytest.mark.parametrize("question", [
    "What was Thailand's manufacturing value added in percent of GDP in 2010?",
    "What was Thailand's manufacturing value added, as a share of GDP, in 2010?",
])
def test_unit_words_are_not_topics_the_paper_must_mention(engine, question):
    answer = engine.ask(question)
    assert not answer.abstained and "31.07" in answer.text


def test_ocr_letters_in_a_table_are_answered_in_latin(engine):
    answer = engine.ask("What overall industrial policy grade does the paper give Malaysia?")
    assert not answer.abstained
    assert re.search(r"\bB\b", answer.text) and "В" not in answer.text  # Cyrillic in the source


def test_a_figure_answers_only_when_said_of_what_the_question_measures(engine):
    # The passage names the HDI in one sentence and gives an income in dollars in another.
    answer = engine.ask("What value did Vietnam's human development index reach in 2017?")
    assert answer.abstained and "No passage gives a figure for what it asks about" in answer.text
    # A figure said beside its measure is still an answer.
    answer = engine.ask("What share of cumulative registered FDI into Vietnam went to manufacturing?")
    assert not answer.abstained and "58.4%" in answer.text


@pytest.mark.parametrize("question, reason", [
    ("What was Vietnam's inflation rate in 2017?", "never mentions inflation"),
    # the topic asked about is never named, however close the passages on policy come
    ("What does the paper recommend for Vietnam's exchange rate policy?", "never mentions exchange"),
    ("What is the paper's position on cryptocurrency regulation in Vietnam?", "never mentions cryptocurrency"),
    # an average over 2010-2018 is no figure for 2018
    ("What was Vietnam's GDP growth rate in 2018 alone?", "a figure for 2010-2018 as a whole, not for 2018"),
    ("What was the Philippines' manufacturing value-added share of GDP in 2010?", "never mentions philippines"),
    # a count of experts to be trained is no budget
    ("How much money did Japan put into the kaizen project in Ethiopia?", "No passage gives a sum of money"),
    ("What is Japan's ease of doing business ranking?", "Japan is not in Table 3"),
    ("What was Thailand's manufacturing value added in 2020?", "Table 1 has no column for 2020"),
    # an empty cell: said so, not answered with Table 1's Vietnam figure for 1990 (12.26)
    ("What share of Vietnam's total exports were manufactured goods in 1990?",
     "Table 2 gives no figure for Vietnam in 1990"),
])
def test_abstains_with_a_reason_and_related_reading(engine, question, reason):
    answer = engine.ask(question)
    assert answer.abstained
    assert answer.text.startswith(NOT_IN_PAPER)
    assert reason.lower() in answer.text.lower()
    assert "12.26" not in answer.text
    assert not answer.citations and answer.hits  # the closest passages, offered as reading


@pytest.mark.parametrize("question, said", [
    ("Who are the authors of the paper?", ["Hong Chuong Pham", "Kenichi Ohno", "Manh Dung Tran"]),
    ("What is the full title of this paper?", ["The East Asian Industrial Policy Experiences: Implications for Vietnam"]),
    ("When was this article published?", ["November 30th 2019"]),
    ("What is the DOI of the paper?", ["10.7176/EJBM/11-33-08"]),
    ("On which website is the paper hosted?", ["www.iiste.org"]),
])
def test_questions_about_the_paper_itself_quote_its_first_page(engine, question, said):
    answer = engine.ask(question)
    assert not answer.abstained
    for phrase in said:
        assert phrase in answer.text
    assert all(c.chunk.section in ("Front matter", "Abstract") for c in answer.citations)


@pytest.mark.parametrize("question", ["Who paid for this research?", "Was the research funded by JICA or by someone else?",
                                      "What's the project file number?"])
def test_who_paid_for_the_paper_is_quoted_from_its_acknowledgement(engine, question):
    answer = engine.ask(question)
    assert not answer.abstained
    assert "fully financed by the Government of Vietnam (project file KX.01.13/16-20)" in answer.text
    assert [c.chunk.section for c in answer.citations] == ["Acknowledgement"]


@pytest.mark.parametrize("question", ["What is it?", "Why?", "Who are they?", "???"])
def test_a_question_with_nothing_to_look_for_is_answered_or_refused_in_one_piece(engine, question):
    answer = engine.ask(question)
    assert answer.text and (answer.abstained or answer.citations)


def test_follow_up_is_rewritten_and_answered(engine):
    answer = engine.ask("And the Industrial Linkage Program?",
                        ["When was Malaysia's Vendor Development Program introduced?"])
    assert answer.rewritten_question == "When was Malaysia's Industrial Linkage Program introduced?"
    assert "1995" in answer.text
    follow = engine.ask("And in 2000?", ["What was Thailand's manufacturing value added as a percentage of GDP in 2010?"])
    assert "28.59" in follow.text


def test_project_follow_up_set(engine):
    questions = load_questions(ROOT / "eval" / "followups.jsonl", require_gold=True)
    for q in questions:
        answer = engine.ask(q.question, q.history)
        assert answer.abstained is not q.answerable, (q.id, answer.rewritten_question, answer.text)
        if q.answerable:
            assert answer_matches(answer.text, q.answer), (q.id, answer.text)
            assert any(is_relevant(c.chunk.text, q.evidence) for c in answer.citations), q.id


def test_citation_page_is_the_page_of_the_quote(pdf_searcher):
    from chat_app.engine import AnswerEngine

    engine = AnswerEngine(pdf_searcher)
    answer = engine.ask("How many Ethiopian kaizen experts was JICA's kaizen project phase II meant to produce?")
    assert not answer.abstained and "400" in answer.text
    citation = answer.citations[0]
    document = pdf_searcher.data.documents[citation.chunk.doc]
    page = document.page_at(citation.start)
    assert (citation.page, citation.page_label) == (page.number, page.label)
    assert citation.page_label == str(70 + citation.page)  # the journal's printed numbers
    assert f"p. {citation.page_label}" in citation.label


def test_context_shows_the_text_around_the_quote(engine):
    answer = engine.ask("When was BUILD established?")
    context = engine.context(answer.citations[0], chars=200)
    assert context.quote == answer.citations[0].quote
    assert context.before and context.after


def test_json_record_has_the_contract_fields(engine):
    record = engine.ask("Who chairs Malaysia's National SME Development Council?").to_json("d13")
    assert {"id", "question", "rewritten_question", "answer", "abstained", "citations", "hits"} <= set(record)
    assert set(record["citations"][0]) == {"n", "chunk_id", "doc", "section", "page", "page_label", "quote"}
    assert {"rank", "chunk_id", "doc", "section", "page", "page_label", "score", "text"} <= set(record["hits"][0])


def test_a_tables_unit_counts_once_its_measure_is_named(engine):
    share = engine.ask("How much did manufacturing contribute to South Korea's GDP in 1995, in percent?")
    assert "25.22% of GDP in 1995 (Table 1)" in share.text
    growth = engine.ask("What was Vietnam's GDP growth in 2010?")  # GDP is Table 1's unit, not its measure
    assert "12.95" not in growth.text


@pytest.mark.parametrize("question, said, quote", [
    ("Where do the figures in Table 1 come from?", "Table 1: Source: World Bank, World development indicators",
     "Source: World Bank, World development indicators database (accessed in Feb., 2019)"),
    ("Which sources was the FDI, SME and industrial zone policy table adapted from?", "Ohno (2014), Pham (2016)",
     "Source: Adapted from Ohno (2014), Pham (2016) and authors' assessment"),
    # Table 3 has no source line: its note paragraph says where Taiwan's income comes from
    ("Where does the Taiwanese income figure in Table 3 come from?", "Taiwan's income data is from IMF",
     "Very good Good Fair Poor Note: Policy assessment excludes results of external factors, private effort or "
     "foreign support. \\*Taiwan's income data is from IMF."),
])
def test_a_question_about_a_tables_source_quotes_the_line_under_it(engine, paper_text, question, said, quote):
    answer = engine.ask(question)
    assert not answer.abstained and said in answer.text
    [citation] = answer.citations
    assert citation.quote == quote == paper_text[citation.start:citation.end]
    assert answer.citations[0].chunk.section.startswith(("2.", "3."))


def test_two_tables_with_one_source_line_cite_each_table(engine, paper_text):
    answer = engine.ask("Where do the figures in the manufacturing value-added and manufactured-export tables "
                        "come from, and when was the source accessed?")
    assert answer.text.startswith("Table 1 and Table 2: Source: World Bank") and "Feb., 2019" in answer.text
    assert [c.n for c in answer.citations] == [1, 2]
    assert len({c.start for c in answer.citations}) == 2  # two places in the paper, one under each table
    assert all(paper_text[c.start:c.end].startswith("Source: World Bank") for c in answer.citations)


def test_the_note_under_a_table_is_quoted_when_asked_for_and_a_rows_note_is_its_cell(engine):
    answer = engine.ask("What does the note under Table 3 say?")
    assert "Policy assessment excludes results of external factors" in answer.text
    assert answer.citations[0].quote.startswith("Very good Good Fair Poor Note:")
    row = engine.ask("What do the notes of Table 3 say about Indonesia?")  # its Notes column
    assert 'describes Indonesia under "Notes"' in row.text and "Laws & regulations are unpredictable" in row.text


@pytest.mark.parametrize("question", [
    "What does Table 3 note about Vietnam's business environment?",  # its Notes column, a cell
    "What is the main source of FDI in Vietnam according to Table 4?",
    "What does Table 1 note about Korea?",
    "What share of Vietnam's exports came from manufactured goods in 2017 according to Table 2?",
    "What is the main source of FDI in Vietnam?",
    "What are Table 3's policy assessments based on?",  # said in the text above it, not in its note
])
def test_what_a_table_shows_is_not_asked_of_its_source_line(engine, question):
    answer = engine.ask(question)
    assert "Source:" not in answer.text and not answer.text.startswith("Table 3: Very good")


def test_a_source_line_is_cited_with_the_page_it_stands_on(pdf_searcher):
    from chat_app.engine import AnswerEngine

    answer = AnswerEngine(pdf_searcher).ask("Where do the figures in Table 1 come from?")
    assert "World development indicators" in answer.text
    [citation] = answer.citations
    document = pdf_searcher.data.documents[citation.chunk.doc]
    assert document.text[citation.start:citation.end] == citation.quote
    page = document.page_at(citation.start)
    assert (citation.page, citation.page_label) == (page.number, page.label)


@pytest.fixture(scope="module")
def unfunded(tmp_path_factory, make_settings, embedder):
    """Two papers that say nothing of who paid for them: one plain text without headings whose
    words start like funding words ("fundamental", "granted"), one whose body has a section on
    financial support for SMEs."""
    from chat_app.engine import AnswerEngine
    from index.builder import build_index
    from index.search import Searcher

    settings = make_settings(tmp_path_factory.mktemp("unfunded"))
    settings.corpus_dir.mkdir(parents=True, exist_ok=True)
    (settings.corpus_dir / "rural_credit.txt").write_text(
        "Rural credit in Cambodia\n\nThe fundamental problem of rural credit is collateral. Loans are granted "
        "only against land titles, which few farmers hold. Banks paid attention to microfinance after 2010.\n",
        encoding="utf-8")
    (settings.corpus_dir / "sme_bank.md").write_text(
        "# SME finance in Malaysia\n\n## 1. Introduction\n\nSmall firms in Malaysia borrow mostly from banks.\n\n"
        "## 2. Financial support for SMEs\n\nThe SME Bank was funded by the Ministry of Economy in 2019. "
        "It lends to manufacturers at subsidised rates.\n", encoding="utf-8")
    build_index(settings, embedder=embedder)
    return AnswerEngine(Searcher.open(settings, embedder=embedder), settings)


@pytest.mark.parametrize("doc", ["rural_credit.txt", "sme_bank.md"])
def test_a_paper_that_never_says_who_paid_for_it_has_no_funding_quote(unfunded, doc):
    for question in ("Who funded this research?", "Who paid for this study?"):
        found = unfunded.deliberate(question, docs={doc})
        assert unfunded.about_document(found) is None, (doc, question)


def test_what_a_paper_is_about_is_quoted_from_its_abstract(engine, unfunded):
    for question in ("What is this paper about?", "Which two policy areas does the article concentrate on?"):
        answer = engine.ask(question)
        assert answer.text.startswith("This paper offers an overview of East Asian industrial policies with special focus")
        assert answer.citations[0].chunk.section.endswith("Abstract")
    # Not a why-question, and not a paper without an abstract: the reader answers those.
    found = engine.deliberate("Why does the paper centre on SME and FDI-SME linkage policies?")
    assert engine.about_document(found) is None
    for doc in ("rural_credit.txt", "sme_bank.md"):
        assert unfunded.about_document(unfunded.deliberate("What is this paper about?", docs={doc})) is None
