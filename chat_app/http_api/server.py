"""`python -m chat_app serve`: the HTTP API under uvicorn, on 127.0.0.1:8000 unless told
otherwise (`--host`, `--port`, `--workers` or their POLICY_QA_API_* variables).

Each worker is a process of its own with its own engine (uvicorn starts them afresh), so the
settings reach them through the environment, flags included.
"""

from __future__ import annotations

import errno
import os
import socket
import sys

import uvicorn
from uvicorn.supervisors import Multiprocess

from chat_app.documents.access import REMOTE_API_NOTE, changes_allowed, is_loopback
from index.onnx_embedder import cores
from ingest.errors import SettingsError
from ingest.settings import Settings

APP = "chat_app.http_api.app:create_app"


def serve(settings: Settings, access_log: bool = False) -> int:
    check_can_listen(settings.api_host, settings.api_port)
    if settings.query_threads == 0:  # a share of the cores each, not all of them each
        settings = settings.with_(query_threads=max(1, cores() // settings.api_workers))
    os.environ.update(settings.to_environ())
    for line in describe(settings):
        print(line, file=sys.stderr, flush=True)
    config = _Config(APP, factory=True, host=settings.api_host, port=settings.api_port, workers=settings.api_workers,
                     access_log=access_log, server_header=False, timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    if config.workers > 1:  # what uvicorn.run does, with the socket of _Config
        Multiprocess(config, sockets=[config.bind_socket()]).run()
        return 0
    server.run()
    return 0 if server.started else 1


def _tcp_socket(sock: socket.socket) -> socket.socket:
    """The same socket, known to Python as TCP. uvicorn binds the shared socket of several
    workers with `socket.socket(family)`, whose proto is 0; asyncio then does not set
    TCP_NODELAY on the connections it accepts, and each response waits for the client's
    delayed ACK: 44 ms for /healthz with 2 workers instead of 0.5 ms (measured)."""
    return socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())


class _Config(uvicorn.Config):
    def bind_socket(self) -> socket.socket:
        tcp = _tcp_socket(super().bind_socket())
        tcp.set_inheritable(True)  # for the workers, as uvicorn's own
        return tcp


def base_url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def describe(settings: Settings) -> list[str]:
    url = base_url(settings.api_host, settings.api_port)
    workers = f"{settings.api_workers} worker{'s' if settings.api_workers != 1 else ''}"
    lines = [f"policy-qa API on {url} ({workers}; docs: {url}/docs) answering from {settings.index_dir}"]
    if not is_loopback(settings.api_host):
        lines.append(f"serving beyond localhost: anyone who can reach {settings.api_host} can ask questions")
    if not settings.api_token:
        lines.append("read-only: uploads and rebuilds need an API token (POLICY_QA_API_TOKEN)")
    elif not changes_allowed(settings.api_host, settings):
        lines.append(REMOTE_API_NOTE)
    else:
        lines.append("uploads and rebuilds on, for requests with the API token (Authorization: Bearer ...)")
    return lines


def check_can_listen(host: str, port: int) -> None:
    """One clear line now rather than uvicorn's log of a failed bind (and, with several
    workers, of each of them)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as error:
        raise SettingsError(f"--host: {host!r} is not an address of this machine ({error.strerror})") from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise SettingsError(f"--port: {host}:{port} is in use (another server?); choose another port "
                                    "with --port") from None
            if error.errno == errno.EADDRNOTAVAIL:
                raise SettingsError(f"--host: {host} is not an address of this machine") from None
            raise SettingsError(f"--host/--port: cannot listen on {host}:{port} ({error.strerror})") from None
