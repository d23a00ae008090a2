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
from tests.helpers import PAPER, ROOT, cli_env, folder_digest, run_cli
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
    # issue 10, item 12: an empty query printed five arbitrary passages
    (["search", ""], "error: the query is empty\n"),
    (["search", " \t "], "error: the query is empty\n"),
    (["search", "\udcff\udcfe"], "error: the query is not valid UTF-8 text (it holds bytes that are not UTF-8, "
                                 "or a lone surrogate)\n"),
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


# --- hostile input and output (issue 10, items 10-15) ------------------------------------------

def test_a_byte_order_mark_and_a_lone_surrogate_in_a_queries_file(env, capsys, tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"id": "q1", "question": "What is BUILD?"}).encode() + b"\n")

    code, out, err = run(capsys, "search", "--queries", str(path), "-k", "1")

    assert (code, err) == (0, "") and json.loads(out)["id"] == "q1"  # Notepad's BOM is not "not JSON"
    path.write_text('{"id": "q1", "question": "What is BUILD?"}\n{"id": "q2", "question": "x\\ud800"}\n')
    assert run(capsys, "search", "--queries", str(path)) == (
        1, "", f"error: {path} line 2: field 'question' is not valid UTF-8 text (it holds bytes that are not "
               "UTF-8, or a lone surrogate)\n")


def test_control_sequences_in_a_document_never_reach_the_terminal(hostile_index, capsys, monkeypatch):
    monkeypatch.setenv("POLICY_QA_INDEX_DIR", str(hostile_index.index_dir))
    monkeypatch.setenv("POLICY_QA_CACHE_DIR", str(hostile_index.cache_dir))

    code, out, _ = run(capsys, "search", "-k", "1", "Hanoi brake pad supplier Japanese assemblers")

    assert code == 0 and "hostile.md" in out and "brake pad supplier sells to two Japanese" in out
    assert not [ch for ch in out if ord(ch) < 32 and ch != "\n" or 0x7f <= ord(ch) < 0xa0]
    code, out, _ = run(capsys, "search", "-k", "1", "--json", "Hanoi brake pad supplier Japanese assemblers")
    assert code == 0 and "\x1b" not in out and "\\u001b]0;PWNED\\u0007" in out  # JSON escapes them itself
    assert json.loads(out)[0]["text"].endswith("\x1b]0;PWNED\x07\x1b[2J sells to two Japanese assemblers.")


def test_bytes_that_are_not_utf8_in_a_query_are_one_line(env):
    done = run_cli("index", "search", b"BUILD \xff\xfe", env=cli_env(env))

    assert (done.returncode, done.stdout) == (1, b"")
    assert done.stderr == (b"error: the query is not valid UTF-8 text (it holds bytes that are not UTF-8, "
                           b"or a lone surrogate)\n")


@pytest.mark.parametrize("variable, value, message", [
    ("POLICY_QA_DENSE_WEIGHT", "nan", "error: POLICY_QA_DENSE_WEIGHT: 'nan' is not a finite number"),
    ("POLICY_QA_MAX_UPLOAD_MB", "-1", "error: max_upload_mb: must be between 1 and 1024, got -1"),
])
def test_a_setting_out_of_range_is_one_line(env, variable, value, message):
    done = run_cli("index", "search", "BUILD", env=cli_env(env, **{variable: value}), text=True)

    assert (done.returncode, done.stdout, done.stderr) == (1, "", message + "\n")


def test_ctrl_c_during_a_search_exits_130_quietly(env, tmp_path):
    import signal

    queries = write_queries(tmp_path / "q.jsonl", *({"id": f"q{n}", "question": f"industrial policy {n}"}
                                                   for n in range(5000)))
    search = subprocess.Popen([sys.executable, "-m", "index", "search", "--queries", queries], cwd=ROOT,
                              env=cli_env(env), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert search.stdout.readline().startswith(b'{"id": "q0"')  # it is searching
    search.send_signal(signal.SIGINT)
    _, err = search.communicate(timeout=60)

    assert (search.returncode, err) == (130, b"")


def test_a_closed_pipe_ends_the_output_quietly(env):
    chunks = subprocess.Popen([sys.executable, "-m", "index", "chunks"], cwd=ROOT, env=cli_env(env),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert chunks.stdout.readline().startswith(b'{"id": ')
    chunks.stdout.close()  # `| head -1`
    _, err = chunks.communicate(timeout=60)

    assert (chunks.returncode, err) == (0, b"")


def test_an_index_folder_that_cannot_be_written_is_one_line(env, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")

    done = run_cli("index", "build", "--quiet", "--index", str(blocker / "index"), env=cli_env(env), text=True)

    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == f"error: {blocker / 'index'}: Not a directory\n"


def test_verify_checks_every_file(env, capsys):
    from tests.helpers import generation_dir

    generation = generation_dir(env.index_dir)
    files = [p for p in generation.rglob("*") if p.is_file()]

    code, out, err = run(capsys, "verify")

    assert (code, err) == (0, "")
    assert out == f"index ok: {generation.name}, {len(files)} files match the manifest (sha256) -> {env.index_dir}\n"
    vectors = generation / "chunk_vectors.npy"
    data = bytearray(vectors.read_bytes())
    data[-1] ^= 1  # one bit of one number: only a hash can tell
    vectors.write_bytes(bytes(data))
    assert run(capsys, "verify") == (1, "", f"error: {env.index_dir}: the index is damaged ({generation.name}: "
                                           "chunk_vectors.npy does not match its sha256 in the manifest); "
                                           "rebuild it with: python -m index build\n")


def test_the_changed_corpus_warning_is_about_the_corpus_the_index_was_built_from(env, capsys, tmp_path):
    """Issue 10, item 6: an index built with --corpus other/ was compared with corpus/ (or the
    variable) and always warned."""
    from tests.helpers import copy_paper

    other = tmp_path / "other"
    copy_paper(other)
    (other / "notes.md").write_text("# Notes\n\nThe port of Haiphong added two cranes in 2020.\n", encoding="utf-8")
    assert run(capsys, "build", "--quiet", "--corpus", str(other))[0] == 0
    (env.corpus_dir / "unrelated.md").write_text("Not part of this index.\n", encoding="utf-8")  # the variable's corpus

    code, out, err = run(capsys, "search", "--json", "-k", "1", "cranes in Haiphong")

    assert (code, err) == (0, "") and json.loads(out)[0]["doc"] == "notes.md"
    (other / "more.md").write_text("More notes.\n", encoding="utf-8")
    code, _, err = run(capsys, "search", "--json", "-k", "1", "cranes in Haiphong")
    assert code == 0 and err == ("warning: the corpus has changed since the index was built (new: more.md); "
                                 f"rebuild with: python -m index build --corpus {other}\n")


def test_search_doc_limits_the_hits_and_names_an_unknown_one(env, capsys):
    code, out, _ = run(capsys, "search", "--json", "-k", "2", "--doc", "east_asian_industrial_policy.md", "linkage")
    assert code == 0 and [h["doc"] for h in json.loads(out)] == ["east_asian_industrial_policy.md"] * 2

    assert run(capsys, "search", "linkage", "--doc", "nope.md") == (
        1, "", "error: --doc: no document named 'nope.md' in the index; it holds east_asian_industrial_policy.md\n")
