"""`python -m index`: the command-line contract evaluation scripts rely on.

Most tests call `index.cli.main([...])` in-process (torch is already loaded by the session);
a few spawn `python -m index build` to check real exit codes and that an up-to-date rebuild
never imports torch.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from index.cli import main
from index.store import read_index
from tests.helpers import PAPER, ROOT, folder_digest
from tests.pdf_fixtures import encrypted_pdf, scanned_pdf

HIT_FIELDS = {"rank", "chunk_id", "doc", "section", "page", "page_label", "score", "text"}


@pytest.fixture
def env(monkeypatch, paper_index_copy):
    """Defaults pointing at a copy of the paper index, as a user would set them."""
    monkeypatch.setenv("POLICY_QA_CORPUS_DIR", str(paper_index_copy.corpus_dir))
    monkeypatch.setenv("POLICY_QA_INDEX_DIR", str(paper_index_copy.index_dir))
    monkeypatch.setenv("POLICY_QA_CACHE_DIR", str(paper_index_copy.cache_dir))
    return paper_index_copy


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write_queries(path, *records) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return str(path)


# --- search -------------------------------------------------------------------------------

def test_search_json_gives_the_documented_fields(env, capsys):
    code, out, err = run(capsys, "search", "--json", "-k", "3",
                         "What was Thailand's manufacturing value added as a percentage of GDP in 2010?")

    assert (code, err) == (0, "")
    hits = json.loads(out)
    assert len(hits) == 3 and all(set(hit) >= HIT_FIELDS for hit in hits)
    assert [h["rank"] for h in hits] == [1, 2, 3]
    top = hits[0]
    assert top["doc"] == PAPER.name and top["section"] == "2. Vietnam economic performance"
    assert top["page"] is None and top["page_label"] is None  # Markdown has no pages
    assert top["text"].startswith("Table 1. Manufacturing value-added") and "2010: 31.07" in top["text"]
    assert isinstance(top["score"], float) and isinstance(top["chunk_id"], str)
    ids = {c.id for c in read_index(env.index_dir, load_models=False).chunks}
    assert {h["chunk_id"] for h in hits} <= ids


def test_search_prints_readable_hits(env, capsys):
    code, out, _ = run(capsys, "search", "-k", "2", "What is BUILD in Thailand?")

    assert code == 0
    assert out.startswith("1. [")
    assert f"{PAPER.name} · 4.2. Linkage policy" in out
    assert "Unit for Industrial Linkage Development (BUILD)" in out


def test_search_queries_jsonl_gives_one_line_per_query(env, capsys, tmp_path):
    queries = write_queries(tmp_path / "q.jsonl", {"id": "q1", "question": "What is BUILD in Thailand?"},
                            {"id": 2, "question": "Who financed the study?"})

    code, out, _ = run(capsys, "search", "--queries", queries, "--format", "jsonl", "-k", "4")

    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert [(line["id"], len(line["hits"])) for line in lines] == [("q1", 4), ("2", 4)]
    assert all(set(line) == {"id", "hits"} and set(line["hits"][0]) >= HIT_FIELDS for line in lines)


def test_search_queries_trec_gives_six_field_run_lines(env, capsys, tmp_path):
    queries = write_queries(tmp_path / "q.jsonl", {"id": "q1", "question": "What is BUILD in Thailand?"},
                            {"id": "q2", "question": "Who financed the study?"})

    code, out, _ = run(capsys, "search", "--queries", queries, "--format", "trec")

    assert code == 0
    rows = [line.split() for line in out.splitlines()]
    assert len(rows) == 20 and all(len(row) == 6 for row in rows)  # 10 hits by default with --queries
    assert {row[0] for row in rows} == {"q1", "q2"} and {row[1] for row in rows} == {"Q0"}
    assert [int(row[3]) for row in rows[:10]] == list(range(1, 11))
    assert all(float(row[4]) > 0 and row[5] == "policy-qa-hybrid" for row in rows)


def test_trec_refuses_an_id_with_whitespace(env, capsys, tmp_path):
    queries = write_queries(tmp_path / "q.jsonl", {"id": "q 1", "question": "What is BUILD?"})

    code, out, err = run(capsys, "search", "--queries", queries, "--format", "trec")

    assert (code, out) == (1, "")
    assert err == (f"error: {queries}: id 'q 1' contains whitespace, which --format trec cannot write; "
                   "use ids without spaces\n")


def test_a_bad_queries_line_gives_one_line_naming_file_and_line(env, capsys, tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text('{"id": "q1", "question": "What is BUILD?"}\n\n{"id": "q2"\n', encoding="utf-8")

    code, out, err = run(capsys, "search", "--queries", str(path))

    assert (code, out) == (1, "")
    assert err.count("\n") == 1
    assert err.startswith(f"error: {path} line 3: not JSON (")


@pytest.mark.parametrize("argv, message", [
    (["search"], "error: search: give either a QUERY or --queries FILE.jsonl\n"),
    (["search", "q", "--queries", "x.jsonl"], "error: search: give either a QUERY or --queries FILE.jsonl\n"),
    (["search", "-k", "0", "q"], "error: -k: must be at least 1, got 0\n"),
])
def test_search_usage_errors(env, capsys, argv, message):
    assert run(capsys, *argv) == (1, "", message)


def test_search_warns_when_the_corpus_changed_since_the_build(env, capsys):
    (env.corpus_dir / "new.md").write_text("Fresh notes.\n", encoding="utf-8")

    code, out, err = run(capsys, "search", "--json", "-k", "1", "industrial policy")

    assert code == 0 and len(json.loads(out)) == 1
    assert err == ("warning: the corpus has changed since the index was built (new: new.md); "
                   "rebuild with: python -m index build\n")


# --- chunks, evaluate ------------------------------------------------------------------------

def test_chunks_prints_every_chunk_record_as_jsonl(env, capsys):
    code, out, _ = run(capsys, "chunks")

    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    chunks = read_index(env.index_dir, load_models=False).chunks
    assert records == [c.to_json() for c in chunks]
    assert {"id", "doc", "section", "section_path", "kind", "text", "start", "end", "page", "page_end",
            "page_label", "source"} <= set(records[0])


def test_evaluate_json(env, capsys):
    code, out, _ = run(capsys, "evaluate", "--json", "--gold", str(ROOT / "eval" / "dev.jsonl"))

    assert code == 0
    report = json.loads(out)
    hybrid = next(row for row in report["retrieval"] if row["name"] == "hybrid")
    assert report["questions"] == 33 and hybrid["recall@5"] == 1.0 and hybrid["mrr@10"] >= 0.9
    assert [row["name"] for row in report["retrieval"]] == ["hybrid", "bm25", "dense"]


# --- settings: flags, environment --------------------------------------------------------------

def test_defaults_come_from_the_environment_and_flags_beat_them(env, capsys, monkeypatch, tmp_path):
    query = "When was Malaysia's Vendor Development Program introduced?"
    code, by_env, _ = run(capsys, "search", "--json", "-k", "1", query)
    assert code == 0 and "1988" in json.loads(by_env)[0]["text"]

    monkeypatch.setenv("POLICY_QA_INDEX_DIR", str(tmp_path / "nothing-here"))
    code, out, err = run(capsys, "search", "--json", "-k", "1", query)
    assert (code, out) == (1, "")
    assert err == f"error: {tmp_path / 'nothing-here'}: no index here (build one with: python -m index build)\n"

    code, by_flag, _ = run(capsys, "search", "--index", str(env.index_dir), "--json", "-k", "1", query)
    assert code == 0 and by_flag == by_env


def test_build_reads_corpus_and_index_folders_from_the_environment(env, capsys):
    code, out, err = run(capsys, "build", "--quiet")

    assert (code, err) == (0, "")
    assert out.startswith("index up to date: 1 file, ") and out.rstrip().endswith(f"-> {env.index_dir}")


def test_build_with_a_bad_model_setting_is_a_one_line_error(env, capsys, monkeypatch):
    monkeypatch.setenv("POLICY_QA_CHUNK_CHARS", "12")

    assert run(capsys, "build", "--quiet") == (1, "", "error: chunk_chars: 12 is too small; use 200 or more\n")


# --- real processes: exit codes ----------------------------------------------------------------

def index_process(*argv: str, cwd, extra_env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_QA_")}
    environment.update({"PYTHONPATH": str(ROOT), **(extra_env or {})})
    return subprocess.run([sys.executable, "-m", "index", *argv], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=120)


def test_build_exit_codes_0_2_1_and_the_previous_index_survives(paper_index_copy, tmp_path):
    settings = paper_index_copy
    flags = ["--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir), "--quiet"]
    backend = {"POLICY_QA_CACHE_DIR": str(settings.cache_dir)}

    # 0: every file read (nothing changed: up to date).
    done = index_process("build", *flags, cwd=tmp_path, extra_env=backend)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("index up to date: 1 file")

    # 2: some files rejected, an index written with the rest; one line per file on stderr.
    (settings.corpus_dir / "locked.pdf").write_bytes(encrypted_pdf(["Secret industrial policy."] * 3))
    (settings.corpus_dir / "scan.pdf").write_bytes(scanned_pdf())
    (settings.corpus_dir / "notes.docx").write_bytes(b"PK\x03\x04")
    done = index_process("build", *flags, cwd=tmp_path, extra_env=backend)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == ["locked.pdf: encrypted PDF (a password is needed)",
                                        "notes.docx: unsupported file type .docx; use .pdf, .md or .txt",
                                        "scan.pdf: no text layer (scanned?), and OCR found no text on its 1 page"]
    assert "indexed 1 file" in done.stdout and "3 files rejected" in done.stdout

    # 1: nothing could be indexed; each file's reason, then the error; the index is untouched.
    before = folder_digest(settings.index_dir)
    (settings.corpus_dir / PAPER.name).unlink()
    (settings.corpus_dir / "empty.txt").write_bytes(b"")
    done = index_process("build", *flags, cwd=tmp_path, extra_env=backend)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.splitlines() == [
        "empty.txt: empty file",
        "locked.pdf: encrypted PDF (a password is needed)",
        "notes.docx: unsupported file type .docx; use .pdf, .md or .txt",
        "scan.pdf: no text layer (scanned?), and OCR found no text on its 1 page",
        f"error: {settings.corpus_dir}: no file could be indexed (4 rejected); the previous index is unchanged",
    ]
    assert folder_digest(settings.index_dir) == before


def test_an_up_to_date_rebuild_never_imports_torch(paper_index_copy, tmp_path):
    code = ("import sys; from index.cli import main; "
            f"code = main(['build', '--quiet', '--corpus', {str(paper_index_copy.corpus_dir)!r}, "
            f"'--index', {str(paper_index_copy.index_dir)!r}]); "
            "print(code, 'torch' in sys.modules, 'sentence_transformers' in sys.modules)")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_QA_")}
    # torch backend: no ONNX export to look for or make; what is measured is the rebuild itself.
    environment.update({"PYTHONPATH": str(ROOT), "POLICY_QA_QUERY_BACKEND": "torch"})

    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=environment, capture_output=True,
                          text=True, timeout=120)

    assert done.stdout.splitlines()[-1] == "0 False False", done.stderr
