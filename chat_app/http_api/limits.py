"""A bound on request bodies, checked before the API reads more than the bound: a client that
sends gigabytes (or a never-ending chunked body) gets 413 instead of filling the memory of a
worker. JSON requests are bounded by `api_max_body_kb`; uploads by `max_upload_mb`.
"""

from __future__ import annotations

from typing import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chat_app.http_api.problems import BODY_TOO_LARGE, Problem, problem_response


class BodyLimit:
    """ASGI middleware: `limit_for(scope)` is the most bytes a request's body may have."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[Scope], int]):
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        detail = f"the request body is larger than {_size(limit)}, the most {scope['path']} accepts"
        declared = _content_length(scope)
        if declared is not None and declared > limit:  # said up front: refused before reading any of it
            await problem_response(BODY_TOO_LARGE, detail)(scope, receive, send)
            return
        received = 0

        async def bounded() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:  # chunked, or a Content-Length that lied
                    raise Problem(BODY_TOO_LARGE, detail)
            return message

        await self.app(scope, bounded, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server (h11) refuses such a request before it gets here
    return None


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"
