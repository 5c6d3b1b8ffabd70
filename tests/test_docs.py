"""The docs: every relative link resolves, and the format reference names every key of the schema."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "docs").rglob("*.md")) + [ROOT / "README.md"]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_links_resolve(page):
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if target.startswith(("http://", "https://")):
            continue
        assert (page.parent / target).exists(), f"{page.name} links to missing {target}"


def test_format_reference_covers_the_schema():
    schema = json.loads((ROOT / "schemas" / "measure.schema.json").read_text())
    text = (ROOT / "docs" / "measure-format.md").read_text(encoding="utf-8")
    keys = set(schema["properties"]) | set(schema["$defs"]["fact"]["properties"])
    keys |= set(schema["$defs"]["decision"]["properties"]) | set(schema["$defs"]["rule"]["properties"])
    missing = sorted(k for k in keys if f"`{k}`" not in text)
    assert not missing, f"docs/measure-format.md does not describe: {missing}"


def test_every_measure_has_a_page():
    for measure in (ROOT / "measures").glob("*.yaml"):
        assert (ROOT / "docs" / "measures" / f"{measure.stem}.md").exists(), measure.stem


CONSOLE_BLOCKS = [(page, i, block) for page in PAGES
                  for i, block in enumerate(re.findall(r"```console\n(.*?)```", page.read_text(encoding="utf-8"), re.S))]


@pytest.mark.parametrize("page, index, block", CONSOLE_BLOCKS,
                         ids=[f"{p.relative_to(ROOT)}-{i}" for p, i, _ in CONSOLE_BLOCKS])
def test_console_examples_replay(page, index, block, tmp_path, monkeypatch):
    """A `$ rulerun …` block is run (answers to prompts typed in) and must print exactly what is shown."""
    import shlex

    from click.testing import CliRunner

    from rulerun.interpreter.cli import main
    command, transcript = block.split("\n", 1)
    assert command.startswith("$ rulerun "), "console examples start with a `$ rulerun …` line"
    answers = [m.group(1) for m in re.finditer(r"\) > (.*)$", transcript, re.M)]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "measures").symlink_to(ROOT / "measures")
    result = CliRunner().invoke(main, shlex.split(command)[2:], input="".join(a + "\n" for a in answers))
    assert result.output == transcript or result.output == "\n" + transcript


def test_the_intake_session_in_the_docs_saves_the_case_shown(tmp_path, monkeypatch):
    page = (ROOT / "docs" / "ask.md").read_text(encoding="utf-8")
    block = page.split("```console\n", 1)[1].split("```", 1)[0]
    test_console_examples_replay(ROOT / "docs" / "ask.md", 0, block, tmp_path, monkeypatch)
    saved = page.split("```yaml\n", 1)[1].split("```", 1)[0]
    assert (tmp_path / "intake.yaml").read_text(encoding="utf-8") == saved


PYTHON_BLOCKS = [(page, i, block) for page in PAGES
                 for i, block in enumerate(re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), re.S))]


@pytest.mark.parametrize("page, index, block", PYTHON_BLOCKS,
                         ids=[f"{p.relative_to(ROOT)}-{i}" for p, i, _ in PYTHON_BLOCKS])
def test_python_examples_run(page, index, block, monkeypatch):
    monkeypatch.chdir(ROOT)
    exec(compile(block, f"{page.name} python example {index}", "exec"), {})
