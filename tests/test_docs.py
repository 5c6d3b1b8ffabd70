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
FILE_BLOCK = re.compile(r"<!-- file: (\S+) -->\n```yaml\n(.*?)```", re.S)


def _workspace(tmp_path: Path, page: Path) -> Path:
    """A folder with the repository's measures, tests and schemas, plus the files the page writes."""
    for name in ("measures", "tests", "schemas"):
        (tmp_path / name).symlink_to(ROOT / name)
    for path, text in FILE_BLOCK.findall(page.read_text(encoding="utf-8")):
        target = tmp_path / path
        assert not target.resolve().is_relative_to(ROOT), f"{page.name} would write {path} into the repository"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return tmp_path


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
    monkeypatch.chdir(_workspace(tmp_path, page))
    result = CliRunner().invoke(main, shlex.split(command)[2:], input="".join(a + "\n" for a in answers))
    assert result.output == transcript or result.output == "\n" + transcript


def test_the_intake_session_in_the_docs_saves_the_case_shown(tmp_path, monkeypatch):
    page = (ROOT / "docs" / "ask.md").read_text(encoding="utf-8")
    block = page.split("```console\n", 1)[1].split("```", 1)[0]
    test_console_examples_replay(ROOT / "docs" / "ask.md", 0, block, tmp_path, monkeypatch)
    saved = page.split("```yaml\n", 1)[1].split("```", 1)[0]
    assert (tmp_path / "intake.yaml").read_text(encoding="utf-8") == saved


YAML_BLOCKS = [(page, i, block) for page in PAGES
               for i, block in enumerate(re.findall(r"```yaml\n(.*?)```", page.read_text(encoding="utf-8"), re.S))]


@pytest.mark.parametrize("page, index, block", YAML_BLOCKS,
                         ids=[f"{p.relative_to(ROOT)}-{i}" for p, i, _ in YAML_BLOCKS])
def test_yaml_examples_are_checked(page, index, block, tmp_path, monkeypatch):
    """Every YAML example parses; a whole measure checks clean; a case beside a measure passes (fails: `failing-…`).

    Excerpts (marked with `…` where something is left out) are only parsed when they are whole YAML.
    """
    from rulerun.dsl.analysis import check_measure
    from rulerun.dsl.loader import load_measure
    from rulerun.dsl.yamlsource import parse_yaml
    from rulerun.interpreter.tools.testing import run_measure
    if "…" in block or "..." in block:
        assert len(block.splitlines()) < 40, "an excerpt should stay short; give long examples whole"
        return
    data = parse_yaml(block, f"{page.name} example {index}", dates_as_text=False).data
    assert isinstance(data, dict)
    workspace = _workspace(tmp_path, page)
    monkeypatch.chdir(workspace)
    files = dict(FILE_BLOCK.findall(page.read_text(encoding="utf-8")))
    path = next((Path(p) for p, text in files.items() if text == block), None)
    if "measure" in data and "decision" in data:
        path = path or Path("example.yaml")
        if not path.exists():
            path.write_text(block, encoding="utf-8")
        checked = check_measure(load_measure(path))
        assert checked.warnings == []
    elif "facts" in data and "expect" in data and path is not None:
        measure = path.parent.parent.parent / f"{path.parent.name}.yaml"
        outcomes = [o for o in run_measure(measure) if Path(o.case.path).resolve() == path.resolve()]
        # A case file named `failing-…` fails on purpose: a console example pins what `rulerun test` says of it.
        assert len(outcomes) == 1 and outcomes[0].passed != path.stem.startswith("failing-"), outcomes


JSON_BLOCKS = [(page, block) for page in PAGES
               for block in re.findall(r"```json\n(.*?)```", page.read_text(encoding="utf-8"), re.S)]


@pytest.mark.parametrize("page, block", JSON_BLOCKS, ids=[f"{p.relative_to(ROOT)}" for p, _ in JSON_BLOCKS])
def test_json_examples_parse(page, block):
    json.loads(block)


def test_every_measure_points_its_editor_at_the_schema():
    for path in sorted((ROOT / "measures").rglob("*.yaml")):
        if "cases" in path.parts:
            continue
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        assert (path.parent / first.split("=", 1)[1]).resolve() == ROOT / "schemas" / "measure.schema.json", path


PYTHON_BLOCKS = [(page, i, block) for page in PAGES
                 for i, block in enumerate(re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), re.S))]


@pytest.mark.parametrize("page, index, block", PYTHON_BLOCKS,
                         ids=[f"{p.relative_to(ROOT)}-{i}" for p, i, _ in PYTHON_BLOCKS])
def test_python_examples_run(page, index, block, monkeypatch):
    monkeypatch.chdir(ROOT)
    exec(compile(block, f"{page.name} python example {index}", "exec"), {})


SH_BLOCKS = [(page, line) for page in PAGES if page.parent != ROOT  # the README's install commands are CI's own
             for block in re.findall(r"```sh\n(.*?)```", page.read_text(encoding="utf-8"), re.S)
             for line in block.splitlines() if line.strip()]


@pytest.mark.parametrize("page, line", SH_BLOCKS, ids=[f"{p.relative_to(ROOT)}-{i}" for i, (p, _) in enumerate(SH_BLOCKS)])
def test_shell_examples_run(page, line, tmp_path, monkeypatch):
    """`rulerun … > FILE` lines run, and a case schema written that way accepts the measure's cases."""
    import shlex

    import jsonschema
    import yaml
    from click.testing import CliRunner

    from rulerun.interpreter.cli import main
    words = shlex.split(line)
    assert words[0] == "rulerun" and words[-2] == ">", "shell examples are `rulerun … > FILE`"
    monkeypatch.chdir(_workspace(tmp_path, page))
    result = CliRunner().invoke(main, words[1:-2])
    assert result.exit_code == 0, result.output
    if words[1] == "schema":
        schema = json.loads(result.output)
        for case in sorted((ROOT / "measures" / "cases" / words[2]).glob("*.yaml")):
            data = yaml.safe_load(case.read_text(encoding="utf-8"))
            data = {k if k is not True else "on": v for k, v in data.items()}
            jsonschema.validate(json.loads(json.dumps(data, default=str)), schema)
