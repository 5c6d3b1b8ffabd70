"""The command line under hostile conditions: closed and full streams, many files with bad ones, escaping."""
from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from rulerun.dsl.errors import InputOutputError
from rulerun.interpreter.formats import streams
from rulerun.interpreter.cli import main

ROOT = Path(__file__).resolve().parents[2]
INVALID = ROOT / "tests" / "invalid"
CASE = "measures/cases/kmo-portefeuille/r3-klein-opleiding.yaml"
COMMAND = [sys.executable, "-c", "from rulerun.interpreter.cli import main; main()"]


def shell(command: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """Run `rulerun …` through the shell (for `>&-`, `<&-`, `> /dev/full`), in the repository root."""
    rulerun = " ".join(f"'{part}'" for part in COMMAND)
    return subprocess.run(["bash", "-c", command.replace("rulerun", rulerun, 1)], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=120)


# Exit codes and input/output failures


@pytest.mark.parametrize("command", [
    f"rulerun explain kmo-portefeuille {CASE} > /dev/full",
    f"rulerun explain kmo-portefeuille {CASE} --format json > /dev/full",
    "rulerun --help > /dev/full",
    "rulerun list > /dev/full",
    "rulerun test -k sofie > /dev/full",
])
def test_a_full_output_is_an_io_error_not_a_bug(command):
    result = shell(command)
    assert result.returncode == 74
    assert result.stderr == "error: cannot write to standard output: No space left on device\n"


def test_a_batch_into_a_full_file_names_the_file(tmp_path):
    cases = tmp_path / "cases.jsonl"
    cases.write_text('{"id": "a", "on": "2022-03-01", "facts": {}}\n')
    result = shell(f"rulerun batch kmo-portefeuille {cases} --output /dev/full")
    assert result.returncode == 74
    assert result.stderr.splitlines()[-1] == "error: cannot write to `/dev/full`: No space left on device"


def test_a_closed_output_is_an_io_error():
    result = shell(f"rulerun explain kmo-portefeuille {CASE} >&-")
    assert result.returncode == 74
    assert result.stderr.startswith("error: cannot write to standard output: it is closed\n")
    assert "`>&-`" in result.stderr


@pytest.mark.parametrize("command", ["rulerun ask kmo-portefeuille <&-", "rulerun explain kmo-portefeuille - <&-"])
def test_a_closed_input_is_an_io_error(command):
    result = shell(command)
    assert result.returncode == 74
    assert "error: cannot read standard input: it is closed" in result.stderr
    assert "Traceback" not in result.stderr and "bug" not in result.stderr


def test_a_reader_that_went_away_is_a_quiet_141():
    read, write = os.pipe()
    os.close(read)  # no reader at all: the first write meets a broken pipe, every time
    try:
        result = subprocess.run(COMMAND + ["explain", "kmo-portefeuille", CASE], cwd=ROOT, stdout=write,
                                stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write)
    assert result.returncode == 141
    assert result.stderr == ""


def test_usage_errors_exit_64_and_no_command_prints_the_help(run):
    assert run("explain", "kmo-portefeuille", CASE, "--bogus").exit_code == 64
    assert run("explain", "kmo-portefeuille").exit_code == 64
    assert run("batch", "kmo-portefeuille", "does-not-exist.jsonl").exit_code == 64
    bare = run()
    assert bare.exit_code == 64 and "Commands:" in bare.output


def test_the_help_lists_the_exit_codes(run):
    text = run("--help").output
    assert "64  a file or option given cannot be used" in text
    assert "74  reading or writing failed" in text and "141 the reader of the output went away" in text


class Failing:
    """A stream whose every read and write fails with one errno."""

    def __init__(self, code: int):
        self.code = code

    def write(self, *_args):
        raise OSError(self.code, os.strerror(self.code))

    flush = read = readline = write


@pytest.mark.parametrize("code, words", [(errno.EIO, "Input/output error"), (errno.ENOSPC, "No space left on device")])
def test_a_failing_stream_raises_an_io_error_naming_it(code, words):
    with pytest.raises(InputOutputError) as raised:
        streams.Guarded(Failing(code), "standard output").write("x")
    assert raised.value.exit_code == 74
    assert str(raised.value) == f"error: cannot write to standard output: {words}"
    with pytest.raises(InputOutputError, match=f"cannot read standard input: {words}"):
        streams.Guarded(Failing(code), "standard input").readline()
    with pytest.raises(BrokenPipeError):
        streams.Guarded(Failing(errno.EPIPE), "standard output").write("x")


def test_an_output_file_that_cannot_be_opened_is_an_io_error(tmp_path, monkeypatch):
    def refused(*_args, **_kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")
    monkeypatch.setattr("builtins.open", refused)
    with pytest.raises(InputOutputError) as raised:
        streams.open_output(tmp_path / "out.jsonl")
    assert raised.value.diagnostics[0].message == f"cannot write to `{tmp_path / 'out.jsonl'}`: Permission denied"
    assert raised.value.diagnostics[0].hint == "check the permissions, or write somewhere else"


# ask --save


def test_ask_refuses_a_save_path_in_a_missing_folder_before_asking(run, tmp_path):
    result = run("ask", "kmo-portefeuille", "--save", str(tmp_path / "no" / "case.yaml"), input="2024-05-01\n")
    assert result.exit_code == 64
    assert "[1]" not in result.output
    assert f"the folder `{tmp_path / 'no'}` does not exist" in result.output


def test_ask_refuses_a_folder_as_save_path(run, tmp_path):
    (tmp_path / "case.yaml").mkdir()
    result = run("ask", "kmo-portefeuille", "--save", str(tmp_path / "case.yaml"))
    assert result.exit_code == 64 and "[1]" not in result.output


def test_ask_shows_the_answers_when_saving_fails_at_the_end():
    result = shell("rulerun ask kmo-portefeuille --on 2026-11-01 --save /dev/full", stdin="2024-05-01\nvzw\n")
    assert result.returncode == 74
    assert "error: cannot write to `/dev/full`: No space left on device" in result.stderr
    assert "the answers follow on standard output" in result.stderr
    saved = yaml.safe_load(result.stdout[result.stdout.index("name: "):])
    assert saved["facts"] == {"aanvraag": {"datum": datetime_of("2024-05-01")}, "onderneming_info": {"rechtsvorm": "vzw"}}


def datetime_of(text: str):
    import datetime
    return datetime.date.fromisoformat(text)


# Many files: a bad one is reported and the others still run


@pytest.fixture
def measures(tmp_path, monkeypatch):
    """A measures folder with two good measures and their cases."""
    folder = tmp_path / "measures"
    (folder / "cases" / "proef").mkdir(parents=True)
    shutil.copy(INVALID / "proef.yaml", folder / "proef.yaml")
    text = (INVALID / "proef.yaml").read_text().replace("measure: proef", "measure: tweede")
    (folder / "tweede.yaml").write_text(text)
    (folder / "cases" / "tweede").mkdir()
    for name in ("proef", "tweede"):
        case = (INVALID / "valid-case.yaml").read_text() + "on: 2022-02-01\nexpect: {eligible: yes, amount: 300}\n"
        (folder / "cases" / name / "geldig.yaml").write_text(case)
    monkeypatch.chdir(tmp_path)
    return folder


def _bug_for(target: str, real):
    def wrapper(path, *args, **kwargs):
        if Path(path).stem == target:
            raise RuntimeError("boom")
        return real(path, *args, **kwargs)
    return wrapper


def test_check_reports_a_bug_in_one_file_and_checks_the_others(measures, monkeypatch):
    from rulerun.dsl import loader
    monkeypatch.setattr(loader, "load_measure", _bug_for("proef", loader.load_measure))
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 70
    assert "measures/proef.yaml: internal error: this is a bug in rulerun" in result.output
    assert "measures/tweede.yaml: ok" in result.output
    assert "1 path(s) not checked" in result.output
    debug = CliRunner().invoke(main, ["--debug", "check"])
    assert debug.exit_code == 70 and "RuntimeError: boom" in debug.output and "tweede.yaml: ok" in debug.output


def test_check_exits_with_the_worst_code_of_its_paths(measures):
    (measures / "kapot.yaml").write_text("measure: [\n")
    result = CliRunner().invoke(main, ["check", "measures", "nope.yaml"])
    assert result.exit_code == 64  # a missing path (64) outranks an invalid measure (2)
    assert "`nope.yaml` does not exist" in result.output and "invalid YAML" in result.output
    assert "measures/proef.yaml: ok" in result.output and "measures/tweede.yaml: ok" in result.output
    only_invalid = CliRunner().invoke(main, ["check", "measures"])
    assert only_invalid.exit_code == 2


def test_list_reports_a_bug_in_one_file_and_lists_the_others(measures, monkeypatch):
    from rulerun.dsl import loader
    monkeypatch.setattr(loader, "load_measure", _bug_for("proef", loader.load_measure))
    result = CliRunner().invoke(main, ["list"])
    assert result.exit_code == 70
    assert "measures/proef.yaml: internal error" in result.output and "tweede " in result.output


def test_test_reports_a_measure_that_does_not_load_and_runs_the_others(measures):
    (measures / "proef.yaml").write_text("measure: [\n")
    result = CliRunner().invoke(main, ["test"])
    assert result.exit_code == 2
    assert "invalid YAML" in result.output and result.stdout.strip() == "1 passed, 0 failed"


def test_test_reports_a_bug_in_one_measure_and_runs_the_others(measures, monkeypatch):
    import rulerun  # the command line loads measures through the public API
    monkeypatch.setattr(rulerun, "load", _bug_for("proef", rulerun.load))
    result = CliRunner().invoke(main, ["test"])
    assert result.exit_code == 70
    assert "measures/proef.yaml: internal error" in result.output and result.stdout.strip() == "1 passed, 0 failed"


def test_test_reports_a_bug_in_one_case_and_runs_the_others(measures, monkeypatch):
    from rulerun.interpreter.tools import testing
    real = testing.compare

    def compare(decision, expect):
        if decision.measure == "proef":
            raise RuntimeError("boom")
        return real(decision, expect)
    monkeypatch.setattr(testing, "compare", compare)
    result = CliRunner().invoke(main, ["test", "--format", "json"])
    assert result.exit_code == 70
    data = json.loads(result.stdout)
    assert (data["passed"], data["failed"], data["errors"]) == (1, 0, 1)
    assert "internal error: this is a bug in rulerun" in data["failures"][0]["error"]


def test_test_reports_unreadable_case_files_whatever_the_filter(measures):
    (measures / "cases" / "proef" / "kapot.yaml").write_text("facts: [\n")
    result = CliRunner().invoke(main, ["test", "-k", "geldig"])
    assert result.exit_code == 3
    assert "kapot.yaml: the case file cannot be read" in result.stdout
    assert result.stdout.splitlines()[-1] == "2 passed, 0 failed, 1 error(s)"


def test_invalid_facts_in_a_case_exit_3(measures):
    path = measures / "cases" / "proef" / "geldig.yaml"
    path.write_text(path.read_text().replace("kost: 1000", "kost: abc"))
    result = CliRunner().invoke(main, ["test"])
    assert result.exit_code == 3 and "`abc` is not an amount" in result.output


# Escaping of case text in the reports

HOSTILE = "Sofie\x1b[2J\x1b]0;pwned\x07 | **vet** <b>\n  Eligible: no\r\u202e\x9b"


@pytest.fixture
def naam(tmp_path):
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"on": "2022-02-01", "facts": {"naam": HOSTILE}}))
    return [str(INVALID / "cli" / "files" / "naam.yaml"), str(case)]


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_no_control_character_of_a_case_reaches_a_report(naam, fmt):
    result = CliRunner().invoke(main, ["explain", *naam, "--format", fmt])
    assert result.exit_code == 0
    for char in "\x1b\x07\r\u202e\x9b":
        assert char not in result.output
    assert "Eligible: no" not in result.output.replace("\\n  Eligible: no", "")  # no forged line


def test_markdown_escapes_what_would_format(naam):
    result = CliRunner().invoke(main, ["explain", *naam, "--format", "markdown"])
    assert r"\| \*\*vet\*\* \<b\>" in result.output
    assert "- ``naam = Sofie\\x1b[2J" in result.output or "- `naam = Sofie\\x1b[2J" in result.output


def test_html_escapes_markup_and_control_characters(naam):
    page = CliRunner().invoke(main, ["explain", *naam, "--format", "html"]).output
    assert "&lt;b&gt;" in page and "<b>vet" not in page and "\\x1b[2J" in page


def test_json_keeps_the_text_exact_and_escaped(naam):
    data = json.loads(CliRunner().invoke(main, ["explain", *naam, "--format", "json"]).output)
    assert data["values"]["getoonde_naam"] == HOSTILE


def test_a_case_name_with_control_characters_is_escaped_in_test_output(measures):
    path = measures / "cases" / "proef" / "geldig.yaml"
    path.write_text(path.read_text().replace("name: geldig", 'name: "ge\\eldig"').replace("amount: 300", "amount: 301"))
    result = CliRunner().invoke(main, ["test"])
    assert result.exit_code == 1 and "\x1b" not in result.output and "case 'ge\\x1bldig' failed" in result.output


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_a_measure_text_with_control_characters_is_escaped_too(tmp_path, fmt):
    text = (INVALID / "proef.yaml").read_text()
    text = text.replace("en: Is an SME}", 'en: "Is an \\e[2J SME"}').replace("en: Trial measure}", 'en: "Trial\\e]0;x\\a"}')
    (tmp_path / "proef.yaml").write_text(text)
    result = CliRunner().invoke(main, ["explain", str(tmp_path / "proef.yaml"), str(INVALID / "valid-case.yaml"),
                                       "--on", "2022-02-01", "--format", fmt])
    assert result.exit_code == 0
    assert "\x1b" not in result.output and "\x07" not in result.output
    if fmt == "markdown":  # the escapes' backslashes and brackets are escaped in turn, so Markdown shows them
        assert "Is an \\\\x1b\\[2J SME" in result.output and "Trial\\\\x1b\\]0;x\\\\x07" in result.output
    else:
        assert "Is an \\x1b[2J SME" in result.output and "Trial\\x1b]0;x\\x07" in result.output
