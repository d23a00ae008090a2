"""One contract: the command line and the HTTP API return the same JSON for the same question,
and that JSON is what the OpenAPI schema says (its response models are the records' shapes)."""

from __future__ import annotations

import json

import pytest

PAPER = "east_asian_industrial_policy.md"
VDP = "When was Malaysia's Vendor Development Program introduced?"

# (question, history, documents, k): a plain question, a table figure, a trend over table cells,
# a refusal, a follow-up, one limited to a document, and one refused inside a document.
ASKED = [
    ("When was BUILD established?", [], None, None),
    ("What was the manufacturing share of GDP in Thailand in 1990?", [], None, None),
    ("How did Vietnam's share of manufactured exports change from 2000 to 2017?", [], None, None),
    ("Who won the 2018 FIFA World Cup?", [], None, None),
    ("And the Industrial Linkage Program?", [VDP], None, None),
    ("What policy implications for Vietnam does the paper draw?", [], [PAPER], 3),
    ("How much did Vietnam spend on space research in 2015?", ["What is industrial policy?"], [PAPER], 8),
]


@pytest.mark.parametrize("question, history, docs, k", ASKED)
def test_cli_and_http_give_identical_json(paper_index, api, question, history, docs, k):
    from tests.helpers import cli_env, run_cli

    argv = ["ask", question, "--json", "--index", str(paper_index.settings.index_dir)]
    argv += [arg for earlier in history for arg in ("--history", earlier)]
    argv += [arg for doc in docs or () for arg in ("--doc", doc)]
    argv += ["-k", str(k)] if k is not None else []
    done = run_cli("chat_app", *argv, env=cli_env(paper_index.settings))
    assert done.returncode == 0, done.stderr
    from_cli = json.loads(done.stdout)

    body = {"question": question, "history": history} | ({"doc": docs} if docs else {}) | ({"k": k} if k else {})
    from_http = api.post("/v1/ask", json=body).json()

    assert from_http == from_cli  # nothing ignored: the records hold no timings
    assert from_cli["abstained"] is (question.startswith(("Who won", "How much did Vietnam spend")))
    assert bool(from_cli["table_cells"]) is ("share" in question)  # the table answers carry their cells


def test_cli_search_and_http_search_give_identical_json(paper_index, api):
    from tests.helpers import cli_env, run_cli

    done = run_cli("index", "search", "linkage policy in Thailand", "--json", "-k", "4", "--mode", "dense",
                   "--doc", PAPER, "--index", str(paper_index.settings.index_dir), env=cli_env(paper_index.settings))
    assert done.returncode == 0, done.stderr

    params = {"q": "linkage policy in Thailand", "k": 4, "mode": "dense", "doc": PAPER}
    assert api.get("/v1/search", params=params).json() == json.loads(done.stdout)


def test_every_answer_fits_the_schema_the_api_publishes(dev_questions, api, engine):
    """The records' to_json() against their TypedDicts, strictly (no key beyond those declared,
    each of its type): a key added to one and not the other fails here, and would make
    schemathesis fail on the API."""
    from pydantic import TypeAdapter

    from chat_app.records import AnswerJSON

    published = api.get("/openapi.json").json()["components"]["schemas"]["AnswerJSON"]
    assert published["additionalProperties"] is False
    adapter = TypeAdapter(AnswerJSON)
    records = [api.post("/v1/ask", json={"question": gold.question}).json() for gold in dev_questions]
    records.append(engine.ask(VDP).to_json("q1"))  # with the id of `ask --questions`
    for record in records:
        assert adapter.validate_python(record, strict=True) == record
        assert set(record) <= set(published["properties"])
