"""The HTTP API: `create_app(settings)` is the FastAPI application `python -m chat_app serve`
runs (uvicorn calls it in each worker process, settings from the environment).

Every answer is the record the command line prints: a route calls the engine and returns
`Answer.to_json()`, `Hit.to_json()`, ... as they are, serialised as `ask --json` does; the same
TypedDicts are the routes' response models, so the OpenAPI schema is that contract too.
Routes are plain functions (FastAPI runs them in its thread pool) so that a slow request never
blocks /healthz; the engine itself answers one request at a time (see current.Loaded).
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from typing import Literal

from fastapi import FastAPI, Query
from fastapi_offline import FastAPIOffline
from starlette.responses import Response
from starlette.types import Scope

from chat_app.documents.access import http_changes_allowed
from chat_app.documents.indexing import DocumentsJSON, documents_json
from chat_app.documents.surroundings import ChunkInContextJSON, chunk_in_context_json
from chat_app.documents.uploads import upload_limit
from chat_app.http_api.current import CurrentIndex
from chat_app.http_api.limits import BodyLimit
from chat_app.http_api.problems import install_handlers, problem_responses, with_problem_media_type
from chat_app.http_api.schemas import MAX_SEARCH_K, AskRequest, HealthJSON, ReadyJSON, contract
from chat_app.records import AnswerJSON
from index.hygiene import check_question
from index.search import MODES, HitJSON, check_documents
from ingest.errors import PolicyQAError, UnknownChunkError
from ingest.settings import Settings

UPLOAD_PATH = "/v1/documents"
# A multipart body wraps the file in a few headers and boundaries.
MULTIPART_SLACK = 64 * 1024
log = logging.getLogger("policy_qa.http_api")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.load()
    current = CurrentIndex(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        try:  # load the index before the first request, which would otherwise wait for it
            current.get()
        except PolicyQAError as error:  # served anyway: /readyz and every route say why (503)
            log.warning("%s", error)
        yield

    # /docs with Swagger UI from the package, not from a CDN: the page works offline, as
    # everything else here does, and tells no third party who reads it.
    app = FastAPIOffline(title="policy-qa", version="1", lifespan=lifespan, redoc_url=None,
                         static_url="/docs-assets", description=(
        "Cited answers from the indexed research papers: the same JSON as `python -m chat_app ask --json` "
        "and `python -m index search --json`. Errors are RFC 9457 problem details."))
    install_handlers(app)
    app.add_middleware(BodyLimit, limit_for=lambda scope: _body_limit(scope, settings))
    _answer_routes(app, settings, current)
    if http_changes_allowed(settings.api_host, settings):
        from chat_app.http_api.changes import change_routes

        change_routes(app, settings, current)
    default_openapi = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:  # FastAPI keeps the schema it makes: changed in place, once
            with_problem_media_type(default_openapi())
        return app.openapi_schema

    app.openapi = openapi
    return app


def _answer_routes(app: FastAPI, settings: Settings, current: CurrentIndex) -> None:
    @app.post("/v1/ask", response_model=AnswerJSON, tags=["answers"],
              responses=problem_responses(400, 413, 422, 503))
    def ask(request: AskRequest) -> Response:
        """A cited answer: exactly what `python -m chat_app ask --json` prints."""
        check_question(request.question)
        for n, earlier in enumerate(request.history, start=1):
            check_question(earlier, f"history {n}")
        loaded = current.get()
        docs = check_documents(request.docs, loaded.engine.documents, "doc")
        with loaded.lock:
            answer = loaded.engine.ask(request.question, request.history, docs, request.k)
        return contract(answer.to_json())

    @app.get("/v1/search", response_model=list[HitJSON], tags=["answers"], responses=problem_responses(422, 503))
    def search(q: str = Query(description="What to look for."),
               k: int | None = Query(None, ge=1, le=MAX_SEARCH_K, description="Passages to return (default 5)."),
               mode: Literal[MODES] = Query("hybrid", description="The fused ranking, or one of its parts alone."),
               doc: list[str] | None = Query(None, description="Search these documents only (repeatable).")) -> Response:
        """Ranked passages: exactly what `python -m index search --json` prints."""
        check_question(q, "the query")
        loaded = current.get()
        docs = check_documents(doc, loaded.engine.documents, "doc")
        with loaded.lock:
            hits = loaded.engine.searcher.search(q, k or settings.top_k, mode=mode, docs=docs)
        return contract([hit.to_json() for hit in hits])

    @app.get("/v1/documents", response_model=DocumentsJSON, tags=["index"], responses=problem_responses(503))
    def documents() -> Response:
        """Each document with its chunk count and citation facts, and when the index was built."""
        return contract(documents_json(current.get().engine.searcher.data))

    @app.get("/v1/chunks/{chunk_id}", response_model=ChunkInContextJSON, tags=["index"],
             responses=problem_responses(404, 503))
    def chunk(chunk_id: str) -> Response:
        """A chunk (as `python -m index chunks` prints it) with the text before and after it."""
        searcher = current.get().engine.searcher
        found = searcher.chunk(chunk_id)
        if found is None:
            raise UnknownChunkError(f"no chunk {chunk_id!r} in the index (ids change only when the text does; "
                                    "take them from a search or an answer)")
        return contract(chunk_in_context_json(found, searcher.data.documents))

    @app.get("/healthz", response_model=HealthJSON, tags=["service"])
    def healthz() -> Response:
        """The server is up (whether or not it has an index)."""
        return contract({"status": "ok"})

    @app.get("/readyz", response_model=ReadyJSON, tags=["service"], responses=problem_responses(503))
    def readyz() -> Response:
        """The index is loaded: which build, when, with which model; 503 with the reason if not."""
        loaded = current.get()
        manifest = loaded.manifest
        ready: ReadyJSON = {"status": "ready", "generation": loaded.generation, "built_at": manifest["built_at"],
                            "model": manifest["model"]["name"], "documents": len(loaded.engine.documents),
                            "chunks": len(loaded.engine.searcher.data.chunks)}
        return contract(ready)


def _body_limit(scope: Scope, settings: Settings) -> int:
    if scope["path"] == UPLOAD_PATH and scope["method"] == "POST":
        return upload_limit(settings) + MULTIPART_SLACK
    return settings.api_max_body_kb * 1024
