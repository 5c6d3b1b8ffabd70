"""The bounded reader of user files: regular files only, never more than the limit."""
from __future__ import annotations

import io
import os

import pytest

from rulerun.dsl.files import FileProblem, read_bytes, read_stream, require_regular


def test_reads_a_file_up_to_the_limit(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_bytes(b"x" * 10)
    assert read_bytes(path, limit=10) == b"x" * 10
    with pytest.raises(FileProblem, match="larger than 9 bytes"):
        read_bytes(path, limit=9)


@pytest.mark.parametrize("make, words", [
    (lambda p: p.mkdir(), "is a directory, not a file"),
    (lambda p: os.mkfifo(p), "is a named pipe (FIFO), not a file"),
    (lambda p: p.symlink_to("/dev/zero"), "is a device, not a file"),
])
def test_refuses_what_is_not_a_regular_file(make, words, tmp_path):
    path = tmp_path / "x.yaml"
    make(path)
    for check in (read_bytes, require_regular):
        with pytest.raises(FileProblem) as caught:
            check(path)
        assert caught.value.diagnostic.message == words
        assert caught.value.diagnostic.file == str(path)


def test_missing_file_and_permission(tmp_path):
    with pytest.raises(FileProblem, match="no such file"):
        read_bytes(tmp_path / "nope.yaml")
    with pytest.raises(FileProblem, match="no such file"):
        require_regular(tmp_path / "nope.yaml")


def test_require_regular_checks_the_size_only_when_asked(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b"x" * 100)
    require_regular(path)
    with pytest.raises(FileProblem, match="larger than 99 bytes"):
        require_regular(path, limit=99)


def test_a_stream_is_read_to_the_limit_and_no_further():
    stream = io.BytesIO(b"y" * 1000)
    with pytest.raises(FileProblem, match="larger than 10 bytes"):
        read_stream(stream, "<stdin>", limit=10)
    assert stream.tell() == 11
    assert read_stream(io.BytesIO(b"abc"), "<stdin>", limit=3) == b"abc"
