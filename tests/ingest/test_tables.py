"""Tables in text: tab and pipe tables, captions above or below, continued cells and headers."""

from __future__ import annotations

import pytest

from ingest import chunk_document, load_document
from ingest.records import BlockKind, ChunkKind, Table
from ingest.structure import parse_blocks
from ingest.tables import caption_text, cells_of, is_table_line, render_row, render_table
from tests.helpers import PAPER


def tables_of(text: str, markdown: bool = True) -> list[Table]:
    return [b.table for b in parse_blocks(text, markdown) if b.kind is BlockKind.TABLE]


def check_row_spans(text: str, table: Table) -> None:
    """Each row's span in the text holds the row's cells, in order."""
    for row, (start, end) in zip(table.rows, table.row_spans):
        source = text[start:end]
        position = 0
        for cell in row:
            for word in cell.split():
                position = source.index(word, position)


TAB_TABLE = ("Table 1. Manufacturing value-added (% of GDP)\n"
             "Countries\t2000\t2010\n"
             "Vietnam\t18.45\t12.95\n"
             "Thailand\t28.59\t31.07\n"
             "\n"
             "Source: World Bank\n")


def test_a_tab_separated_table_with_its_caption_above():
    [table] = tables_of(TAB_TABLE)

    assert table.title == "Table 1. Manufacturing value-added (% of GDP)"
    assert table.columns == ("Countries", "2000", "2010")
    assert table.rows == (("Vietnam", "18.45", "12.95"), ("Thailand", "28.59", "31.07"))
    check_row_spans(TAB_TABLE, table)


def test_a_pipe_table_with_its_caption_above():
    text = ("Table 5. Exports by year\n\n"
            "| Country | 2000 | 2010 |\n"
            "|:--------|-----:|-----:|\n"
            "| Vietnam | 1.5 | 2.5 |\n"
            "| Thailand | 3.0 | 4.0 |\n")

    [table] = tables_of(text)

    assert table.title == "Table 5. Exports by year"
    assert table.columns == ("Country", "2000", "2010")
    assert table.rows == (("Vietnam", "1.5", "2.5"), ("Thailand", "3.0", "4.0"))
    check_row_spans(text, table)


@pytest.mark.parametrize("caption", ["Table 4. FDI and SME policies", "# Table 4. FDI and SME policies"])
def test_a_caption_printed_below_its_table(caption):
    text = ("Countries\tFDI policy\tSME policy\n"
            "Singapore\tHighly strategic\tProductivity support\n"
            "Vietnam\tIrregular\tAlmost none\n"
            f"\n{caption}\n\nSource: Ohno (2014)\n\nThe above argument points to policy quality.\n")

    blocks = parse_blocks(text, markdown=True)
    [table] = [b.table for b in blocks if b.kind is BlockKind.TABLE]

    assert table.title == "Table 4. FDI and SME policies"
    assert [b.kind for b in blocks] == [BlockKind.TABLE, BlockKind.PARAGRAPH]  # caption and note are the table's
    assert text[blocks[1].start:blocks[1].end] == "The above argument points to policy quality."


def test_continuation_lines_extend_the_cells_of_the_row_above():
    text = ("Table 4. Policies\n"
            "Countries\tFDI policy\tIndustrial zones\n"
            "Vietnam\tIrregular though slowly\tMany state, provincial and private\n"
            "\timproving\tIZs but many are plan only\n"
            "Thailand\tHigh-tech orientation\tMany private IZs\n")

    [table] = tables_of(text)

    assert table.rows == (
        ("Vietnam", "Irregular though slowly improving",
         "Many state, provincial and private IZs but many are plan only"),
        ("Thailand", "High-tech orientation", "Many private IZs"),
    )
    vietnam_start, vietnam_end = table.row_spans[0]
    assert text[vietnam_start:vietnam_end].endswith("IZs but many are plan only")  # the span takes both lines


def test_a_header_over_two_lines_and_group_headers_above_it():
    text = ("Table 3. Income and policy\n"
            "\t\tIndustrial policy assessment\n"  # a group header over some columns: dropped
            "Countries\tIncome\tOverall\n"
            "\t(US$)\tgrade\n"
            "Singapore\t54,530\tA+\n"
            "Thailand\t5,950\tB-\n")

    [table] = tables_of(text)

    assert table.columns == ("Countries", "Income (US$)", "Overall grade")
    assert table.rows == (("Singapore", "54,530", "A+"), ("Thailand", "5,950", "B-"))


def test_an_ocr_broken_caption_among_the_cells_is_mended():
    text = ("1 able 2. Manufactured\texports of selected\tEast Asian countries\n"
            "\n"
            "Countries\t2000\t2010\n"
            "Malaysia\t80.43\t67.20\n"
            "Japan\t93.88\t89.00\n")

    [table] = tables_of(text)

    assert table.title == "Table 2. Manufactured exports of selected East Asian countries"
    assert table.rows[0] == ("Malaysia", "80.43", "67.20")


def test_a_single_line_with_a_tab_is_text_not_a_table():
    blocks = parse_blocks("Intro.\n\nName:\tvalue only once\n\nOutro.\n", markdown=True)

    assert [b.kind for b in blocks] == [BlockKind.PARAGRAPH] * 3


@pytest.mark.parametrize("line, caption", [
    ("Table 2. Manufactured exports", "Table 2. Manufactured exports"),
    ("Table 1 Manufacturing value-added (% of GDP)", "Table 1. Manufacturing value-added (% of GDP)"),
    ("T able 2: Exports", "Table 2. Exports"),
    ("**Table 3.** Income", "Table 3. Income"),
    ("\tTable 3\t. Income p\terfor\tmance", "Table 3. Income performance"),
    ("Table 4", "Table 4"),
    ("Table 2, which ranks Vietnam among the second tier", None),  # running text
    ("Table 3 shows that income and policy quality correlate", None),
    ("Tables 1 and 2, using World Bank data", None),
    ("A table of contents", None),
])
def test_caption_text(line, caption):
    assert caption_text(line) == caption


def test_cells_and_table_lines():
    assert cells_of("| a | b |  c |") == ["a", "b", "c"]
    assert cells_of("a\t\tc") == ["a", "", "c"]
    assert is_table_line("a\tb") and is_table_line("| a | b |")
    assert not is_table_line("a | b")  # a pipe in prose


def test_render_row_repeats_title_and_headers_and_skips_empty_cells():
    table = Table("Table 1. MVA (% of GDP)", ("Countries", "1985", "1990", "2017"),
                  (("Japan", "-", "22.5", ""),), ((0, 10),))

    assert render_row(table, table.rows[0]) == "Table 1. MVA (% of GDP) | Japan | 1990: 22.5"
    assert render_table(table, "Source: World Bank") == \
        "Table 1. MVA (% of GDP)\nCountries | 1985 | 1990 | 2017\nJapan | - | 22.5 | \nSource: World Bank"


def test_the_papers_tables_become_row_chunks_and_table_chunks():
    chunks = chunk_document(load_document(PAPER), 1000)
    rows = [c for c in chunks if c.kind is ChunkKind.TABLE_ROW]
    tables = [c for c in chunks if c.kind is ChunkKind.TABLE]

    assert [t.text.split("\n")[0] for t in tables] == [
        "Table 1. Manufacturing value-added of selected East Asian countries (% of GDP)",
        "Table 2. Manufactured exports of selected East Asian countries 170 of total export",  # as OCR left it
        "Table 3. Income performance and industrial policy qualityy",
        "Table 4. FDI, SME and industrial zone policies",
    ]
    assert "Source: World Bank, World development indicators database (accessed in Feb., 2019)" in tables[0].text
    thailand = next(r for r in rows if r.text.startswith("Table 1.") and "| Thailand |" in r.text)
    assert thailand.text == ("Table 1. Manufacturing value-added of selected East Asian countries (% of GDP) | "
                             "Thailand | 1985: 21.09 | 1990: 27.20 | 1995: 26.47 | 2000: 28.59 | 2005: 29.79 | "
                             "2010: 31.07 | 2015: 27.50 | 2017: 27.09")
    assert any("| Indonesia | FDI policy: Restrictive & unfriendly: nationalistic |" in r.text for r in rows)
    singapore = next(r for r in rows if r.text.startswith("Table 3.") and "| Singapore |" in r.text)
    assert "54,530" in singapore.text and "Overall: A+" in singapore.text
