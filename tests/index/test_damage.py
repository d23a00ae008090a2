"""Fault injection over every file of an index: each fault is one "damaged" line from
`python -m index search`, and `python -m index build` repairs it. Issue 10, items 2 and 3.

The files come from the index itself (CURRENT and every file of its generation), so a file
the writer adds later is covered without touching this test. Each fault is applied to a
fresh copy of an index that keeps a previous generation, as every index does after a
rebuild: the repair then takes its vectors from that verified generation (nothing to embed)
and reads the corpus again. test_store.py repairs an index with no generation to lend.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from index.cli import main
from index.search import Searcher
from index.store import read_index, verify_index
from tests.helpers import ROOT, add_generation, generation_dir

QUESTION = "When was Malaysia's Vendor Development Program introduced?"
RESULTS = ROOT / "test-output" / "index-faults"


def delete(path: Path) -> None:
    path.unlink()


def cut_at_a_byte(path: Path) -> None:
    """Cut in the middle of a record, a number or an array."""
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2 + 1])


def cut_at_a_line(path: Path) -> None:
    """Cut after a whole line (a .npy file keeps its header line, not its data); a file of
    one line keeps nothing."""
    data = path.read_bytes()
    ends = [i + 1 for i, byte in enumerate(data) if byte == 0x0A and i + 1 < len(data)]
    path.write_bytes(data[:ends[len(ends) // 2]] if ends else b"")


def wrong_shape(path: Path) -> None:
    """Valid data of the wrong shape: an array one row short, JSON that is a list, JSONL
    rows that are lists."""
    if path.suffix == ".npy":
        array = np.load(path, allow_pickle=False)
        np.save(path, array[:-1], allow_pickle=False)
    elif path.suffix == ".jsonl":
        rows = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        path.write_text("[1]\n" * len(rows), encoding="utf-8")
    else:
        path.write_text("[1]", encoding="utf-8")


FAULTS = {"deleted": delete, "cut at a byte": cut_at_a_byte, "cut at a line": cut_at_a_line,
          "wrong shape": wrong_shape}


@pytest.fixture(scope="module")
def template(tmp_path_factory, paper_index) -> Path:
    """The paper's index and corpus with a previous generation kept."""
    root = tmp_path_factory.mktemp("damage-template")
    shutil.copytree(paper_index.settings.corpus_dir, root / "corpus")
    shutil.copytree(paper_index.settings.index_dir, root / "index")
    add_generation(root / "index")
    return root


def index_files(index: Path) -> list[str]:
    """CURRENT and every file of the current generation, as paths from the index folder."""
    generation = generation_dir(index)
    return ["CURRENT"] + sorted(f"{generation.name}/{p.relative_to(generation).as_posix()}"
                                for p in generation.rglob("*") if p.is_file())


def check_case(template: Path, work: Path, file: str, damage, settings, embedder, expected_ids, capsys) -> list[str]:
    """Damage `file` of a fresh copy; [] when the search says "damaged" in one line and the
    build repairs it, else what went wrong."""
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(template, work)
    index = work / "index"
    damage(index / file)
    problems = []

    code = main(["search", QUESTION, "--index", str(index)])
    out, err = capsys.readouterr()
    if not (code == 1 and out == "" and err.count("\n") == 1
            and err.startswith(f"error: {index}: the index is damaged (")
            and err.endswith("; rebuild it with: python -m index build\n")):
        problems.append(f"search: exit {code}, stdout {out[:80]!r}, stderr {err!r}")

    code = main(["build", "--quiet", "--corpus", str(work / "corpus"), "--index", str(index)])
    out, err = capsys.readouterr()
    if not (code == 0 and out.startswith("indexed 1 file") and "embedded 0 texts" in out
            and err.count("\n") == 1 and "the index is damaged" in err
            and err.endswith("; it was built again from the corpus\n")):
        problems.append(f"build: exit {code}, stdout {out!r}, stderr {err!r}")
        return problems
    verify_index(index)
    searcher = Searcher.open(settings.with_(index_dir=index, corpus_dir=work / "corpus"), embedder=embedder)
    if [c.id for c in searcher.data.chunks] != expected_ids or not searcher.search(QUESTION, 3):
        problems.append("after the build the index differs from the original")
    return problems


@pytest.mark.parametrize("fault", FAULTS)
def test_every_file_damaged_is_one_line_and_build_repairs_it(fault, template, tmp_path, paper_index, embedder,
                                                             model_cache, monkeypatch, capsys):
    monkeypatch.setenv("POLICY_QA_CACHE_DIR", str(model_cache))
    expected_ids = [c.id for c in read_index(template / "index", load_models=False).chunks]
    files = index_files(template / "index")
    assert len(files) >= 13  # CURRENT, the manifest, 5 records/vectors, terms and 5 keyword files

    failures = {file: check_case(template, tmp_path / "work", file, FAULTS[fault], paper_index.settings, embedder,
                                 expected_ids, capsys) for file in files}

    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{fault.replace(' ', '-')}.json").write_text(json.dumps(
        {"fault": fault, "cases": len(files), "files": files, "failed": {f: p for f, p in failures.items() if p}},
        indent=1))
    assert {file: problems for file, problems in failures.items() if problems} == {}


def _rewrite_manifest(change):
    """A manifest changed, and CURRENT's sha256 of it updated to match: the checks of its
    content, not the hash, must catch it."""

    def damage(current: Path) -> None:
        pointer = json.loads(current.read_text())
        path = current.parent / pointer["generation"] / "manifest.json"
        manifest = json.loads(path.read_text())
        change(manifest)
        raw = json.dumps(manifest).encode()
        path.write_bytes(raw)
        current.write_text(json.dumps({**pointer, "manifest_sha256": hashlib.sha256(raw).hexdigest()}))

    return damage


def _more_rows(manifest: dict) -> None:
    manifest["index_files"]["chunks.jsonl"]["rows"] += 1


MANIFEST_FAULTS = {
    "without sources": _rewrite_manifest(lambda m: m.pop("sources")),
    "without model": _rewrite_manifest(lambda m: m.pop("model")),
    "with a chunk too many": _rewrite_manifest(_more_rows),
}


@pytest.mark.parametrize("fault", MANIFEST_FAULTS)
def test_a_manifest_that_matches_current_but_not_its_files_is_damaged(fault, template, tmp_path, paper_index,
                                                                       embedder, model_cache, monkeypatch, capsys):
    monkeypatch.setenv("POLICY_QA_CACHE_DIR", str(model_cache))
    expected_ids = [c.id for c in read_index(template / "index", load_models=False).chunks]

    problems = check_case(template, tmp_path / "work", "CURRENT", MANIFEST_FAULTS[fault], paper_index.settings,
                          embedder, expected_ids, capsys)

    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"manifest-{fault.replace(' ', '-')}.json").write_text(json.dumps(
        {"fault": f"manifest {fault}", "cases": 1, "failed": problems}))
    assert problems == []
