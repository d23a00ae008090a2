"""A server of policy-qa in a child process of its own, for the load benchmark (and the tests,
which start the HTTP API and the Streamlit app this way): started in its own process group,
ready when its health URL answers 200, stopped with SIGTERM (SIGKILL after 10 s), and its
memory summed over all its processes (uvicorn's workers are children of its supervisor).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """`with ServerProcess(command, port, "/healthz", env, log) as url:` runs `command` until the
    block ends; "{port}" in it is replaced by `port`."""

    def __init__(self, command: list[str], port: int, health_path: str, env: dict[str, str], log: Path,
                 startup_timeout: float = 90.0):
        self.port = port
        self.command = [part.replace("{port}", str(port)) for part in command]
        self.health_path = health_path
        self.env = env
        self.log = log
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> str:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=out,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self.url

    def __exit__(self, *exc) -> None:
        self.stop()

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.command[:4]} exited with {self.process.returncode}: "
                                   f"{self.log.read_text(errors='replace')[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + self.health_path, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"not healthy after {self.startup_timeout} s: {self.log.read_text(errors='replace')[-2000:]}")

    def stop(self) -> None:
        """SIGTERM to the server's process group, SIGKILL after 10 s."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        except ProcessLookupError:
            pass

    def memory_mb(self) -> tuple[float, float]:
        """RSS and PSS of the server and all its descendants, in MB. RSS counts the pages
        processes share (the model's libraries, forked memory) once in each; PSS splits them."""
        rss = pss = 0
        for pid in descendants(self.process.pid):
            rss += _status_kb(pid, "VmRSS")
            pss += _rollup_kb(pid, "Pss")
        return rss / 1024, pss / 1024


def descendants(root: int) -> list[int]:
    """`root` and every process below it, from /proc/<pid>/stat's parent ids."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # ended meanwhile
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])  # the name may hold spaces
    found, frontier = [root], [root]
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def _status_kb(pid: int, field: str) -> int:
    return _field_kb(Path(f"/proc/{pid}/status"), field)


def _rollup_kb(pid: int, field: str) -> int:
    return _field_kb(Path(f"/proc/{pid}/smaps_rollup"), field)


def _field_kb(path: Path, field: str) -> int:
    try:
        for line in path.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0
