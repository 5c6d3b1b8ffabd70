"""`rulerun diff` names the measure's changes first, then puts every changed decision in a category of its causes."""
from __future__ import annotations

import datetime
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from rulerun.interpreter.cli import main
from rulerun.interpreter.engine.evaluator import load
from rulerun.interpreter.tools.causes import UNEXPLAINED, categorise
from rulerun.interpreter.tools.changes import compare_measures

ROOT = Path(__file__).resolve().parents[2]
SMALL = (ROOT / "tests" / "interpreter" / "test_coverage.py").read_text().split('SMALL = """\\\n', 1)[1].split('"""', 1)[0]
KMO = (ROOT / "measures" / "kmo-portefeuille.yaml").read_text(encoding="utf-8")

# The edit of the bundled measure: the rate of small enterprises from 1 December 2019 goes from 30% to
# 35%, and an application on the last day is no longer in time.
RATE = ("      - from: 2019-12-01\n        values: {klein: 30%, middelgroot: 20%, groot: 0%}",
        "      - from: 2019-12-01\n        values: {klein: 35%, middelgroot: 20%, groot: 0%}")
IN_TIME = ("aanvraag.datum >= dienst.overeenkomst and aanvraag.datum <= laatste_aanvraagdag",
           "aanvraag.datum >= dienst.overeenkomst and aanvraag.datum < laatste_aanvraagdag")


def _edited(tmp_path: Path, text: str, *edits: tuple[str, str], name: str = "kmo-portefeuille") -> Path:
    for old, new in edits:
        assert old in text
        text = text.replace(old, new)
    folder = tmp_path / "new"
    folder.mkdir(exist_ok=True)
    if not (folder / "common").exists():
        shutil.copytree(ROOT / "measures" / "common", folder / "common")
    (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return folder / f"{name}.yaml"


@pytest.fixture
def kmo_diff(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    new = _edited(tmp_path, KMO, RATE, IN_TIME)
    return ["diff", "measures/kmo-portefeuille.yaml", str(new), "measures/cases/kmo-portefeuille"]


def test_the_changes_of_a_bundled_measure_come_first_and_explain_every_changed_decision(kmo_diff):
    result = CliRunner().invoke(main, [*kmo_diff, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["measure_changes"] == [
        {"id": "parameter tarief from 2019-12-01", "kind": "parameter", "change": "changed",
         "detail": "klein: 30% -> 35%"},
        {"id": "rule tijdig_aangevraagd", "kind": "rule", "change": "changed",
         "detail": f"`{IN_TIME[0]}` -> `{IN_TIME[1]}`"}]
    categories = {c["category"]: c for c in data["categories"]}
    assert set(categories) == {"amount changed because parameter tarief from 2019-12-01 changed",
                               "eligibility yes -> no because rule tijdig_aangevraagd changed"}
    # The case applying on the 14th day flips on the rule, not on the rate it no longer gets.
    assert categories["eligibility yes -> no because rule tijdig_aangevraagd changed"]["cases"] == ["aanvraag-dag-14"]
    amounts = categories["amount changed because parameter tarief from 2019-12-01 changed"]
    assert amounts["causes"] == ["parameter tarief from 2019-12-01"] and amounts["count"] == 23
    # No remainder: every changed decision is in exactly one category, and carries it.
    assert sorted(i for c in data["categories"] for i in c["cases"]) == sorted(c["id"] for c in data["changes"])
    for change in data["changes"]:
        assert change["id"] in categories[change["category"]]["cases"]
        if change["id"] in amounts["cases"]:
            assert change["eligible"] == ["yes", "yes"] and {"rule": "steunpercentage", "before": "30%",
                                                             "after": "35%"} in change["rules"]


def test_the_text_report_shows_the_causes_before_the_effects(kmo_diff, snapshot):
    result = CliRunner().invoke(main, [*kmo_diff, "--top", "3"])
    assert result.exit_code == 0, result.output
    text = result.output.replace(kmo_diff[2], "NEW")
    assert text.index("changes to the measure: 2") < text.index("changed decisions by cause: 24") < \
        text.index("over 87 case(s):")
    assert text == snapshot


@pytest.fixture
def small(tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    (tmp_path / "old" / "klein.yaml").write_text(SMALL)
    cases = tmp_path / "cases"
    cases.mkdir()
    for name, day, soort, kost in (("a-2019", "2019-05-01", "advies", 1000), ("b-2021", "2021-05-01", "advies", 1000),
                                   ("c-550", "2021-05-01", "advies", 550)):
        (cases / f"{name}.yaml").write_text(f"on: 2024-01-01\nfacts: {{datum: {day}, soort: {soort}, kost: {kost}}}\n")
    return tmp_path


def _diff(folder: Path, new_text: str) -> dict:
    (folder / "new" / "klein.yaml").write_text(new_text)
    result = CliRunner().invoke(main, ["diff", str(folder / "old" / "klein.yaml"), str(folder / "new" / "klein.yaml"),
                                       str(folder / "cases"), "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_a_narrower_window_is_the_cause_of_the_decisions_it_closes(small):
    data = _diff(small, SMALL.replace("window: {from: 2016-01-01}", "window: {from: 2020-01-01}"))
    assert data["measure_changes"] == [{"id": "window", "kind": "window", "change": "changed",
                                        "detail": "2016-01-01 – … -> 2020-01-01 – …"}]
    assert [(c["category"], c["cases"]) for c in data["categories"]] == [
        ("eligibility yes -> no because window changed", ["a-2019"])]


def test_a_version_added_from_a_date_changes_the_decisions_from_that_date(small):
    data = _diff(small, SMALL.replace("      - {from: 2020-01-01, value: 30%}",
                                      "      - {from: 2020-01-01, value: 30%}\n      - {from: 2021-01-01, value: 25%}"))
    assert data["measure_changes"] == [{"id": "parameter tarief from 2021-01-01", "kind": "parameter",
                                        "change": "added", "detail": "25%"}]
    assert [(c["category"], c["cases"]) for c in data["categories"]] == [
        ("amount changed because parameter tarief from 2021-01-01 added", ["b-2021", "c-550"])]


def test_every_kind_of_structural_change_is_listed(small):
    new = (SMALL.replace("{otherwise: kost >= minimum}", "{otherwise: kost > minimum}")
           .replace("  minimum:\n", "  hoog:\n    label: {nl: Hoog, en: High}\n    source: {ref: W02}\n    value: 2\n"
                                    "  minimum:\n")
           .replace("  kost: {type: money,", "  kost: {type: money, minimum: € 1,")
           .replace("  amount: kost * tarief", "  amount: kost * tarief\n  deadlines:\n    betalen: datum + 30 days\n"
                                                "  notes:\n    - {nl: Een voorschot., en: An advance.}")
           .replace("  genoeg:\n", "  altijd:\n    label: {nl: Altijd, en: Always}\n    source: {ref: W02}\n"
                                   "    expr: hoog > 1\n  genoeg:\n")
           .replace("  eligible: [genoeg]", "  eligible: [genoeg, altijd]"))
    old_path, new_path = small / "old" / "klein.yaml", small / "new" / "klein.yaml"
    new_path.write_text(new)
    changes = compare_measures(load(old_path), load(new_path))
    assert [(c.id, c.change, c.detail) for c in changes] == [
        ("parameter hoog", "added", "2"),
        ("table genoeg row 2", "changed", "`otherwise kost >= minimum` -> `otherwise kost > minimum`"),
        ("rule altijd", "added", "`hoog > 1`"),
        ("fact kost", "changed", "minimum None -> 1"),
        ("condition altijd", "added", "`altijd`"),
        ("deadline betalen", "added", "`datum + 30 days`"),
        ("note An advance.", "added", "`An advance.`")]
    # The reverse edit lists the same changes as removed.
    assert {c.id: c.change for c in compare_measures(load(new_path), load(old_path))} == {
        "parameter hoog": "removed", "table genoeg row 2": "changed", "rule altijd": "removed",
        "fact kost": "changed", "condition altijd": "removed", "deadline betalen": "removed",
        "note An advance.": "removed"}


def test_a_changed_decision_that_no_change_of_the_measure_explains_is_named_so(small):
    # When the measure's changes (here only a note, which decides nothing) appear in neither trace,
    # the decision is not put under any of them: its category says it is not explained.
    old = load(small / "old" / "klein.yaml")
    (small / "new" / "klein.yaml").write_text(SMALL + "  notes:\n    - {nl: Een voorschot., en: An advance.}\n")
    changes = compare_measures(old, load(small / "new" / "klein.yaml"))
    assert [c.id for c in changes] == ["note An advance."]
    day = datetime.date(2024, 1, 1)
    before = old.evaluate(old.read_facts({"datum": "2021-05-01", "soort": "advies", "kost": 1000}), day)
    after = old.evaluate(old.read_facts({"datum": "2021-05-01", "soort": "advies", "kost": 400}), day)
    [category] = categorise(changes, [("x", before, after)])
    assert category.name == f"eligibility yes -> no, {UNEXPLAINED}" and category.causes == [] and \
        category.cases == ["x"]


def test_the_report_in_the_docs_is_the_one_printed(tmp_path, monkeypatch):
    page = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    shown = page.split("## `rulerun diff", 1)[1].split("```\n", 1)[1].split("```", 1)[0]
    head = shown.split("    …\n", 1)[0]
    (tmp_path / "measures").symlink_to(ROOT / "measures")
    (tmp_path / "nieuw").mkdir()
    shutil.copytree(ROOT / "measures" / "common", tmp_path / "nieuw" / "common")
    (tmp_path / "nieuw" / "kmo-portefeuille.yaml").write_text(KMO.replace(*RATE).replace(*IN_TIME), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["diff", "measures/kmo-portefeuille.yaml", "nieuw/kmo-portefeuille.yaml",
                                       "measures/cases/kmo-portefeuille"])
    assert result.exit_code == 0 and result.output.startswith(head), result.output
