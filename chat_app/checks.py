"""Checks an answer sentence must pass: the shape the question asks for, the subject it is
about. Pure functions of text; the engine abstains when no sentence passes them."""

from __future__ import annotations

import re

from chat_app.coverage import without_citations, word_set
from chat_app.question import COUNTRIES, Question, QuestionType, has_year
from chat_app.table_answer import NearMiss
from index.tokens import DEMONYMS, tokenize

# A figure: digits that are not a bare year, or a number word that is not part of a compound
# ("fifteen ministries" is a figure, "the two-track approach" is not).
_NON_YEAR_NUMBER_RE = re.compile(r"(?<![\d.\-])(?!(?:1[89]|20)\d\d\b)\d[\d,.]*|\d\s*%|\$\s*\d|(?<!-)\b(two|three|"
                                 r"four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|"
                                 r"hundred|thousand|million|billion|dozens?)\s+[a-z]+s\b", re.IGNORECASE)


# "Tables 1 and 2", "section 4.2": numbers that point at parts of the paper, not figures.
_REFERENCE_RE = re.compile(r"\b(tables?|figures?|sections?|chapters?|appendix|equations?|pages?|pp?\.)\s+\d+(\.\d+)*"
                           r"(\s+(and|to|-)\s+\d+)?", re.IGNORECASE)


def has_figure(q: Question, text: str) -> bool:
    """A "when" answer names a year; a "how much / how many" answer has a number that is not
    just a year or a year range ("introduced in 1995-96" does not say how much was spent)."""
    text = _REFERENCE_RE.sub(" ", text)
    if q.type is QuestionType.YEAR:
        return has_year(text)
    return bool(_NON_YEAR_NUMBER_RE.search(text))


def gives_figure_for(q: Question, text: str) -> bool:
    """The sentence gives a figure for the question's country ("Vietnam's manufacturing
    value-added, at 15.3% of GDP") rather than naming it in passing ("... group of Malaysia")."""
    folded = text.lower()
    for country in q.countries:
        for name in {country, *(d for d, c in DEMONYMS.items() if c == country)}:
            for match in re.finditer(rf"\b{name}", folded):
                if re.search(r"\d", folded[match.end():match.end() + 60]):
                    return True
    return False


def on_topic(q: Question, passage: str, synonyms: list[tuple[frozenset[str], frozenset[str]]]) -> bool:
    """At least one word of what the question asks about, beyond the countries it names,
    occurs in the answering passage ("the capital of Thailand" is not answered by a passage
    that merely mentions Thailand)."""
    topic = set(tokenize(" ".join(w for w in q.content if DEMONYMS.get(w, w) not in q.countries)))
    if not topic:
        return True
    stems = set(tokenize(passage))
    for said, instead in synonyms:
        if instead <= stems:
            stems |= said
    return bool(topic & stems)


def states_instead(q: Question, sentence: str, passage_words: set[str], miss: NearMiss) -> bool:
    """Whether prose answers what a table cannot (see table_answer.near_miss):
    - a country the table lacks: the sentence names it and the table's measure;
    - a year beyond the table's columns: the sentence gives a figure for that year;
    - an empty cell: the sentence gives a figure for that country in that year."""
    sentence = without_citations(sentence)  # "(General Statistical Office, 2018)" states no 2018 figure
    said = word_set(sentence)
    years_said = all(y in said for y in q.years)
    if miss.kind == "country":
        return all(c in said for c in q.countries) and len(miss.measure & set(tokenize(sentence))) >= min(2, len(miss.measure))
    if miss.kind == "year":
        return years_said and all(c in passage_words for c in q.countries) and has_figure(q, sentence)
    # An empty cell: the figure must be the country's, not another country's named beside it.
    others = {c for c in COUNTRIES if c in said} - set(q.countries)
    country_ok = gives_figure_for(q, sentence) or (not others and all(c in passage_words for c in q.countries))
    return years_said and has_figure(q, sentence) and country_ok
