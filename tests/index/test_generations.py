"""The index while it is rebuilt: generations, one writer, readers that never see two builds.

Real processes of the real CLI (builds and searches), the real ONNX model the session
exported, real FAISS and BM25. Issue 10, items 1, 4 and 5.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from index.builder import build_index
from index.locks import open_shared
from index.search import Searcher
from index.generations import writing
from index.store import read_index, verify_index, write_index
from ingest.errors import IndexMismatchError
from tests.helpers import (NOTES, ROOT, add_generation, cli_env, copy_paper, folder_digest, generation_dir,
                           run_cli)

# The stress test: this many builds, alternating between two corpora, or until the deadline.
BUILD_ROUNDS = 24
STRESS_SECONDS = 30
QUERY = "Which supplier of auto parts did the team visit in Hanoi?"
RESULTS = ROOT / "test-output" / "index-stress.json"


@dataclass
class State:
    """What one corpus's index holds: a read must match one state exactly."""

    chunk_ids: list[str]
    texts: dict[str, str]
    chunk_vectors: np.ndarray
    sentences: int

    @classmethod
    def of(cls, data) -> "State":
        return cls([c.id for c in data.chunks], {c.id: c.text for c in data.chunks}, data.chunk_vectors.copy(),
                   len(data.sentences))

    def matches(self, data) -> bool:
        return ([c.id for c in data.chunks] == self.chunk_ids and len(data.sentences) == self.sentences
                == len(data.sentence_vectors) == data.manifest["counts"]["sentences"]
                and data.manifest["counts"]["chunks"] == len(self.chunk_ids)
                and data.chunk_vectors.shape == self.chunk_vectors.shape
                and np.allclose(data.chunk_vectors, self.chunk_vectors, atol=1e-5))


@dataclass
class Tally:
    reads: dict[str, int] = field(default_factory=dict)  # reader -> reads
    seen: dict[str, int] = field(default_factory=lambda: {"A": 0, "B": 0})
    inconsistent: list[str] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, reader: str, state: str | None, problem: str = "") -> None:
        with self.lock:
            self.reads[reader] = self.reads.get(reader, 0) + 1
            if state:
                self.seen[state] += 1
            else:
                self.inconsistent.append(f"{reader}: {problem}")

    def crash(self, reader: str, problem: str) -> None:
        with self.lock:
            self.reads[reader] = self.reads.get(reader, 0) + 1
            self.crashes.append(f"{reader}: {problem}")


def two_corpora(root: Path) -> tuple[Path, Path]:
    """A: the paper. B: the paper and field notes (one more chunk, its own sentences)."""
    a, b = root / "corpus-a", root / "corpus-b"
    copy_paper(a)
    copy_paper(b)
    (b / "notes.md").write_text(NOTES, encoding="utf-8")
    return a, b


def cli_build(corpus: Path, index: Path, cache: Path, *extra: str, **popen) -> subprocess.CompletedProcess:
    return run_cli("index", "build", "--quiet", "--corpus", str(corpus), "--index", str(index), *extra,
                   env=cli_env(POLICY_QA_CACHE_DIR=str(cache)), text=True, **popen)


def test_readers_never_see_a_mixed_index_while_builds_alternate(tmp_path, paper_index, embedder, model_cache):
    corpus_a, corpus_b = two_corpora(tmp_path)
    index = tmp_path / "index"
    shutil.copytree(paper_index.settings.index_dir, index)  # vectors of the paper: builds embed only the notes
    states = {}
    for name, corpus in (("A", corpus_a), ("B", corpus_b)):
        done = cli_build(corpus, index, model_cache)
        assert done.returncode == 0, done.stderr
        states[name] = State.of(read_index(index, load_models=False))
    assert len(states["B"].chunk_ids) == len(states["A"].chunk_ids) + 1
    settings = paper_index.settings.with_(index_dir=index, corpus_dir=corpus_b)
    tally, stop = Tally(), threading.Event()

    def state_of(data) -> str | None:
        return next((name for name, state in states.items() if state.matches(data)), None)

    def load_loop() -> None:  # the reader: load the index again and again
        while not stop.is_set():
            try:
                data = read_index(index, load_models=False)
            except Exception as error:  # noqa: BLE001 - every failure of a read is counted
                tally.crash("load", repr(error))
                continue
            tally.count("load", state_of(data), f"{len(data.chunks)} chunks, {len(data.chunk_vectors)} vectors")

    def search_loop() -> None:  # the app's reader: open a searcher, ask
        while not stop.is_set():
            try:
                searcher = Searcher.open(settings, embedder=embedder)
                hits = searcher.search(QUERY, 3)
            except Exception as error:  # noqa: BLE001
                tally.crash("search", repr(error))
                continue
            state = state_of(searcher.data)
            ok = state and all(states[state].texts.get(h.chunk.id) == h.chunk.text for h in hits) and len(hits) == 3
            tally.count("search", state if ok else None, f"hits {[h.chunk.id for h in hits]}")

    def cli_loop() -> None:  # the command line's reader: a whole process per question
        while not stop.is_set():
            done = run_cli("index", "search", QUERY, "--json", "-k", "3", "--index", str(index),
                           env=cli_env(POLICY_QA_CACHE_DIR=str(model_cache)), text=True)
            if done.returncode != 0 or done.stderr:
                tally.crash("cli", f"exit {done.returncode}: {done.stderr.strip()[-300:]}")
                continue
            hits = json.loads(done.stdout)
            state = next((name for name, s in states.items()
                          if len(hits) == 3 and all(s.texts.get(h["chunk_id"]) == h["text"] for h in hits)), None)
            tally.count("cli", state, f"hits {[h['chunk_id'] for h in hits]}")

    readers = [threading.Thread(target=loop, daemon=True) for loop in (load_loop, search_loop, cli_loop)]
    started = time.monotonic()
    for reader in readers:
        reader.start()
    builds = []
    try:
        for round_ in range(BUILD_ROUNDS):
            if time.monotonic() - started > STRESS_SECONDS:
                break
            done = cli_build(corpus_a if round_ % 2 == 0 else corpus_b, index, model_cache)
            builds.append((done.returncode, done.stdout.strip(), done.stderr.strip()))
    finally:
        stop.set()
        for reader in readers:
            reader.join(120)
    seconds = time.monotonic() - started

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"seconds": round(seconds, 1), "builds": len(builds), "reads": tally.reads,
                                   "reads_total": sum(tally.reads.values()), "states_seen": tally.seen,
                                   "inconsistent": len(tally.inconsistent), "crashes": len(tally.crashes)}, indent=1))
    assert all(code == 0 and out.startswith("indexed ") and not err for code, out, err in builds), builds
    assert len(builds) >= 4, f"only {len(builds)} builds in {seconds:.0f} s"
    assert tally.inconsistent == [] and tally.crashes == []
    # The readers really ran across the builds: every kind read many times, and saw both corpora.
    assert tally.reads["load"] >= 100 and tally.reads["search"] >= 20 and tally.reads["cli"] >= 5, tally.reads
    assert tally.seen["A"] > 0 and tally.seen["B"] > 0
    # Of all the generations written, the current one and the one it replaced are left.
    assert len([p for p in index.iterdir() if p.name.startswith("gen-")]) == 2


# --- one writer at a time ------------------------------------------------------------------

def test_a_second_build_waits_for_the_first_and_says_so(paper_index_copy):
    settings = paper_index_copy
    with writing(settings.index_dir):  # a build in progress (this process holds the lock)
        second = subprocess.Popen([sys.executable, "-m", "index", "build", "--quiet"], cwd=ROOT, env=cli_env(settings),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first_line = second.stderr.readline()  # it prints why it waits, then waits
        time.sleep(0.5)
        assert second.poll() is None, "the second build must wait while the first holds the lock"
    out, err = second.communicate(timeout=120)

    assert first_line == (f"{settings.index_dir}: another build (pid {os.getpid()}) is writing this index; "
                          "waiting for it to finish\n")
    assert (second.returncode, err) == (0, "")
    assert out.startswith("index up to date: 1 file")


def test_threads_of_one_process_build_one_at_a_time(paper_index_copy, embedder):
    told, reports = [], []
    with writing(paper_index_copy.index_dir):
        other = threading.Thread(target=lambda: reports.append(
            build_index(paper_index_copy, embedder=embedder, on_wait=told.append)))
        other.start()
        other.join(1.0)
        assert other.is_alive() and len(told) == 1 and "another build" in told[0]
    other.join(60)

    assert reports and reports[0].up_to_date


def test_two_builds_at_once_both_end_well(paper_index_copy, model_cache):
    settings = paper_index_copy
    (settings.corpus_dir / "notes.md").write_text(NOTES, encoding="utf-8")
    flags = ["build", "--quiet", "--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir)]
    builds = [subprocess.Popen([sys.executable, "-m", "index", *flags], cwd=ROOT, env=cli_env(settings),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [build.communicate(timeout=180) + (build.returncode,) for build in builds]

    assert [code for _, _, code in results] == [0, 0], results
    assert not any("Traceback" in err for _, err, _ in results)
    outs = sorted(out.split(" ")[0] for out, _, _ in results)
    assert outs in (["index", "indexed"], ["indexed", "indexed"]), outs  # the later one finds it up to date
    verify_index(settings.index_dir)
    assert "notes.md" in read_index(settings.index_dir, load_models=False).manifest["files"]


# --- generations: readers pin, builds clean up --------------------------------------------

def test_a_generation_a_reader_holds_survives_until_it_is_released(paper_index_copy):
    folder = paper_index_copy.index_dir
    pinned = generation_dir(folder)
    reader = open_shared(pinned / "manifest.json")  # a reader in the middle of opening it
    try:
        write_index(folder, read_index(folder))
        write_index(folder, read_index(folder))  # pinned is now older than the previous one
        assert pinned.is_dir() and read_index(folder, generation=pinned.name, full_check=True).chunks
    finally:
        reader.close()
    write_index(folder, read_index(folder))

    assert not pinned.exists()
    assert len([p for p in folder.iterdir() if p.name.startswith("gen-")]) == 2


def test_debris_of_dead_builds_is_removed_by_the_next_build(paper_index_copy, embedder):
    folder = paper_index_copy.index_dir
    current = generation_dir(folder).name
    for debris in (folder / ".staging-gen-20200101T000000000000-dead01", folder / "gen-20200101T000000000000-unpub",
                   folder / ".trash-gen-20190101T000000000000-half", folder.parent / ".index.building-x1y2",
                   folder.parent / ".index.old-4242"):
        (debris / "keyword").mkdir(parents=True)
        (debris / "chunk_vectors.npy").write_bytes(b"\x93NUMPY half written")
    (folder / ".CURRENT.tmp-4242").write_text("{")  # a pointer draft of a build that died
    (folder / "CURRENT.tmp-4243").write_text("{")  # ... as builds before ingest.atomic named them

    report = build_index(paper_index_copy, embedder=embedder)

    assert report.up_to_date  # nothing to build, the debris is removed all the same
    assert sorted(p.name for p in folder.iterdir()) == [".lock", "CURRENT", current]
    assert sorted(p.name for p in folder.parent.iterdir()) == ["corpus", "index"]


def test_an_index_in_the_old_layout_is_named_and_rebuilt(paper_index_copy, embedder, capsys):
    from index.cli import main

    folder = paper_index_copy.index_dir
    generation = generation_dir(folder)
    for path in generation.iterdir():  # format 1: the files in the folder itself, no CURRENT
        shutil.move(str(path), folder / path.name)
    generation.rmdir()
    (folder / "CURRENT").unlink()
    manifest = json.loads((folder / "manifest.json").read_text())
    for key in ("generation", "index_files", "corpus"):
        del manifest[key]
    (folder / "manifest.json").write_text(json.dumps({**manifest, "format_version": 1}))
    old = "index format 'policy-qa-index' version 1, this version of policy-qa reads 'policy-qa-index' version 2"

    assert main(["search", "BUILD", "--index", str(folder)]) == 1
    assert capsys.readouterr().err == f"error: {folder}: {old}; rebuild it with: python -m index build\n"
    with pytest.raises(IndexMismatchError, match=old):
        read_index(folder)

    report = build_index(paper_index_copy, embedder=embedder)

    assert not report.up_to_date and not report.damaged
    assert sorted(p.name for p in folder.iterdir()) == [".lock", "CURRENT", generation_dir(folder).name]
    assert Searcher.open(paper_index_copy, embedder=embedder).search("When was BUILD established?", 1)


# --- builds killed -------------------------------------------------------------------------

KILL_POINTS = ("reading", "embedding", "writing")  # the stage the build is in when the signal comes


def _staging(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.startswith((".staging-", ".trash-"))] if folder.is_dir() else []


def _kill_during(settings, point: str, signum: int) -> tuple[subprocess.Popen, str]:
    """Start a build and send `signum` once it is at `point`: its progress bar names the
    stage on stderr; 'writing' is when its staging folder exists."""
    build = subprocess.Popen([sys.executable, "-m", "index", "build"], cwd=ROOT, env=cli_env(settings),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seen = bytearray()

    def read() -> None:
        for byte in iter(lambda: build.stderr.read(1), b""):
            seen.extend(byte)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline, sent = time.monotonic() + 120, False
    while time.monotonic() < deadline and build.poll() is None:
        if (point == "writing" and _staging(settings.index_dir)) or (point != "writing" and point.encode() in seen):
            build.send_signal(signum)
            sent = True
            break
        time.sleep(0.002)
    build.wait(120)
    reader.join(10)
    assert sent, f"the build ended before it was at {point!r}: {seen.decode('utf-8', 'replace')[-500:]}"
    return build, seen.decode("utf-8", "replace")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_killed_build_leaves_the_old_index_answering_and_no_staging(paper_index_copy, embedder, point, signum):
    settings = paper_index_copy
    # New text, so the build has something to embed and write for a while.
    paragraphs = [f"Supplier {n} in Binh Duong makes part {n} for Japanese assemblers since {1990 + n}."
                  for n in range(80)]
    (settings.corpus_dir / "suppliers.md").write_text("# Suppliers\n\n" + "\n\n".join(paragraphs), encoding="utf-8")
    before = generation_dir(settings.index_dir).name
    question = "When was Malaysia's Vendor Development Program introduced?"
    answer = [h.chunk.id for h in Searcher.open(settings, embedder=embedder).search(question, 3)]

    build, stderr = _kill_during(settings, point, signum)

    assert build.returncode == (-signal.SIGKILL if signum == signal.SIGKILL else 143), stderr
    assert "Traceback" not in stderr
    if signum == signal.SIGTERM:
        assert _staging(settings.index_dir) == []  # it cleaned up after itself
    # The index answers: the old generation, unless the signal came after the new one was published.
    now = generation_dir(settings.index_dir).name
    verify_index(settings.index_dir)
    if now == before:
        assert [h.chunk.id for h in Searcher.open(settings, embedder=embedder).search(question, 3)] == answer
    left = [p.name for p in _staging(settings.index_dir)]
    done = run_cli("index", "build", "--quiet", env=cli_env(settings), text=True)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    assert _staging(settings.index_dir) == []  # whatever a dead build left, the next one removed
    record = ROOT / "test-output" / "index-kills" / f"{point}-{signal.Signals(signum).name}.json"
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps({"point": point, "signal": signal.Signals(signum).name, "exit": build.returncode,
                                  "old_generation_answered": now == before, "left_by_the_killed_build": left}))
    assert "suppliers.md" in read_index(settings.index_dir, load_models=False).manifest["files"]


def test_ctrl_c_during_a_build_exits_130_quietly_and_leaves_the_index(paper_index_copy):
    settings = paper_index_copy
    (settings.corpus_dir / "notes.md").write_text(NOTES * 40, encoding="utf-8")
    before = folder_digest(settings.index_dir)

    build, stderr = _kill_during(settings, "reading", signal.SIGINT)

    assert build.returncode == 130
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    assert folder_digest(settings.index_dir) == before and _staging(settings.index_dir) == []


def test_a_kept_generation_lends_its_vectors_to_the_repair_of_a_damaged_one(paper_index_copy, embedder):
    from tests.helpers import CountingEmbedder

    add_generation(paper_index_copy.index_dir)
    (generation_dir(paper_index_copy.index_dir) / "sentences.jsonl").write_text("[1]\n")

    report = build_index(paper_index_copy, embedder=CountingEmbedder(embedder, forbid=True))

    assert "the index is damaged" in report.damaged and "sentences.jsonl" in report.damaged
    assert not report.up_to_date and report.embedded == 0 and report.reread_files == 0
    verify_index(paper_index_copy.index_dir)
