"""What requests to the HTTP API carry, and the few response shapes that belong to it alone.
Every other response is a record's own JSON (`AnswerJSON`, `HitJSON`, `DocumentsJSON`, ...),
defined beside the record, which the command lines print too.
"""

from __future__ import annotations

import json

from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response
from typing_extensions import TypedDict

from chat_app.documents.uploads import UploadOutcome
from chat_app.engine.pipeline import MAX_RELATED_K, RELATED_K
from index.builder import BuildJSON
from ingest.records import json_shape

# A search returns whole passages: a page of 100 is about 100 KB, and more is a download.
MAX_SEARCH_K = 100


class AskRequest(BaseModel):
    """A question, with the conversation it continues."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"question": "When was BUILD established?"},
        {"question": "And the Industrial Linkage Program?",
         "history": ["When was Malaysia's Vendor Development Program introduced?"], "k": 3},
    ]})

    question: str = Field(description="The question, as a person would ask it.")
    history: list[str] = Field(default_factory=list, description=(
        "Earlier questions of the conversation, oldest first: a follow-up (\"And in 1990?\") is read with them."))
    doc: str | list[str] | None = Field(default=None, description=(
        "Answer from this document only, or from these (names as GET /v1/documents lists them)."))
    k: int = Field(default=RELATED_K, ge=1, le=MAX_RELATED_K, description=(
        "How many of the retrieved passages come back in `hits`, the best first."))

    @property
    def docs(self) -> list[str] | None:
        return [self.doc] if isinstance(self.doc, str) else self.doc


@json_shape
class HealthJSON(TypedDict):
    status: str


@json_shape
class ReadyJSON(TypedDict):
    """The index the API answers from."""

    status: str
    generation: str
    built_at: str
    """ISO 8601, UTC."""
    model: str
    documents: int
    chunks: int


@json_shape
class UploadJSON(TypedDict):
    """What happened to an uploaded file, and the rebuild that added it to the index."""

    name: str
    """The file name as sent."""
    saved_as: str | None
    """The corpus file name; null when the corpus already held the same bytes."""
    message: str
    build: BuildJSON | None
    """The rebuild; null when there was nothing to add."""


def upload_json(outcome: UploadOutcome, build: BuildJSON | None) -> UploadJSON:
    return {"name": outcome.name, "saved_as": outcome.saved_as, "message": outcome.message, "build": build}


def contract(value, status_code: int = 200) -> Response:
    """A record's JSON as the command line serialises it (json.dumps, not pydantic again: the
    bytes differ from `ask --json` only by its indentation)."""
    return Response(json.dumps(value, ensure_ascii=False), status_code, media_type="application/json")
