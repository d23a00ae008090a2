"""The optional generator against a stub OpenAI-compatible server on loopback.

The stub speaks the chat-completions protocol; what it replies is set per test: a properly
cited answer, one with an invented citation, one with an uncited sentence, one that comes
too late, and a refusal.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from chat_app.engine import AnswerEngine

QUESTION = "When was Malaysia's Vendor Development Program introduced?"


class StubServer:
    def __init__(self):
        self.reply = ""
        self.delay = 0.0
        self.requests: list[dict] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                stub.requests.append({"path": self.path, "body": body})
                time.sleep(stub.delay)
                payload = json.dumps({"id": "stub", "object": "chat.completion", "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": stub.reply}, "finish_reason": "stop"}]})
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(payload.encode())
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting: that is the point of the timeout test

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def stub():
    server = StubServer()
    yield server
    server.close()


@pytest.fixture
def generating(paper_searcher, stub):
    settings = replace(paper_searcher.settings, generator_url=stub.url, generator_model="stub-model",
                       generator_timeout=1.0)
    return AnswerEngine(paper_searcher, settings)


def test_a_cited_reply_is_shown_with_its_citations(generating, stub, paper_text):
    stub.reply = ("Malaysia introduced the Vendor Development Program in 1988 [2]. "
                  "It supported Bumiputra suppliers [2].")
    hits = generating.searcher.search(QUESTION, 5)
    stub.reply = stub.reply.replace("[2]", f"[{1 + [h.chunk.section for h in hits].index('4.2. Linkage policy')}]")
    answer = generating.ask(QUESTION)
    assert answer.method == "generated" and not answer.note
    assert answer.text == ("Malaysia introduced the Vendor Development Program in 1988 [1]. "
                           "It supported Bumiputra suppliers [1].")
    assert len(answer.citations) == 1
    assert answer.citations[0].quote in paper_text and "1988" in answer.citations[0].quote
    request = stub.requests[-1]
    assert request["path"] == "/v1/chat/completions"
    assert request["body"]["model"] == "stub-model"
    user = request["body"]["messages"][-1]["content"]
    assert "[1]" in user and QUESTION in user


@pytest.mark.parametrize("reply, problem", [
    ("Malaysia introduced it in 1988 [7].", "[7] points at no passage"),
    ("Malaysia introduced it in 1988 [1]. It was very successful.", "cites no passage"),
])
def test_an_uncited_reply_falls_back_to_the_extractive_answer(generating, stub, reply, problem):
    stub.reply = reply
    answer = generating.ask(QUESTION)
    assert answer.method == "extractive"
    assert problem in answer.note and "extractive answer" in answer.note
    assert "1988" in answer.text and answer.citations


def test_a_reply_that_times_out_falls_back(generating, stub):
    stub.reply, stub.delay = "Too late [1].", 3.0
    try:
        started = time.perf_counter()
        answer = generating.ask(QUESTION)
        assert time.perf_counter() - started < 2.5
    finally:
        stub.delay = 0.0
    assert answer.method == "extractive"
    assert "no reply within 1 s" in answer.note
    assert "1988" in answer.text


def test_the_model_may_say_the_paper_does_not_say(generating, stub):
    stub.reply = "The paper does not say."
    answer = generating.ask(QUESTION)
    assert answer.abstained and not answer.citations and answer.hits


def test_an_unreachable_endpoint_falls_back(paper_searcher):
    settings = replace(paper_searcher.settings, generator_url="http://127.0.0.1:9/v1", generator_timeout=1.0)
    answer = AnswerEngine(paper_searcher, settings).ask(QUESTION)
    assert answer.method == "extractive" and "127.0.0.1:9" in answer.note


def test_the_model_reads_the_passage_the_extractive_answer_quotes(paper_searcher):
    """The reader weighs more passages than an answer returns: the one it quoted may be
    retrieved below them, and the model must still read it."""
    from chat_app.engine.generator import PASSAGES, _passages

    extractive = AnswerEngine(paper_searcher).ask(QUESTION)
    quoted = extractive.citations[0].chunk
    elsewhere = [h for h in paper_searcher.search("What does the paper say about handholding?", 8)
                 if h.chunk.id != quoted.id]
    read = _passages(replace(extractive, hits=tuple(elsewhere)))
    assert read[0].id == quoted.id and len(read) == PASSAGES
    assert [c.id for c in read[1:]] == [h.chunk.id for h in elsewhere[:PASSAGES - 1]]
