"""A real server: `python -m chat_app serve` (uvicorn) on 127.0.0.1 and a free port, asked over
a socket, then stopped; and a rebuild picked up by a running app, never half-built."""

from __future__ import annotations

import http.client
import json
import shutil
import sys
import threading

from chat_app.cli.server_process import ServerProcess, free_port
from tests.helpers import SECOND_DOCUMENT, cli_env, listening_addresses


def test_a_real_uvicorn_answers_over_a_socket_and_stops(paper_index, tmp_path):
    port = free_port()
    server = ServerProcess([sys.executable, "-m", "chat_app", "serve", "--port", "{port}"], port, "/readyz",
                           cli_env(paper_index.settings), tmp_path / "serve.log")
    with server:
        assert listening_addresses(port) == {"127.0.0.1"}  # bound to this machine only, by default
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("POST", "/v1/ask", json.dumps({"question": "When was BUILD established?"}),
                           {"Content-Type": "application/json"})
        response = connection.getresponse()
        answer = json.loads(response.read())
        connection.close()
    assert response.status == 200 and "1992" in answer["answer"]
    assert server.process.returncode is not None and listening_addresses(port) == set()
    log = (tmp_path / "serve.log").read_text()
    assert "policy-qa API on http://127.0.0.1:" in log and "read-only" in log and "Traceback" not in log


def test_a_rebuild_is_picked_up_without_a_restart_and_never_seen_half_built(paper_index_copy, embedder):
    from fastapi.testclient import TestClient

    from chat_app.http_api.app import create_app
    from index.builder import build_index

    settings = paper_index_copy
    with TestClient(create_app(settings)) as client:
        before = client.get("/v1/documents").json()
        for path in SECOND_DOCUMENT.parent.glob(SECOND_DOCUMENT.name + "*"):
            shutil.copy2(path, settings.corpus_dir / path.name)
        build = threading.Thread(target=build_index, args=(settings,), kwargs={"embedder": embedder})
        build.start()
        seen = []
        while build.is_alive():  # questions all through the build: each sees one whole generation
            listing = client.get("/v1/documents").json()
            seen.append((listing["generation"], len(listing["documents"])))
            assert client.post("/v1/ask", json={"question": "When was BUILD established?"}).status_code == 200
        build.join()
        after = client.get("/v1/documents").json()
        answer = client.post("/v1/ask", json={"question": "What are industrial parks for?",
                                              "doc": SECOND_DOCUMENT.name}).json()

    assert after["generation"] != before["generation"] and len(after["documents"]) == 2
    assert set(seen) <= {(before["generation"], 1), (after["generation"], 2)} and seen
    assert all(hit["doc"] == SECOND_DOCUMENT.name for hit in answer["hits"])


def test_the_socket_shared_by_several_workers_is_known_as_tcp():
    """uvicorn binds it with proto 0, and asyncio then leaves Nagle on for each connection: with
    --workers 2 every response waited 40 ms for the client's delayed ACK."""
    import socket

    from chat_app.http_api.server import APP, _Config

    config = _Config(APP, factory=True, host="127.0.0.1", port=free_port(), workers=2)
    with config.bind_socket() as sock:
        assert (sock.family, sock.proto) == (socket.AF_INET, socket.IPPROTO_TCP) and sock.get_inheritable()
        sock.listen()
        with socket.create_connection(sock.getsockname()), sock.accept()[0] as accepted:
            assert accepted.proto == socket.IPPROTO_TCP  # what asyncio checks before setting TCP_NODELAY
