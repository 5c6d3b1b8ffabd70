"""The C YAML reader gives exactly what the pure-Python reader gives, positions included."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from rulerun.dsl import yamlsource
from rulerun.dsl.yamlsource import YamlProblem, parse_yaml, read_text

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(p for folder in ("measures", "tests", "docs") for p in (ROOT / folder).rglob("*.yaml"))


def _read(path: Path, reader, monkeypatch) -> object:
    monkeypatch.setattr(yamlsource, "_LIBYAML", reader)
    try:
        document = parse_yaml(read_text(path), path.name, dates_as_text=False)
    except YamlProblem as problem:
        span = problem.diagnostic.span
        return problem.diagnostic.message, span and (span.line, span.column, span.end_line, span.end_column)
    return document.data, document.nodes, document.keys


def test_there_are_files_to_compare():
    assert len(FILES) > 100


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_c_reader_matches_python_reader(path, monkeypatch):
    assert _read(path, yaml.CSafeLoader, monkeypatch) == _read(path, None, monkeypatch)
