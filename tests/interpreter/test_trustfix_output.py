"""`batch --output` never writes over its input, by whatever name the input is reached."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from rulerun.interpreter.cli import main

PROEF = str(Path(__file__).resolve().parents[2] / "tests" / "invalid" / "proef.yaml")
RECORD = '{"id": "a", "facts": {}}\n'


@pytest.mark.parametrize("link", ["same", "symlink", "hardlink"])
def test_the_output_may_not_be_the_input(tmp_path, link):
    source = tmp_path / "in.jsonl"
    source.write_text(RECORD)
    output = tmp_path / "out.jsonl"
    if link == "same":
        output = source
    elif link == "symlink":
        output.symlink_to(source)
    else:
        os.link(source, output)
    result = CliRunner().invoke(main, ["batch", PROEF, str(source), "--output", str(output)])
    assert result.exit_code == 64
    assert "writing it would destroy the input before it is read" in result.output
    assert source.read_text() == RECORD


def test_the_output_may_not_be_the_measure(tmp_path):
    (tmp_path / "in.jsonl").write_text(RECORD)
    measure = tmp_path / "proef.yaml"
    measure.write_text(Path(PROEF).read_text())
    result = CliRunner().invoke(main, ["batch", str(measure), str(tmp_path / "in.jsonl"), "--output", str(measure)])
    assert result.exit_code == 64 and measure.read_text() == Path(PROEF).read_text()


def test_another_output_file_is_written(tmp_path):
    (tmp_path / "in.jsonl").write_text(RECORD)
    result = CliRunner().invoke(main, ["batch", PROEF, str(tmp_path / "in.jsonl"), "--output",
                                       str(tmp_path / "out.jsonl"), "--on", "2022-02-01"])
    assert result.exit_code == 0 and '"id": "a"' in (tmp_path / "out.jsonl").read_text()
