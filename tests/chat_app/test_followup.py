"""Follow-up questions resolved against the earlier ones (pure, no model)."""

import pytest

from chat_app.engine.followup import main_subject, resolve


@pytest.mark.parametrize("history, question, expected", [
    (["When was Malaysia's Vendor Development Program introduced?"], "And the Industrial Linkage Program?",
     "When was Malaysia's Industrial Linkage Program introduced?"),
    (["What was Vietnam's manufacturing value-added as a share of GDP in 2017?"], "And Thailand?",
     "What was Thailand's manufacturing value-added as a share of GDP in 2017?"),
    (["What was Thailand's manufacturing value added as a percentage of GDP in 2010?"], "And in 2000?",
     "What was Thailand's manufacturing value added as a percentage of GDP in 2000?"),
    (["What is BUILD in Thailand?"], "What is its weakness?", "What is BUILD's weakness?"),
    (["What is handholding support for SMEs?"], "How long does it usually last?",
     "How long does handholding support for SMEs usually last?"),
    (["What share of Malaysia's total exports were manufactured exports in 2000?", "And Japan?"], "What about 2010?",
     "What share of Japan's total exports were manufactured exports in 2010?"),
    (["When was Malaysia's Vendor Development Program introduced?"], "Why was it dropped?",
     "Why was Malaysia's Vendor Development Program dropped?"),
])
def test_follow_ups_are_resolved(history, question, expected):
    assert resolve(question, history) == expected


def test_a_question_of_its_own_is_left_alone():
    history = ["When was Malaysia's Vendor Development Program introduced?"]
    question = "What is selective industrial policy?"
    assert resolve(question, history) == question
    assert resolve(question, []) == question


def test_main_subject():
    assert main_subject("When was Malaysia's Vendor Development Program introduced?") == \
        "Malaysia's Vendor Development Program"
    assert main_subject("What is selective industrial policy?") == "selective industrial policy"
