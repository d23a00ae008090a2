"""The judging rules of eval/JUDGING.md and the questions-file reader."""

from __future__ import annotations

import re

import pytest

from index.evaluation import is_relevant, load_questions, normalise, score_retrieval
from ingest.errors import InputFileError
from tests.helpers import DEV


def test_evidence_is_matched_on_normalised_text():
    row = "Table 1. Manufacturing value-added ... | Thailand | 2010: 31.07"

    assert normalise("Thailand | 2010: 31.07") == " thailand 2010 31 07 "
    assert is_relevant(row, [["thailand", "31.07"]])
    assert not is_relevant(row, [["thailand", "27.20"]])
    assert is_relevant(row, ["nothing here", ["manufacturing value added", "2010"]])  # any item
    assert not is_relevant("Thailand", [])


def test_the_dev_set_loads():
    questions = load_questions(DEV, require_gold=True)

    assert len(questions) == 33
    assert sum(q.answerable for q in questions) == 28
    assert {q.kind for q in questions} >= {"table", "number", "definition", "unanswerable", "near_miss"}


@pytest.mark.parametrize("content, message", [
    ('{"id": "a", "question": "q"}\nnot json\n', r"line 2: not JSON \(Expecting value\)$"),
    ('["a list"]\n', r"line 1: expected a JSON object$"),
    ('{"id": "a"}\n', r"line 1: field 'question' is missing or empty$"),
    ('{"id": "", "question": "q"}\n', r"line 1: field 'id' is missing or empty$"),
    ('{"id": "a", "question": "q", "history": "not a list"}\n', r"line 1: field 'history' must be a list of strings$"),
    ('{"id": "a", "question": "q"}\n\n{"id": "a", "question": "r"}\n', r"line 3: duplicate id 'a'$"),
])
def test_a_bad_line_is_named_by_file_and_line(tmp_path, content, message):
    path = tmp_path / "queries.jsonl"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(InputFileError, match=rf"^{re.escape(str(path))} {message}"):
        load_questions(path)


def test_gold_questions_need_answerable(tmp_path):
    path = tmp_path / "gold.jsonl"
    path.write_text('{"id": "a", "question": "q"}\n', encoding="utf-8")

    assert load_questions(path)[0].answerable is True
    with pytest.raises(InputFileError, match=rf"^{re.escape(str(path))} line 1: field 'answerable' is missing$"):
        load_questions(path, require_gold=True)


@pytest.mark.parametrize("data, message", [
    (None, r"cannot be read \(No such file or directory\)$"),
    (b"\xff\xfe\x00bad", r"not UTF-8 text$"),
])
def test_an_unreadable_questions_file(tmp_path, data, message):
    path = tmp_path / "queries.jsonl"
    if data is not None:
        path.write_bytes(data)

    with pytest.raises(InputFileError, match=rf"^{re.escape(str(path))}: {message}"):
        load_questions(path)


def test_score_retrieval_recall_mrr_and_ndcg(tmp_path):
    path = tmp_path / "gold.jsonl"
    path.write_text('{"id": "a", "question": "q1", "answerable": true, "evidence": ["alpha"]}\n'
                    '{"id": "b", "question": "q2", "answerable": true, "evidence": ["beta"]}\n'
                    '{"id": "c", "question": "q3", "answerable": false, "evidence": []}\n', encoding="utf-8")
    questions = load_questions(path, require_gold=True)
    ranked = {"a": ["alpha here", "x"], "b": ["x", "y", "beta there"], "c": ["x"]}

    scores = score_retrieval("hybrid", questions, ranked, ["alpha here", "beta there", "x", "y"])

    assert scores.ranks == {"a": 1, "b": 3}  # the unanswerable question is not scored
    assert scores.recall == {1: 0.5, 5: 1.0, 10: 1.0}
    assert scores.mrr10 == pytest.approx((1 + 1 / 3) / 2)
    assert scores.ndcg10 == pytest.approx((1 + 0.5) / 2)
