"""Uploads and rebuilds through the HTTP API: absent without a token (and beyond localhost
without allow_remote_changes), then behind the bearer token, with the app's upload checks."""

from __future__ import annotations

import pytest

from tests.helpers import API_TOKEN

PAPER = "east_asian_industrial_policy.md"
NOTE = b"# Field notes\n\nSupplier audits in Hanoi found that training of trainers spread kaizen to 40 firms.\n"


def bearer(token: str = API_TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def app_paths(settings) -> set[str]:
    from chat_app.http_api.app import create_app

    return {route.path for route in create_app(settings).routes if "POST" in getattr(route, "methods", ())}


def test_without_a_token_the_api_is_read_only(api):
    assert api.post("/v1/documents", files={"file": ("n.md", NOTE)}).status_code == 405  # GET only
    assert api.post("/v1/index/rebuild").status_code == 404
    assert "/v1/index/rebuild" not in api.get("/openapi.json").json()["paths"]


@pytest.mark.parametrize("host, allow, offered", [
    ("127.0.0.1", False, True), ("0.0.0.0", False, False), ("0.0.0.0", True, True), ("192.168.1.20", False, False),
])
def test_beyond_localhost_changes_follow_the_remote_changes_policy(make_settings, tmp_path, host, allow, offered):
    settings = make_settings(tmp_path, api_token=API_TOKEN, api_host=host, allow_remote_changes=allow)
    assert ({"/v1/documents", "/v1/index/rebuild"} <= app_paths(settings)) is offered


@pytest.mark.parametrize("headers", [{}, bearer("wrong-token-0123456789abcdef"), bearer(API_TOKEN[:-1]),
                                     {"Authorization": f"Basic {API_TOKEN}"}, {"Authorization": API_TOKEN}])
def test_changes_need_the_token(changing_api, headers):
    for response in (changing_api.post("/v1/index/rebuild", headers=headers),
                     changing_api.post("/v1/documents", files={"file": ("n.md", NOTE)}, headers=headers)):
        assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
        assert response.json()["type"] == "/problems/unauthorized"


def test_without_the_token_a_huge_upload_is_refused_unread(changing_api):
    response = changing_api.post("/v1/documents", content=b"x" * (3 * 1024 * 1024),
                                 headers={"content-type": "multipart/form-data; boundary=x"})
    assert response.status_code == 401  # not 413: nothing of it was read


def test_the_token_is_compared_in_constant_time(monkeypatch):
    import hmac

    from chat_app.documents import access
    from ingest.settings import Settings

    compared, real = [], hmac.compare_digest
    monkeypatch.setattr(access.hmac, "compare_digest", lambda a, b: compared.append((a, b)) or real(a, b))
    settings = Settings(api_token=API_TOKEN)
    assert access.bearer_token_matches(f"Bearer {API_TOKEN}", settings) is True
    assert access.bearer_token_matches("Bearer nope", settings) is False
    assert compared == [(API_TOKEN.encode(), API_TOKEN.encode()), (b"nope", API_TOKEN.encode())]
    assert access.bearer_token_matches(f"Bearer {API_TOKEN}", Settings()) is False  # no token: nothing matches


def test_an_upload_joins_the_corpus_and_the_index_at_once(changing_api):
    response = changing_api.post("/v1/documents", files={"file": ("field notes.md", NOTE)}, headers=bearer())

    assert response.status_code == 201, response.text
    added = response.json()
    assert (added["name"], added["saved_as"]) == ("field notes.md", "field notes.md")
    assert added["build"]["files"] == ["east_asian_industrial_policy.md", "field notes.md"]
    assert [d["name"] for d in changing_api.get("/v1/documents").json()["documents"]] == [PAPER, "field notes.md"]
    answer = changing_api.post("/v1/ask", json={"question": "How many firms did kaizen spread to?",
                                                "doc": "field notes.md"}).json()
    assert "40 firms" in answer["answer"]

    again = changing_api.post("/v1/documents", files={"file": ("copy.md", NOTE)}, headers=bearer())
    assert again.status_code == 200 and again.json()["saved_as"] is None and again.json()["build"] is None
    assert again.json()["message"] == "copy.md: already in the corpus as field notes.md; nothing to add"


@pytest.mark.parametrize("name, data, status, detail", [
    ("notes.docx", b"PK\x03\x04", 422, r"^notes\.docx: unsupported file type \.docx; use \.markdown, \.md, \.pdf, \.text, \.txt$"),
    ("../escape.md", NOTE, 422, r"points outside the corpus folder"),
    ("empty.txt", b"", 422, r"^empty\.txt: "),
    ("big.txt", b"word " * (1024 * 1024 // 5 + 2000), 413, r"^big\.txt: the file is 1\.0 MB; the limit is 1 MB$"),
    ("huge.txt", b"word " * (2 * 1024 * 1024 // 5), 413, r"^the request body is larger than 1 MB"),
])
def test_uploads_are_checked_as_the_app_checks_them(changing_api, name, data, status, detail):
    import re

    response = changing_api.post("/v1/documents", files={"file": (name, data)}, headers=bearer())

    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert re.search(detail, response.json()["detail"]), response.json()["detail"]
    assert sorted(p.name for p in changing_api.settings.corpus_dir.iterdir()) == [PAPER, PAPER + ".meta.json"]


def test_rebuild_brings_the_index_up_to_date(changing_api):
    response = changing_api.post("/v1/index/rebuild", headers=bearer())

    assert response.status_code == 200
    report = response.json()
    assert report["up_to_date"] is True and report["files"] == [PAPER] and report["rejected"] == []
