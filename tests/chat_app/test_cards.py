"""Source cards: the passage around the quote, the text around it, the citation to copy."""

from __future__ import annotations

from chat_app.web.cards import answer_cards, citation_card, hit_cards, page_text
from ingest.records import ChunkKind


def test_citation_card_marks_the_quote_inside_its_passage(engine, paper_text):
    answer = engine.ask("When was BUILD established?")
    card = answer_cards(answer, engine.searcher.data.documents)[0]
    citation = answer.citations[0]
    assert card.title == "[1] 4.2. Linkage policy"
    assert card.passage.quote == citation.quote
    assert card.passage.text == paper_text[citation.chunk.start:citation.chunk.end]
    assert card.context.quote == citation.quote
    assert paper_text.find(card.context.before.lstrip("…")) >= 0
    assert card.label == citation.label and card.label.endswith("section 4.2")
    assert card.memo_text == f"“{' '.join(citation.quote.split())}” ({citation.label})"
    assert card.page == "no page numbers in this source"


def test_abstention_cards_are_the_related_passages(engine):
    answer = engine.ask("What is the inflation rate of Vietnam?")
    cards = answer_cards(answer, engine.searcher.data.documents)
    assert answer.abstained and len(cards) == len(answer.hits) > 0
    assert [c.title.split()[0] for c in cards] == [f"#{h.rank}" for h in answer.hits]


def test_hit_cards_of_table_rows_show_the_rendered_row(engine):
    hits = engine.find_passages("manufacturing value-added Vietnam 2017", k=10)
    rows = [h for h in hits if h.chunk.kind is ChunkKind.TABLE_ROW]
    assert rows
    card = hit_cards(rows[:1], engine.searcher.data.documents)[0]
    assert card.passage.before == rows[0].chunk.text and card.quote == rows[0].chunk.text
    assert card.label == rows[0].chunk.citation()


def test_a_removed_document_still_draws_from_its_chunk(engine):
    answer = engine.ask("When was BUILD established?")
    card = citation_card(answer.citations[0], " " * answer.citations[0].chunk.start + answer.citations[0].chunk.text)
    assert card.passage.quote.strip() == answer.citations[0].quote.strip()
    assert answer_cards(answer, {})[0].label == answer.citations[0].label


def test_page_text_prefers_the_quote_page(pdf_searcher):
    chunk = next(c for c in pdf_searcher.data.chunks if c.page_label)
    assert page_text(chunk, "80") == "p. 80"
    assert page_text(chunk, None) == f"p. {chunk.page_label}"


def test_markdown_sources_read_as_the_paper_reads(engine):
    answer = engine.ask("Which economies are high income achievers?")
    assert "US\\$54,530" in answer.citations[0].quote  # the Markdown source of the paper
    card = answer_cards(answer, engine.searcher.data.documents)[0]
    assert "US$54,530" in card.memo_text and "\\$" not in card.memo_text
    assert "\\$" not in card.passage.text + card.context.text


def test_text_sources_keep_their_backslashes(engine):
    answer = engine.ask("Which economies are high income achievers?")
    citation = answer.citations[0]
    from dataclasses import replace

    as_text = replace(citation, chunk=replace(citation.chunk, doc="paper.txt"))
    card = citation_card(as_text, engine.searcher.data.documents[citation.chunk.doc].text)
    assert "US\\$54,530" in card.quote


def test_a_table_row_is_quoted_with_its_table_and_headers(engine):
    answer = engine.ask("What was Singapore's per capita income in 2017?")
    citation = answer.citations[0]
    assert citation.chunk.kind is ChunkKind.TABLE_ROW
    card = answer_cards(answer, engine.searcher.data.documents)[0]
    assert card.quote.startswith("Table 3.") and "Singapore" in card.quote and "US$" in card.quote
    assert card.passage.quote == card.quote and "\t" not in card.memo_text
