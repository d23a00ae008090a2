"""More than one document: answers cite the document they come from, refusals speak of the
documents, and a question can be limited to one of them (`ask --doc`, the app's filter)."""

from __future__ import annotations

import json

import pytest

from chat_app.tuning.evaluation import score_answers
from chat_app.records import NOT_IN_DOCUMENTS
from index.evaluation import load_questions
from ingest.errors import PolicyQAError
from tests.helpers import DEV, PAPER, ROOT, SECOND_DOCUMENT

# Questions that name nothing that tells the two documents apart ("Who are the authors of
# the paper?", "What is training of trainers?" both have an answer in either).
AMBIGUOUS = {"d24", "d27"}


def test_questions_about_the_paper_still_cite_the_paper(two_documents, engine):
    questions = [q for q in load_questions(DEV, require_gold=True) if q.id not in AMBIGUOUS]
    alone = {q.id: engine.ask(q.question, q.history) for q in questions}
    beside = {q.id: two_documents.ask(q.question, q.history) for q in questions}
    for qid, answer in beside.items():
        assert all(c.chunk.doc == PAPER.name for c in answer.citations), (qid, answer.text)
    single = score_answers(questions, alone, [0.0] * len(questions))
    double = score_answers(questions, beside, [0.0] * len(questions))
    assert double.answer_accuracy >= single.answer_accuracy - 0.05, double.failures


def test_questions_about_the_second_document_cite_it(two_documents):
    questions = load_questions(ROOT / "eval" / "second_document.jsonl", require_gold=True)
    answers = [two_documents.ask(q.question, q.history) for q in questions]
    answered = [a for a in answers if not a.abstained]
    assert len(answered) >= 0.6 * sum(q.answerable for q in questions)
    # "the main drawback of training of trainers in Ethiopia" finds the paper's own passage on
    # TOT and JICA's kaizen project in Ethiopia: a near miss between documents is allowed, once.
    right = [a for a in answered if all(c.chunk.doc == SECOND_DOCUMENT.name for c in a.citations)]
    assert len(right) >= 0.9 * len(answered)
    scores = score_answers(questions, {q.id: a for q, a in zip(questions, answers)}, [0.0] * len(questions))
    assert scores.answer_accuracy >= 0.5, scores.failures  # measured 0.63 on a report it was never fitted on


@pytest.mark.parametrize("question, said", [
    ("How much did the Kombolcha park export in 2020?", "7.2 US$ million"),
    ("What were Mekelle park's exports in 2019?", "12.6"),
    ("What were the combined exports of the federal industrial parks in 2018?", "101.7"),
])
def test_a_table_of_the_second_document_answers_with_its_cell(two_documents, question, said):
    answer = two_documents.ask(question)
    assert said in answer.text and answer.citations[0].chunk.doc == SECOND_DOCUMENT.name


def test_a_table_of_another_country_is_not_this_question_s(two_documents, engine):
    """Ethiopia's Table 1 ("Exports of federal industrial parks in Ethiopia") has an "exports"
    title and a 2015-less header, but no Thailand: the paper's Table 2 answers, as it does
    with the paper alone, limited to the paper or not."""
    question = "What were Thailand's manufactured exports as a share of total exports in 2015?"
    for answer in (engine.ask(question), two_documents.ask(question), two_documents.ask(question, docs={PAPER.name})):
        assert "77.79" in answer.text and answer.citations[0].chunk.doc == PAPER.name


def test_an_empty_choice_of_documents_is_no_limit(two_documents):
    answer = two_documents.ask("When was BUILD established?", docs=set())
    assert "1992" in answer.text


def test_who_wrote_it_names_the_document_when_two_could_be_meant(two_documents):
    answer = two_documents.ask("Who are the authors of the paper?")
    doc = answer.citations[0].chunk
    assert answer.text.startswith(f"{doc.source}:") and all(c.chunk.doc == doc.doc for c in answer.citations)
    assert all(f"[{c.n}]" in answer.text for c in answer.citations)


def test_a_refusal_speaks_of_the_documents(two_documents):
    answer = two_documents.ask("What was Vietnam's inflation rate in 2017?")
    assert answer.abstained and answer.text.startswith(NOT_IN_DOCUMENTS)
    assert "never mention" in answer.text


def test_a_question_limited_to_one_document_is_answered_from_it(two_documents):
    for doc in (PAPER.name, SECOND_DOCUMENT.name):
        answer = two_documents.ask("What is training of trainers?", docs={doc})
        assert not answer.abstained and {c.chunk.doc for c in answer.citations} == {doc}
        assert all(h.chunk.doc == doc for h in answer.hits)
    refusal = two_documents.ask("What was Vietnam's inflation rate in 2017?", docs={PAPER.name})
    assert refusal.text.startswith("The paper does not say.")  # one document in scope


def test_an_unknown_document_name_is_one_clear_line(two_documents):
    with pytest.raises(PolicyQAError, match=r"^--doc: no document named 'nope.md' in the index"):
        two_documents.ask("What is training of trainers?", docs={"nope.md"})


def test_ask_doc_flag(two_documents, capsys):
    from chat_app.cli.commands import main

    index = str(two_documents.settings.index_dir)
    assert main(["ask", "When was BUILD established?", "--doc", PAPER.name, "--json", "--index", index]) == 0
    record = json.loads(capsys.readouterr().out)
    assert "1992" in record["answer"] and {c["doc"] for c in record["citations"]} == {PAPER.name}
    assert main(["ask", "When was BUILD established?", "--doc", "nope.md", "--index", index]) == 1
    assert capsys.readouterr().err.splitlines()[-1].startswith("error: --doc: no document named 'nope.md'")


def test_a_table_source_is_quoted_from_the_document_asked_about(two_documents):
    answer = two_documents.ask("Where do the figures in Table 1 come from?", docs={"ethiopia_industrial_parks.md"})
    assert not answer.abstained
    assert "Industrial Parks Development Corporation (IPDC)" in answer.text
    assert [c.chunk.doc for c in answer.citations] == ["ethiopia_industrial_parks.md"]
    both = two_documents.ask("Where do the figures in Table 1 come from?")
    assert {c.chunk.doc for c in both.citations} == {"ethiopia_industrial_parks.md", "east_asian_industrial_policy.md"}
    for citation in both.citations:  # each table named with its document, before its own line
        assert f"{citation.chunk.source}, Table 1: {citation.quote[:20]}" in both.text
