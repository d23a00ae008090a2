"""The sentence splitter: abbreviations, initials, decimals; spans are exact text."""

from __future__ import annotations

import pytest

from ingest import chunk_document, load_document
from ingest.records import ChunkKind
from ingest.sentences import chunk_sentences, sentence_spans
from tests.helpers import PAPER


def split(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


@pytest.mark.parametrize("text, sentences", [
    ("Growth was 7.6% in 2010. It slowed after that.", ["Growth was 7.6% in 2010.", "It slowed after that."]),
    ("It ended in 2017. 83.2% of exports were manufactured.",
     ["It ended in 2017.", "83.2% of exports were manufactured."]),
    ("See e.g. Ohno (2014) for details. Others agree.", ["See e.g. Ohno (2014) for details.", "Others agree."]),
    ("That is, i.e. the state, leads. Firms follow.", ["That is, i.e. the state, leads.", "Firms follow."]),
    ("Pham et al. (2019) show this. They also show that.", ["Pham et al. (2019) show this.", "They also show that."]),
    ("The firm (No. 128) was founded. It grew.", ["The firm (No. 128) was founded.", "It grew."]),
    ("Vietnam vs. Thailand is the question. Next.", ["Vietnam vs. Thailand is the question.", "Next."]),
    ("Figure 2 (p. 5) shows it. Fig. 3 too.", ["Figure 2 (p. 5) shows it.", "Fig. 3 too."]),
    ("The U.S. economy grew. Japan's did not.", ["The U.S. economy grew.", "Japan's did not."]),
    ("In Jan. 2019 prices rose. In Feb. they fell.", ["In Jan. 2019 prices rose.", "In Feb. they fell."]),
])
def test_abbreviations_and_decimals_do_not_end_sentences(text, sentences):
    assert split(text) == sentences


@pytest.mark.parametrize("text, sentences", [
    ("As Chang, H.J. (2002) argued, policy matters. Next.", ["As Chang, H.J. (2002) argued, policy matters.", "Next."]),
    ("K. Ohno wrote it. He is an economist.", ["K. Ohno wrote it.", "He is an economist."]),
    ("Written by H. C. Pham and M. D. Tran. Published in 2019.",
     ["Written by H. C. Pham and M. D. Tran.", "Published in 2019."]),
])
def test_initials_do_not_end_sentences(text, sentences):
    assert split(text) == sentences


@pytest.mark.parametrize("text, sentences", [
    ("Is this a question? Yes it is! Good.", ["Is this a question?", "Yes it is!", "Good."]),
    ('He said "stop." Then he left.', ['He said "stop."', "Then he left."]),
    ("Three facts (i) one. (ii) Two.", ["Three facts (i) one.", "(ii) Two."]),
    ("One.\n\nTwo without a stop\n\nThree.", ["One.", "Two without a stop", "Three."]),
    ("A list:\n- first item\n- second item", ["A list:", "- first item", "- second item"]),
    ("  Leading and trailing space.  ", ["Leading and trailing space."]),
    ("", []),
])
def test_sentence_ends(text, sentences):
    assert split(text) == sentences


def test_spans_are_absolute_offsets_inside_the_range():
    text = "Ignored. First one. Second one. Ignored too."
    start, end = text.index("First"), text.index(" Ignored too")

    assert [text[s:e] for s, e in sentence_spans(text, start, end)] == ["First one.", "Second one."]


def test_the_sentences_of_the_paper_are_exact_quotes_inside_their_chunks():
    doc = load_document(PAPER)
    for chunk in chunk_document(doc, 1000):
        sentences = chunk_sentences(doc, chunk)
        if chunk.kind is ChunkKind.TABLE:
            assert sentences == []
            continue
        assert sentences
        for sentence in sentences:
            assert chunk.start <= sentence.start < sentence.end <= chunk.end
            assert sentence.quote == doc.text[sentence.start:sentence.end]
            assert sentence.chunk_id == chunk.id
        if chunk.kind is ChunkKind.TABLE_ROW:
            assert [s.text for s in sentences] == [chunk.text]


def test_a_sentence_of_the_paper():
    doc = load_document(PAPER)
    chunk = next(c for c in chunk_document(doc, 1000) if "Vendor Development Program (VDP)" in c.text)

    quotes = [s.quote for s in chunk_sentences(doc, chunk)]

    assert any(q.startswith("Malaysia in the past made much effort") for q in quotes)
    assert "Vendor Development Program (VDP) introduced in 1988" in next(q for q in quotes if "VDP" in q)
