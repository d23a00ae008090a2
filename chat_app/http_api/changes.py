"""The routes that change the corpus and the index: POST /v1/documents (an upload, checked as
the app checks one, then a rebuild) and POST /v1/index/rebuild. They exist only when an API
token is configured, and beyond localhost only when remote changes are allowed
(chat_app/documents/access.py); then every request needs the token as a bearer token.
"""

from __future__ import annotations

from fastapi import FastAPI, File, Security, UploadFile
from fastapi.security import HTTPBearer
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from chat_app.documents.access import bearer_token_matches
from chat_app.documents.uploads import SUPPORTED_TYPES, UploadRefused, add_upload, upload_limit
from chat_app.http_api.current import CurrentIndex
from chat_app.http_api.problems import BODY_TOO_LARGE, UNAUTHORIZED, Problem, problem_response, problem_responses
from chat_app.http_api.schemas import UploadJSON, contract, upload_json
from index.builder import BuildJSON, build_index
from ingest.settings import Settings

UPLOAD, REBUILD = "/v1/documents", "/v1/index/rebuild"
TOKEN_MISSING = "send the API token (POLICY_QA_API_TOKEN) as the header: Authorization: Bearer <token>"


def change_routes(app: FastAPI, settings: Settings, current: CurrentIndex) -> None:
    # Declares the scheme in the OpenAPI schema (the docs page's "Authorize"); TokenGate checks.
    bearer = [Security(HTTPBearer(auto_error=False, description="The API token (POLICY_QA_API_TOKEN)."))]
    app.add_middleware(TokenGate, settings=settings, paths=(UPLOAD, REBUILD))

    def rebuild() -> BuildJSON:
        report = build_index(settings, embedder=current.embedder)  # waits for any other build
        current.get()  # the new generation answers from now on, in this worker at once
        return report.to_json()

    @app.post(UPLOAD, status_code=201, response_model=UploadJSON, dependencies=bearer, tags=["changes"],
              responses={200: {"model": UploadJSON, "description": "The corpus already holds this file."},
                         **problem_responses(400, 401, 413, 422, 503)})
    def upload(file: UploadFile = File(description=f"A document: {SUPPORTED_TYPES}")) -> Response:
        """Add a document to the corpus, with the same checks as the app's uploader, and rebuild
        the index with it."""
        data = file.file.read()  # bounded: the body limit is the upload limit
        outcome = add_upload(file.filename or "", data, settings)
        if outcome.duplicate_of:
            return contract(upload_json(outcome, None))
        if not outcome.accepted:
            if len(data) > upload_limit(settings):
                raise Problem(BODY_TOO_LARGE, outcome.message)
            raise UploadRefused(outcome.name, outcome.reason)
        return contract(upload_json(outcome, rebuild()), status_code=201)

    @app.post(REBUILD, response_model=BuildJSON, dependencies=bearer, tags=["changes"],
              responses=problem_responses(401, 422))
    def rebuild_index() -> Response:
        """Bring the index up to date with the corpus folder (what `python -m index build` does)."""
        return contract(rebuild())


class TokenGate:
    """ASGI middleware: a request to `paths` without the token is refused (401) before any of
    its body is read: an upload of many megabytes by someone without the token costs nothing."""

    def __init__(self, app: ASGIApp, settings: Settings, paths: tuple[str, ...]):
        self.app = app
        self.settings = settings
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] in self.paths:
            header = dict(scope["headers"]).get(b"authorization")
            if not bearer_token_matches(header.decode("latin-1") if header else None, self.settings):
                response = problem_response(UNAUTHORIZED, TOKEN_MISSING, {"WWW-Authenticate": "Bearer"})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
