"""Keyword tokens and the acronyms a corpus defines."""

from __future__ import annotations

import pytest

from index.tokens import expand_acronyms, find_acronyms, fold, tokenize, words
from tests.helpers import PAPER


@pytest.mark.parametrize("text, acronyms", [
    ("the Board of Investment (BOI) of Thailand", {"BOI": "Board of Investment"}),
    ("small and medium enterprises (SMEs) grow", {"SME": "small and medium enterprises"}),
    ("Japan International Cooperation Agency (JICA) helps", {"JICA": "Japan International Cooperation Agency"}),
    ("research and development (R&D) spending", {"R&D": "research and development"}),
    ("local Malay firms (bumiputera) and (17%) and (local Malay)", {}),
    ("Bureau of Industrial Linkage Development (BUILD)", {}),  # B-U-I-L-D: no "U" word
    ("as shown (GDP) earlier", {}),
])
def test_find_acronyms(text, acronyms):
    assert find_acronyms(text) == acronyms


def test_the_first_definition_wins():
    assert find_acronyms("Board of Investment (BOI). Later: Bank of Indonesia (BOI).") == {"BOI": "Board of Investment"}


def test_acronyms_of_the_paper():
    acronyms = find_acronyms(PAPER.read_text(encoding="utf-8"))

    assert acronyms["BOI"] == "Board of Investment"
    assert acronyms["VDP"] == "Vendor Development Program"
    assert acronyms["TOT"] == "training of trainers"
    assert acronyms["FDI"] == "foreign direct investment"
    assert acronyms["BUILD"] == "BOI Unit for Industrial Linkage Development"


def test_expand_acronyms_both_ways():
    acronyms = {"BOI": "Board of Investment", "TOT": "training of trainers"}

    assert expand_acronyms("What does BOI do?", acronyms) == "What does BOI do? (Board of Investment)"
    assert expand_acronyms("What does the board of investment do?", acronyms) == \
        "What does the board of investment do? (BOI)"
    assert expand_acronyms("What is training of trainers (TOT)?", acronyms) == "What is training of trainers (TOT)?"
    assert expand_acronyms("Nothing to expand", acronyms) == "Nothing to expand"
    assert expand_acronyms("TOTAL output", acronyms) == "TOTAL output"  # whole words only


def test_tokenize_normalises_stems_and_drops_stopwords():
    assert tokenize("Thailand's programs cost 54,530 in the Japanese model") == \
        ["thailand", "program", "cost", "54530", "japan", "model"]
    assert tokenize("What is the") == []


def test_words_keep_decimals_and_drop_thousands_separators():
    assert words("GDP grew 7.6% to US$1,010 in 2009") == ["gdp", "grew", "7.6", "to", "us", "1010", "in", "2009"]


def test_fold_maps_ocr_homoglyphs_and_accents_to_latin():
    assert fold("Overall: В") == "Overall: B"  # Cyrillic Ve, as OCR put it in Table 3
    assert fold("Hà Nội – “policy”") == 'Ha Noi - "policy"'
    assert tokenize("Malaysia В") == tokenize("Malaysia B")
