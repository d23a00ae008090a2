"""An optional language model that words the answer, held to the passages it is given.

Any OpenAI-compatible chat endpoint works (a local llama.cpp server or Ollama are the usual
ones): it receives the numbered passages and must answer from them alone, ending every
sentence with the marker of its passage. A reply with a sentence that cites nothing, or a
marker that points at no passage, is not shown: the engine falls back to its extractive
answer and says why. Off unless `generator_url` is set.
"""

from __future__ import annotations

import json
import re
import socket
import urllib.error
import urllib.request
from dataclasses import replace
from typing import TYPE_CHECKING

from chat_app.records import NOT_IN_PAPER, Answer, Citation
from index.tokens import tokenize
from ingest.sentences import sentence_spans
from ingest.settings import Settings

if TYPE_CHECKING:
    from chat_app.engine import AnswerEngine

PASSAGES = 5
SYSTEM_PROMPT = (
    "You answer questions about a research paper using only the numbered passages you are given. "
    "Answer in one to three short sentences. End every sentence with the number of the passage it "
    "comes from in square brackets, like [2]. Do not use any knowledge beyond the passages. If the "
    f"passages do not contain the answer, reply exactly: {NOT_IN_PAPER}"
)
_MARKER_RE = re.compile(r"\[(\d+)\]")


class GeneratorError(Exception):
    """The endpoint could not be reached, did not answer in time, or answered nonsense."""


class Generator:
    def __init__(self, settings: Settings):
        self.url = settings.generator_url.rstrip("/") + "/chat/completions"
        self.model = settings.generator_model or "default"
        self.timeout = settings.generator_timeout

    def improve(self, extractive: Answer, engine: "AnswerEngine") -> Answer:
        """The generated answer when it is fully cited; otherwise the extractive one with a note."""
        passages = _passages(extractive)
        try:
            reply = self.complete(extractive.rewritten_question, passages)
        except GeneratorError as error:
            return replace(extractive, note=f"The language model gave no usable reply ({error}); "
                                            "this is the extractive answer.")
        if reply.strip().startswith(NOT_IN_PAPER.rstrip(".")):
            return replace(extractive, text=NOT_IN_PAPER, abstained=True, citations=(), method="generated",
                           note="The language model found no answer in the passages.")
        problem = uncited(reply, len(passages))
        if problem:
            return replace(extractive, note=f"The language model's reply was not shown: {problem}. "
                                            "This is the extractive answer.")
        text, citations = self._cite(reply, passages, engine)
        return replace(extractive, text=text, citations=citations, method="generated")

    def complete(self, question: str, chunks) -> str:
        numbered = "\n\n".join(f"[{n}] ({c.citation()})\n{' '.join(c.text.split())}" for n, c in enumerate(chunks, 1))
        body = json.dumps({
            "model": self.model, "temperature": 0,
            "messages": [{"role": "system", "content": SYSTEM_PROMPT},
                         {"role": "user", "content": f"Passages:\n\n{numbered}\n\nQuestion: {question}"}],
        }).encode("utf-8")
        request = urllib.request.Request(self.url, body, {"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                payload = json.loads(response.read().decode("utf-8"))
        except (socket.timeout, TimeoutError):
            raise GeneratorError(f"no reply within {self.timeout:g} s") from None
        except urllib.error.URLError as error:
            reason = error.reason if isinstance(error.reason, str) else type(error.reason).__name__
            if isinstance(error.reason, (socket.timeout, TimeoutError)):
                reason = f"no reply within {self.timeout:g} s"
            raise GeneratorError(f"{self.url}: {reason}") from None
        except (ValueError, OSError) as error:
            raise GeneratorError(f"{self.url}: {error}") from None
        try:
            return str(payload["choices"][0]["message"]["content"])
        except (KeyError, IndexError, TypeError):
            raise GeneratorError(f"{self.url}: the reply has no choices[0].message.content") from None

    def _cite(self, reply: str, passages, engine: "AnswerEngine") -> tuple[str, tuple[Citation, ...]]:
        """Renumber the markers in order of use and quote, from each cited passage, the
        sentence closest to what the reply says it supports."""
        order: dict[int, int] = {}
        for match in _MARKER_RE.finditer(reply):
            order.setdefault(int(match.group(1)), len(order) + 1)
        text = _MARKER_RE.sub(lambda m: f"[{order[int(m.group(1))]}]", reply.strip())
        citations = []
        for given, n in order.items():
            chunk = passages[given - 1]
            claims = " ".join(s for s in _sentences(reply) if f"[{given}]" in s)
            citations.append(_quote(n, chunk, claims, engine))
        return text, tuple(citations)


def _passages(extractive: Answer) -> list:
    """The passages the model reads: those the extractive answer quotes first (the reader may
    quote a passage retrieved below the ones returned with the answer), then the others
    returned, PASSAGES in all."""
    quoted = {c.chunk.id: c.chunk for c in extractive.citations}
    return [*quoted.values(), *(h.chunk for h in extractive.hits if h.chunk.id not in quoted)][:PASSAGES]


def uncited(reply: str, passages: int) -> str:
    """Why a reply cannot be shown as it is, or "" when every sentence cites a given passage."""
    for sentence in _sentences(reply):
        markers = [int(m) for m in _MARKER_RE.findall(sentence)]
        if not markers:
            return f"the sentence \"{sentence[:80]}\" cites no passage"
        invented = [m for m in markers if not 1 <= m <= passages]
        if invented:
            return f"[{invented[0]}] points at no passage (there were {passages})"
    return ""


def _sentences(reply: str) -> list[str]:
    text = reply.strip()
    # A marker after the full stop ("... 1988. [1]") belongs to the sentence before it.
    text = re.sub(r"([.!?])\s+((?:\[\d+\]\s*)+)", r" \2\1 ", text)
    return [text[s:e] for s, e in sentence_spans(text) if text[s:e].strip(" .")]


def _quote(n: int, chunk, claims: str, engine: "AnswerEngine") -> Citation:
    document = engine.searcher.data.documents[chunk.doc]
    rows = engine.reader.rows_of_chunk.get(chunk.id, [])
    sentences = [engine.searcher.data.sentences[r] for r in rows] or []
    wanted = set(tokenize(claims))
    best = max(sentences, key=lambda s: len(wanted & set(tokenize(s.text))), default=None)
    if best is None:  # a whole-table chunk: quote it from its start
        page = document.page_at(chunk.start)
        return Citation(n, chunk, document.text[chunk.start:chunk.end], chunk.start, chunk.end,
                        page.number if page else None, page.label if page else None)
    return Citation(n, chunk, document.text[best.start:best.end], best.start, best.end, best.page, best.page_label)
