"""Errors of the HTTP API as RFC 9457 problem details: `application/problem+json` with type,
title, status and detail, the detail being the same one line the command line prints.

Each kind of user error (one exception type each, ingest/errors.py) has its status here:
a question that cannot be asked, a document or chunk the index does not hold, no index
(503, with the command that builds one), a body too large. Anything else that escapes a
route is a bug: it still gets a problem (500) without a traceback for the client, and the
tests check that no input reaches it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from http import HTTPStatus

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from typing_extensions import NotRequired, TypedDict

from chat_app.documents.uploads import UploadRefused
from ingest.errors import (IndexMismatchError, IndexNotFoundError, NothingIndexedError, PolicyQAError, QuestionError,
                           UnknownChunkError, UnknownDocumentError)
from ingest.records import json_shape

MEDIA_TYPE = "application/problem+json"
# Problem types are relative URIs (RFC 9457 allows them); README lists what each one means.
TYPE_PREFIX = "/problems/"
log = logging.getLogger("policy_qa.http_api")


@json_shape
class FieldErrorJSON(TypedDict):
    loc: list[str | int]
    """Where in the request: ["body", "question"], ["query", "k"]."""
    msg: str


@json_shape
class ProblemJSON(TypedDict):
    """An error, as RFC 9457 problem details."""

    type: str
    """A relative URI naming the kind of problem (about:blank for plain HTTP errors)."""
    title: str
    status: int
    detail: str
    """What is wrong, in one line: the same line the command line prints."""
    errors: NotRequired[list[FieldErrorJSON]]
    """For a request that does not fit the schema: each field and what is wrong with it."""


@dataclass(frozen=True)
class Kind:
    slug: str
    title: str
    status: int

    @property
    def type(self) -> str:
        return TYPE_PREFIX + self.slug if self.slug else "about:blank"


INVALID_REQUEST = Kind("invalid-request", "The request does not fit the API", 422)
BODY_TOO_LARGE = Kind("body-too-large", "The request body is too large", 413)
UNAUTHORIZED = Kind("unauthorized", "The API token is missing or wrong", 401)
# Most specific first: the first class in an exception's MRO that is listed here wins.
KINDS: dict[type, Kind] = {
    QuestionError: Kind("invalid-question", "The question cannot be asked", 422),
    UnknownDocumentError: Kind("unknown-document", "The index holds no such document", 422),
    UnknownChunkError: Kind("unknown-chunk", "The index holds no such chunk", 404),
    IndexNotFoundError: Kind("index-not-built", "The index is not built", 503),
    IndexMismatchError: Kind("index-unusable", "The index cannot be used", 503),
    NothingIndexedError: Kind("nothing-indexed", "No document of the corpus could be indexed", 422),
    UploadRefused: Kind("upload-refused", "The file cannot join the corpus", 422),
    PolicyQAError: INVALID_REQUEST,
}


class Problem(HTTPException):
    """A problem raised on purpose (a body too large, a missing token). An HTTPException, so
    that FastAPI passes it through even when it is raised while the body is read."""

    def __init__(self, kind: Kind, detail: str, headers: dict[str, str] | None = None):
        super().__init__(kind.status, detail, headers)
        self.kind = kind


def problem_response(kind: Kind, detail: str, headers: dict[str, str] | None = None,
                     errors: list[FieldErrorJSON] | None = None) -> Response:
    body: ProblemJSON = {"type": kind.type, "title": kind.title, "status": kind.status, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    # ASCII: a detail may quote what the client sent, lone surrogates included, which UTF-8 cannot encode
    return Response(json.dumps(body), kind.status, headers, media_type=MEDIA_TYPE)


def kind_of(error: Exception) -> Kind:
    return next(KINDS[cls] for cls in type(error).__mro__ if cls in KINDS)


def install_handlers(app: FastAPI) -> None:
    app.add_exception_handler(PolicyQAError, _user_error)
    app.add_exception_handler(UploadRefused, _user_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(Exception, _bug)


async def _user_error(request: Request, error: Exception) -> Response:
    return problem_response(kind_of(error), str(error))


async def _http_error(request: Request, error: StarletteHTTPException) -> Response:
    if isinstance(error, Problem):
        return problem_response(error.kind, error.detail, error.headers)
    # Starlette's own: no such route (404), method not allowed (405), a body FastAPI could
    # not parse (400). RFC 9457's about:blank: the status says it all.
    phrase = HTTPStatus(error.status_code).phrase
    return problem_response(Kind("", phrase, error.status_code), str(error.detail or phrase), error.headers)


async def _invalid_request(request: Request, error: RequestValidationError) -> Response:
    # Only where and what: pydantic's "input" and "ctx" may hold the whole body, or objects
    # that are not JSON.
    errors: list[FieldErrorJSON] = [_field_error(e) for e in error.errors()]
    first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
    where = ".".join(str(part) for part in first["loc"][1:]) or "body"
    detail = f"{where}: {first['msg']}" + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else "")
    return problem_response(INVALID_REQUEST, detail, errors=errors)


def _field_error(error: dict) -> FieldErrorJSON:
    if error.get("type") == "json_invalid":  # its loc is ("body", <character>), pydantic's msg says only that
        reason = (error.get("ctx") or {}).get("error", "")
        return {"loc": ["body"], "msg": f"not valid JSON ({reason}, character {error['loc'][-1]})"}
    return {"loc": [part if isinstance(part, int) else str(part) for part in error["loc"]], "msg": str(error["msg"])}


async def _bug(request: Request, error: Exception) -> Response:
    log.error("unexpected %s on %s %s", type(error).__name__, request.method, request.url.path, exc_info=error)
    return problem_response(Kind("internal-error", "Internal error", 500),
                            f"unexpected {type(error).__name__} (this is a bug in policy-qa; please report it "
                            "with the request that caused it)")


def problem_responses(*statuses: int) -> dict[int, dict]:
    """The error statuses a route may answer with, for its OpenAPI entry (`responses=`)."""
    return {status: {"model": ProblemJSON, "description": HTTPStatus(status).phrase} for status in statuses}


def with_problem_media_type(schema: dict) -> dict:
    """The OpenAPI schema with every error response as `application/problem+json` of
    ProblemJSON, FastAPI's own 422 (HTTPValidationError) included: what the handlers above
    send, so that a client (and schemathesis) can rely on it."""
    ref = {"$ref": "#/components/schemas/ProblemJSON"}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                if status[:1] in ("4", "5"):
                    response["content"] = {MEDIA_TYPE: {"schema": ref}}
    components = schema.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    return schema
