"""Each route of the HTTP API and each error it answers, through FastAPI's TestClient over the
real app, the real model and the paper's real index."""

from __future__ import annotations

import json
import re

import pytest

from chat_app.records import AnswerJSON
from index.search import HitJSON

PAPER = "east_asian_industrial_policy.md"
PROBLEM = "application/problem+json"


def required(shape) -> set[str]:
    """The keys a JSON shape always has (pydantic reads NotRequired where typing cannot: the
    annotations are strings)."""
    from pydantic import TypeAdapter

    return set(TypeAdapter(shape).json_schema()["required"])


def assert_problem(response, status: int, kind: str, detail: str = "") -> dict:
    """An RFC 9457 problem: its media type, the four members, the status repeated inside."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert {"type", "title", "status", "detail"} <= set(body) and body["status"] == status
    assert body["type"] == (f"/problems/{kind}" if kind != "about:blank" else kind)
    assert re.search(detail, body["detail"]), body["detail"]
    return body


# --- the routes ----------------------------------------------------------------------------

def test_ask_answers_with_the_answer_record(api):
    response = api.post("/v1/ask", json={"question": "When was BUILD established?"})

    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    answer = response.json()
    assert set(answer) == required(AnswerJSON)
    assert "1992" in answer["answer"] and answer["abstained"] is False and len(answer["hits"]) == 5
    assert answer["citations"][0]["section"] == "4.2. Linkage policy"


def test_ask_takes_history_a_document_and_k(api):
    first = "When was Malaysia's Vendor Development Program introduced?"
    response = api.post("/v1/ask", json={"question": "And the Industrial Linkage Program?", "history": [first],
                                         "doc": PAPER, "k": 2})

    answer = response.json()
    assert answer["rewritten_question"] == "When was Malaysia's Industrial Linkage Program introduced?"
    assert "1995" in answer["answer"] and len(answer["hits"]) == 2
    as_list = api.post("/v1/ask", json={"question": "And the Industrial Linkage Program?", "history": [first],
                                        "doc": [PAPER], "k": 2})
    assert as_list.json() == answer


def test_search_returns_the_hits_of_index_search(api):
    hits = api.get("/v1/search", params={"q": "linkage policy in Thailand", "k": 3}).json()

    assert [h["rank"] for h in hits] == [1, 2, 3] and all(set(h) == required(HitJSON) for h in hits)
    keyword = api.get("/v1/search", params={"q": "BUILD", "k": 2, "mode": "keyword", "doc": PAPER}).json()
    assert len(keyword) == 2 and all(h["doc"] == PAPER for h in keyword)
    assert len(api.get("/v1/search", params={"q": "linkage"}).json()) == 5  # the top_k setting


def test_documents_lists_each_document_with_its_chunks_and_citation_facts(api, paper_index):
    from index.store import read_manifest

    listing = api.get("/v1/documents").json()

    manifest = read_manifest(paper_index.settings.index_dir)
    assert (listing["generation"], listing["built_at"]) == (manifest["generation"], manifest["built_at"])
    assert listing["model"] == "bundled:all-MiniLM-L6-v2" and listing["rejected"] == []
    [paper] = listing["documents"]
    assert paper["name"] == PAPER and paper["chunks"] == manifest["counts"]["chunks"]
    assert (paper["short_authors"], paper["year"]) == ("Pham, Ohno & Tran", "2019")
    assert paper["citation"].startswith("Pham, Ohno & Tran (2019), The East Asian Industrial Policy Experiences")


def test_a_chunk_comes_with_the_text_the_app_shows_around_it(api, engine):
    from chat_app.web.cards import hit_cards

    hit = engine.searcher.search("When was BUILD established?", 1)[0]
    shown = api.get(f"/v1/chunks/{hit.chunk.id}").json()

    assert shown["chunk"] == hit.chunk.to_json()
    card = hit_cards([hit], engine.searcher.data.documents)[0]  # the app's "Surrounding text"
    assert (shown["before"], shown["text"], shown["after"]) == (card.context.before, card.context.quote,
                                                                card.context.after)
    assert shown["before"].startswith("…") and "BUILD" in shown["text"]


def test_health_and_readiness(api, paper_index):
    assert api.get("/healthz").json() == {"status": "ok"}
    ready = api.get("/readyz").json()
    assert ready["status"] == "ready" and ready["model"] == "bundled:all-MiniLM-L6-v2"
    assert ready["documents"] == 1 and ready["chunks"] == paper_index.report.chunks


def test_openapi_and_docs(api):
    schema = api.get("/openapi.json").json()

    assert set(schema["paths"]) == {"/v1/ask", "/v1/search", "/v1/documents", "/v1/chunks/{chunk_id}", "/healthz",
                                    "/readyz"}  # read-only: no upload, no rebuild
    ask = schema["paths"]["/v1/ask"]["post"]["responses"]
    assert ask["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/AnswerJSON"}
    assert ask["422"]["content"] == {PROBLEM: {"schema": {"$ref": "#/components/schemas/ProblemJSON"}}}
    assert schema["components"]["schemas"]["AnswerJSON"]["additionalProperties"] is False
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    page = api.get("/docs").text
    assert "/docs-assets/swagger-ui-bundle.js" in page and "cdn" not in page  # works offline
    assert api.get("/docs-assets/swagger-ui-bundle.js").status_code == 200


# --- errors --------------------------------------------------------------------------------

@pytest.mark.parametrize("body, kind, detail", [
    ({"question": "   "}, "invalid-question", r"^the question is empty$"),
    ({"question": "\x1b[2J\x07"}, "invalid-question", r"^the question is empty$"),
    ({"question": "BUILD \ud800"}, "invalid-question", r"^the question is not valid UTF-8 text"),
    ({"question": "ok?", "history": [""]}, "invalid-question", r"^history 1 is empty$"),
    ({"question": "ok?", "doc": "nope.md"}, "unknown-document",
     rf"^doc: no document named 'nope.md' in the index; it holds {PAPER}$"),
    ({"question": "ok?", "k": 0}, "invalid-request", r"^k: Input should be greater than or equal to 1$"),
    ({"question": "ok?", "k": 9}, "invalid-request", r"^k: Input should be less than or equal to 8$"),
    ({"question": 5}, "invalid-request", r"^question: Input should be a valid string$"),
    ({"question": "ok?", "history": "not a list"}, "invalid-request", r"^history: Input should be a valid list$"),
    ({"question": "ok?", "extra": 1}, "invalid-request", r"^extra: Extra inputs are not permitted$"),
    ({}, "invalid-request", r"^question: Field required$"),
])
def test_ask_refuses_what_cannot_be_asked(api, body, kind, detail):
    # json.dumps escapes a lone surrogate (\ud800) as JSON allows: the server gets it as is
    response = api.post("/v1/ask", content=json.dumps(body), headers={"content-type": "application/json"})
    problem = assert_problem(response, 422, kind, detail)
    if kind == "invalid-request":
        assert problem["errors"][0]["loc"][0] == "body"


def test_a_body_that_is_not_json_or_not_utf8(api):
    problem = assert_problem(api.post("/v1/ask", content=b'{"question": ', headers={"content-type": "application/json"}),
                             422, "invalid-request", r"^body: not valid JSON \(Expecting value, character 13\)$")
    assert problem["errors"] == [{"loc": ["body"], "msg": "not valid JSON (Expecting value, character 13)"}]
    assert_problem(api.post("/v1/ask", content=b'{"question": "\xff"}', headers={"content-type": "application/json"}),
                   400, "about:blank", r"error parsing the body")


@pytest.mark.parametrize("params, kind, detail", [
    ({"q": " "}, "invalid-question", r"^the query is empty$"),
    ({}, "invalid-request", r"^q: Field required$"),
    ({"q": "x", "k": 0}, "invalid-request", r"^k: Input should be greater than or equal to 1$"),
    ({"q": "x", "k": 101}, "invalid-request", r"^k: Input should be less than or equal to 100$"),
    ({"q": "x", "k": "five"}, "invalid-request", r"^k: Input should be a valid integer"),
    ({"q": "x", "mode": "semantic"}, "invalid-request", r"^mode: Input should be 'hybrid', 'dense' or 'keyword'$"),
    ({"q": "x", "doc": ["nope.md", PAPER]}, "unknown-document", r"^doc: no document named 'nope.md'"),
])
def test_search_refuses_what_cannot_be_searched(api, params, kind, detail):
    assert_problem(api.get("/v1/search", params=params), 422, kind, detail)


def test_unknown_chunks_routes_and_methods(api):
    assert_problem(api.get("/v1/chunks/0123456789abcdef"), 404, "unknown-chunk", r"^no chunk '0123456789abcdef'")
    assert_problem(api.get("/v2/ask"), 404, "about:blank", r"^Not Found$")
    assert_problem(api.get("/v1/ask"), 405, "about:blank", r"^Method Not Allowed$")


def test_a_body_too_large_is_refused_before_it_is_read(api):
    question = {"question": "x" * 70_000}  # over the 64 KB of api_max_body_kb
    assert_problem(api.post("/v1/ask", json=question), 413, "body-too-large",
                   r"^the request body is larger than 64 KB, the most /v1/ask accepts$")

    def chunked():  # no Content-Length: counted as it arrives
        for _ in range(70):
            yield b"x" * 1024

    assert_problem(api.post("/v1/ask", content=chunked(), headers={"content-type": "application/json"}),
                   413, "body-too-large", "64 KB")


def test_without_an_index_every_route_says_how_to_build_one(make_settings, tmp_path):
    from fastapi.testclient import TestClient

    from chat_app.http_api.app import create_app

    with TestClient(create_app(make_settings(tmp_path))) as client:
        assert client.get("/healthz").status_code == 200
        for response in (client.post("/v1/ask", json={"question": "When was BUILD established?"}),
                         client.get("/v1/search", params={"q": "BUILD"}), client.get("/v1/documents"),
                         client.get("/v1/chunks/0123456789abcdef"), client.get("/readyz")):
            assert_problem(response, 503, "index-not-built", r"no index here \(build one with: python -m index build\)")


def test_a_damaged_index_is_503_with_the_rebuild_command(paper_index_copy):
    from fastapi.testclient import TestClient

    from chat_app.http_api.app import create_app

    (paper_index_copy.index_dir / "CURRENT").write_text("not a pointer")
    with TestClient(create_app(paper_index_copy)) as client:
        assert_problem(client.get("/readyz"), 503, "index-unusable",
                       r"the index is damaged \(CURRENT is not a valid pointer\); rebuild it with: python -m index build")


def test_a_bug_is_still_a_problem_without_a_traceback(make_settings, tmp_path):
    from fastapi.testclient import TestClient

    from chat_app.http_api.app import create_app

    app = create_app(make_settings(tmp_path))

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = TestClient(app, raise_server_exceptions=False).get("/boom")
    body = assert_problem(response, 500, "internal-error", r"^unexpected RuntimeError \(this is a bug in policy-qa")
    assert "secret internals" not in response.text and "Traceback" not in body["detail"]
