"""Question analysis: type, entities, content words (pure, no model)."""

import pytest

from chat_app.question import QuestionType, analyse, proper_names


@pytest.mark.parametrize("question, kind", [
    ("When was Malaysia's Vendor Development Program introduced?", QuestionType.YEAR),
    ("In what year was Japan's SME Agency established?", QuestionType.YEAR),
    ("How much cumulative registered FDI capital had Vietnam received?", QuestionType.NUMBER),
    ("What was Singapore's per capita income in 2017?", QuestionType.NUMBER),
    ("Why can the arrival of many manufacturing FDI firms be a double-edged sword?", QuestionType.REASON),
    ("What do the authors see as the main reason for slow progress?", QuestionType.REASON),
    ("What is selective industrial policy?", QuestionType.DEFINITION),
    ("Who chairs Malaysia's National SME Development Council?", QuestionType.WHO),
    ("Who are the authors of the paper?", QuestionType.META),
    ("When was the paper published?", QuestionType.META),
    ("What are the two distinct purposes of SME promotion?", QuestionType.LIST),
    ("What policy implications for Vietnam does the paper draw?", QuestionType.LIST),
    ("Should Vietnam follow the Thai or the Malaysian way?", QuestionType.YES_NO),
    ("What explains the divergent income outcomes of the five economies?", QuestionType.OTHER),
])
def test_question_types(question, kind):
    assert analyse(question).type is kind


def test_entities_countries_years_names():
    q = analyse("What was Thailand's manufacturing value added as a percentage of GDP in 2010?")
    assert q.countries == ("thailand",)
    assert q.years == ("2010",)
    assert "GDP" in q.names
    assert "manufacturing" in q.content and "thailand" in q.content


def test_demonyms_name_their_country():
    q = analyse("How fast did the Vietnamese economy grow?")
    assert q.countries == ("vietnam",)


def test_proper_names_skip_the_first_word_and_countries():
    assert proper_names("When was Malaysia's Vendor Development Program introduced?") == ("Vendor Development Program",)
    assert proper_names("What is training of trainers (TOT)?") == ("TOT",)


def test_definition_subject():
    assert analyse("What is selective industrial policy?").subject == "selective industrial policy"
    assert analyse("What is one of BUILD's most successful schemes?").subject == ""
