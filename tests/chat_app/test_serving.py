"""Where the app listens, with real servers: `make run` and a bare `streamlit run` bind to
127.0.0.1 only (issue 10, item 9). What a server beyond localhost allows is in test_app.py.
"""

from __future__ import annotations

import shutil
import socket
import sys

import pytest

from chat_app.documents.access import changes_allowed, is_loopback
from ingest.settings import Settings
from tests.helpers import listening_addresses
from tests.streamlit_server import StreamlitServer, server_env


def outward_address() -> str | None:
    """This machine's address on its default route (no packet is sent), if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def assert_local_only(port: int) -> None:
    assert listening_addresses(port) == {"127.0.0.1"}
    address = outward_address()
    if address is not None:  # from the network side the port is closed
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((address, port), timeout=5).close()


@pytest.fixture
def env(paper_index_copy):
    return server_env(paper_index_copy.corpus_dir, paper_index_copy.index_dir, paper_index_copy.cache_dir)


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_listens_on_this_machine_only(env, tmp_path):
    # -o: the venv counts as set up (it is: the tests run in it); make must not reinstall it here.
    command = ["make", "--no-print-directory", "-o", ".venv/.installed", "run", "PORT={port}"]
    with StreamlitServer(env, tmp_path / "make-run.log", command=command) as url:
        port = int(url.rsplit(":", 1)[1])
        assert_local_only(port)
    assert "--server.address 127.0.0.1" in (tmp_path / "make-run.log").read_text()


def test_streamlit_run_without_an_address_takes_the_projects_config(env, tmp_path):
    command = [sys.executable, "-m", "streamlit", "run", "chat_app/web/app.py", "--server.headless", "true",
               "--server.port", "{port}"]
    with StreamlitServer(env, tmp_path / "streamlit.log", command=command) as url:
        assert_local_only(int(url.rsplit(":", 1)[1]))


@pytest.mark.parametrize("address, local", [
    ("127.0.0.1", True), ("localhost", True), ("::1", True), ("[::1]", True), ("127.0.1.1", True),
    (None, False), ("", False), ("0.0.0.0", False), ("::", False), ("192.168.1.20", False), ("myhost.lan", False),
])
def test_only_a_loopback_binding_counts_as_local(address, local):
    assert is_loopback(address) is local
    assert changes_allowed(address, Settings()) is local
    assert changes_allowed(address, Settings(allow_remote_changes=True)) is True
