"""The corpus folder as a real one can be: link loops, broken links, unreadable files, FIFOs,
odd names. Each such entry is one line and the rest is built (issue 10, items 7, 8, 14).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from index.builder import build_index
from index.corpus import corpus_signature, scan_corpus, walk_corpus
from index.store import read_index
from tests.helpers import PAPER, ROOT, CountingEmbedder, cli_env, run_cli

NOTE = "# Port notes\n\nThe port of Haiphong added two container cranes in 2020.\n"


def hostile_corpus(corpus: Path) -> dict[str, str]:
    """Entries a build must survive, with the reason each one gets; the paper stays readable."""
    (corpus / "loop.md").symlink_to("loop.md")  # points back to itself
    (corpus / "dangling.md").symlink_to("missing.md")
    (corpus / "sub").mkdir()
    (corpus / "sub" / "up").symlink_to("..")  # a folder link back to the corpus: not followed
    (corpus / "linked.md").symlink_to(corpus / PAPER.name)  # a link to a file: followed
    os.mkfifo(corpus / "pipe.md")  # reading it would block for ever
    (corpus / "odd\nname.md").write_text(NOTE, encoding="utf-8")  # a newline in the name: indexed
    (corpus / "bell\x07.docx").write_bytes(b"PK\x03\x04")  # a control character in an unsupported name
    bad = os.fsencode(corpus) + b"/bad\xff.md"  # a name that is not UTF-8
    with open(bad, "wb") as handle:
        handle.write(NOTE.encode())
    return {
        "'bad\\udcff.md'": "the file name is not valid UTF-8; rename the file",
        "bell\x07.docx": "unsupported file type .docx; use .pdf, .md or .txt",
        "dangling.md": "a broken symbolic link (what it points to is missing)",
        "loop.md": "a symbolic link that loops (it points back to itself)",
        "pipe.md": "not a regular file",
        "sub/up": "a link to a folder; not followed (link the files instead)",
    }


def test_the_scan_reports_each_bad_entry_once_and_keeps_the_rest(paper_index_copy):
    expected = hostile_corpus(paper_index_copy.corpus_dir)

    sources, rejected = scan_corpus(paper_index_copy.corpus_dir)

    assert {r.file: r.reason for r in rejected} == expected
    assert [s.name for s in sources] == [PAPER.name, "linked.md", "odd\nname.md"]
    # the app's cheap check walks the same way and does not raise either
    signature = corpus_signature(paper_index_copy.corpus_dir)
    assert ("loop.md", expected["loop.md"]) in signature
    assert [e.name for e in walk_corpus(paper_index_copy.corpus_dir)[0]] == [
        "bell\x07.docx", PAPER.name, PAPER.name + ".meta.json", "linked.md", "odd\nname.md"]


def test_a_build_over_a_hostile_corpus_indexes_the_rest(paper_index_copy, embedder):
    expected = hostile_corpus(paper_index_copy.corpus_dir)

    report = build_index(paper_index_copy, embedder=CountingEmbedder(embedder))

    assert {r.file: r.reason for r in report.rejected} == expected and report.exit_code == 2
    assert report.files == [PAPER.name, "linked.md", "odd\nname.md"]
    docs = {c.doc for c in read_index(paper_index_copy.index_dir, load_models=False).chunks}
    assert docs == {PAPER.name, "linked.md", "odd\nname.md"}


def test_the_cli_gives_one_line_per_bad_entry_and_shows_odd_names_escaped(paper_index_copy):
    settings = paper_index_copy
    hostile_corpus(settings.corpus_dir)

    done = run_cli("index", "build", "--quiet", env=cli_env(settings), text=True)

    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [  # issue 10, item 14: a newline in a name stays on its line
        "'bad\\udcff.md': the file name is not valid UTF-8; rename the file",
        "'bell\\x07.docx': unsupported file type .docx; use .pdf, .md or .txt",
        "dangling.md: a broken symbolic link (what it points to is missing)",
        "loop.md: a symbolic link that loops (it points back to itself)",
        "pipe.md: not a regular file",
        "sub/up: a link to a folder; not followed (link the files instead)",
    ]
    assert "indexed 3 files" in done.stdout and "6 files rejected" in done.stdout
    found = run_cli("index", "search", "container cranes in Haiphong", "-k", "1", env=cli_env(settings), text=True)
    assert found.returncode == 0, found.stderr
    first = found.stdout.splitlines()[0]
    assert first.startswith("1. [") and first.endswith("'odd\\nname.md' · Port notes")


# Root reads any file whatever its mode: the build runs as root without the capabilities
# that override file permissions (CI runs as root; a user's build is not root).
WITHOUT_OVERRIDE = ["setpriv", "--bounding-set=-dac_override,-dac_read_search",
                    "--inh-caps=-dac_override,-dac_read_search"]


def _as_a_user() -> list[str]:
    """The command prefix that makes this process subject to file permissions, or skip."""
    if os.getuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv (util-linux): no way to make a file unreadable to the build")
    return WITHOUT_OVERRIDE


def test_an_unreadable_file_or_folder_is_one_line_and_the_rest_is_built(paper_index_copy):
    """Issue 10, item 8: a file with mode 000 ended the build in a PermissionError traceback."""
    settings = paper_index_copy
    secret = settings.corpus_dir / "secret.md"
    secret.write_text(NOTE, encoding="utf-8")
    secret.chmod(0o000)
    (settings.corpus_dir / "locked").mkdir(mode=0o000)
    prefix = _as_a_user()
    probe = subprocess.run([*prefix, sys.executable, "-c", f"open({str(secret)!r}).read()"], capture_output=True,
                           text=True)
    if "PermissionError" not in probe.stderr:
        pytest.skip(f"this machine lets the build read a mode-000 file anyway: {probe.stderr[-200:]}")

    done = subprocess.run([*prefix, sys.executable, "-m", "index", "build", "--quiet"], cwd=ROOT,
                          env=cli_env(settings), capture_output=True, text=True, timeout=120)

    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == ["locked: folder cannot be read (Permission denied)",
                                        "secret.md: cannot be read (Permission denied)"]
    assert done.stdout.startswith("indexed 1 file, ")
    assert {c.doc for c in read_index(settings.index_dir, load_models=False).chunks} == {PAPER.name}
