import os

import pytest

from ingest.atomic import temporary_for, write_atomically


@pytest.mark.parametrize("durable", [False, True])
def test_a_file_is_replaced_whole_and_no_temporary_is_left(tmp_path, durable):
    path = tmp_path / "report.json"
    path.write_text("old")
    assert write_atomically(path, "new ✓", durable=durable) == path
    assert path.read_text(encoding="utf-8") == "new ✓"
    write_atomically(path, b"\x00bytes")
    assert path.read_bytes() == b"\x00bytes"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    path.write_text("old")

    def no_space(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", no_space)
    with pytest.raises(OSError, match="No space"):
        write_atomically(path, "new")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]


def test_the_temporary_sits_beside_the_target_and_names_the_writer(tmp_path):
    temporary = temporary_for(tmp_path / "CURRENT")
    assert temporary.parent == tmp_path  # same file system: os.replace is one step
    assert temporary.name == f".CURRENT.tmp-{os.getpid()}"
