"""Read a PDF in a worker process that is killed at the time limit.

A crafted PDF can keep a parser busy for minutes inside one call (a decompression loop
checks no flag), and Streamlit runs scripts in threads, where no alarm signal can interrupt
it. So every PDF is read in a worker process: the caller waits until the deadline and then
kills the worker's whole process group (Tesseract included). One worker serves all the files
of a build, one after the other; Python starts again only after a kill.

The worker is `python -m ingest.bounded`, spoken to over its stdin and stdout with JSON
messages (no pickle): a request (file name, limits) followed by the PDF's bytes; "ocr" when
OCR starts, which gives OCR its own time limit; then the result or the reason for refusal.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path

from ingest.errors import UnreadableFileError
from ingest.pdf import PdfDocument, PdfLimits
from ingest.pdf_text import PdfText
from ingest.records import DocumentMeta, Page
from ingest.settings import Settings

_ROOT = Path(__file__).resolve().parents[1]


def read_pdf_bounded(name: str, data: bytes, settings: Settings) -> PdfDocument:
    """`read_pdf` under the limits of `settings`; over a limit, UnreadableFileError naming it."""
    limits = PdfLimits(settings.pdf_max_pages, settings.ocr_max_pages, settings.ocr_dpi, settings.ocr_language)
    with _LOCK:
        return _WORKER.read(name, data, limits, settings.pdf_time_limit, settings.ocr_time_limit)


class _Worker:
    def __init__(self):
        self.process: subprocess.Popen | None = None

    def read(self, name: str, data: bytes, limits: PdfLimits, time_limit: float, ocr_limit: float) -> PdfDocument:
        if self.process is None or self.process.poll() is not None:
            self._start()
        deadline = time.monotonic() + time_limit
        limit = f"the {time_limit:g} s time limit (POLICY_QA_PDF_TIME_LIMIT)"
        try:
            _write(self.process.stdin, json.dumps({"name": name, "limits": asdict(limits)}).encode(), data)
            while True:
                message = json.loads(_read(self.process.stdout, deadline))
                if message.get("event") == "ocr":
                    deadline = time.monotonic() + ocr_limit
                    limit = f"the {ocr_limit:g} s OCR time limit (POLICY_QA_OCR_TIME_LIMIT)"
                    continue
                break
        except TimeoutError:
            self.stop()
            raise UnreadableFileError(name, f"extraction stopped after {limit}") from None
        except (OSError, EOFError, ValueError) as error:
            self.stop()  # the worker died (a crash in the PDF engine): the next file gets a new one
            raise UnreadableFileError(name, f"corrupt PDF (the reader failed: {error or 'no reply'})") from None
        if "reason" in message:
            raise UnreadableFileError(name, message["reason"])
        return _decode(message)

    def _start(self) -> None:
        environment = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(_ROOT), os.environ.get("PYTHONPATH")])))
        # Its own session: a kill reaches the process group, and Tesseract with it.
        self.process = subprocess.Popen([sys.executable, "-m", "ingest.bounded"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, env=environment, start_new_session=True)

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        process.wait()
        for stream in (process.stdin, process.stdout):
            try:
                stream.close()
            except OSError:
                pass


_LOCK = threading.Lock()
_WORKER = _Worker()
atexit.register(_WORKER.stop)


# --- messages ---------------------------------------------------------------------------------

def _write(stream, *parts: bytes) -> None:
    for part in parts:
        stream.write(struct.pack(">Q", len(part)) + part)
    stream.flush()


def _read(stream, deadline: float | None = None) -> bytes:
    size = struct.unpack(">Q", _read_exactly(stream, 8, deadline))[0]
    return _read_exactly(stream, size, deadline)


def _read_exactly(stream, size: int, deadline: float | None) -> bytes:
    chunks, remaining = [], size
    fd = stream.fileno()
    while remaining:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                raise TimeoutError
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise EOFError("the worker ended")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _encode(document: PdfDocument) -> dict:
    text = document.text
    return {"text": text.text, "pages": [asdict(page) for page in text.pages],
            "headings": [[offset, level] for offset, level in text.headings.items()],
            "meta": {"title": document.meta.title, "authors": list(document.meta.authors)}}


def _decode(message: dict) -> PdfDocument:
    text = PdfText(message["text"], tuple(Page(**page) for page in message["pages"]),
                   {offset: level for offset, level in message["headings"]})
    meta = DocumentMeta(title=message["meta"]["title"], authors=tuple(message["meta"]["authors"]))
    return PdfDocument(text, meta)


def serve() -> None:
    """The worker: read requests from stdin until it closes."""
    from ingest.pdf import read_pdf

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not break the messages
    while True:
        try:
            request = json.loads(_read(stdin))
            data = _read(stdin)
        except EOFError:
            return
        name = request["name"]
        try:
            document = read_pdf(name, data, PdfLimits(**request["limits"]),
                                on_ocr=lambda pages: _write(stdout, json.dumps({"event": "ocr", "pages": pages}).encode()))
            reply = _encode(document)
        except UnreadableFileError as error:
            reply = {"reason": error.reason}
        except Exception as error:  # a reader bug on a strange file refuses that file, not the build
            reply = {"reason": f"could not be read ({type(error).__name__}: {error})"}
        _write(stdout, json.dumps(reply).encode())


if __name__ == "__main__":
    serve()
