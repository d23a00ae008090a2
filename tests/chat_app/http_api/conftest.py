"""Fixtures of the HTTP API tests: the real app (FastAPI's TestClient, lifespan run) over the
paper index of the session, and over a private copy for the tests that change it."""

from __future__ import annotations

import pytest

from tests.helpers import API_TOKEN


@pytest.fixture(scope="session")
def api(paper_index):
    """A TestClient of the read-only API over the paper. raise_server_exceptions (the default):
    a request that reaches the catch-all handler fails the test that sent it."""
    from fastapi.testclient import TestClient

    from chat_app.http_api.app import create_app

    with TestClient(create_app(paper_index.settings)) as client:
        yield client


@pytest.fixture
def changing_api(paper_index_copy):
    """A TestClient of an API with the token configured, over a private copy of the index."""
    from fastapi.testclient import TestClient

    from chat_app.http_api.app import create_app

    settings = paper_index_copy.with_(api_token=API_TOKEN, max_upload_mb=1)
    with TestClient(create_app(settings)) as client:
        client.settings = settings
        yield client

