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


def test_the_temporary_sits_beside_the_target_and_is_the_writers_own(tmp_path):
    temporary = temporary_for(tmp_path / "CURRENT")
    assert temporary.parent == tmp_path  # same file system: os.replace is one step
    assert temporary.name.startswith(f".CURRENT.tmp-{os.getpid()}-")
    assert temporary_for(tmp_path / "CURRENT") != temporary  # two writers, two temporaries


def test_threads_writing_one_file_never_collide(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    path = tmp_path / "cache.json"
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda n: write_atomically(path, f"writer {n}"), range(200)))
    assert path.read_text().startswith("writer ")
    assert [p.name for p in tmp_path.iterdir()] == ["cache.json"]


def test_a_write_that_fails_midway_leaves_the_old_file(tmp_path):
    path = tmp_path / "model.json"
    path.write_text("old")

    class Unwritable(str):  # fails while being written, after the temporary was opened
        def encode(self, *args, **kwargs):
            raise UnicodeError("cannot encode")

    with pytest.raises(UnicodeError):
        write_atomically(path, Unwritable())
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]
