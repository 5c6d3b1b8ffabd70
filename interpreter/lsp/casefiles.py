"""Case files checked against their measure: unknown facts, wrong types, and `expect` the decision misses."""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path

from rulerun.dsl.errors import Diagnostic, RulerunError
from rulerun.dsl.yamlsource import YamlProblem, parse_yaml
from rulerun.interpreter.formats.cases import case_from_document
from rulerun.interpreter.formats.expected_names import checked_expect, entry_span, expect_names
from rulerun.interpreter.tools.testing import compare, shown
from rulerun.interpreter.engine.trace import Decision

from .workspace import Analysis


INTERNAL = ("internal error: this is a bug in rulerun, not in your files, met while running this case; "
            "please report it with the case and its measure")


@dataclass
class CaseResult:
    """What checking and running one case found."""

    path: Path
    diagnostics: list[Diagnostic] = field(default_factory=list)
    decision: Decision | None = None

    @property
    def passed(self) -> bool:
        """Whether the case ran and the decision is what it expects."""
        return self.decision is not None and not any(d.severity == "error" for d in self.diagnostics)


def check_case(path: Path, text: str, analysis: Analysis) -> CaseResult:
    """Read a case from the editor's text, run it on its measure, and compare with its `expect`."""
    result = CaseResult(path)
    try:
        document = parse_yaml(text, str(path), dates_as_text=False)
        case = case_from_document(document)
    except YamlProblem as problem:
        result.diagnostics.append(problem.diagnostic)
        return result
    except RulerunError as error:
        result.diagnostics += error.diagnostics
        return result
    compiled = analysis.compiled()
    if compiled is None:
        result.diagnostics.append(Diagnostic(
            f"the case cannot be checked: its measure {analysis.root.name} has errors",
            document.span(()), "fix the measure's errors first", severity="information", file=str(path)))
        return result
    problems: list[Diagnostic] = []
    expect: dict = {}
    try:  # as `rulerun test` does: `expect` against the measure first, then the facts
        expect = checked_expect(case.expect or {}, expect_names(compiled), document, (), str(path))
    except RulerunError as error:
        problems += error.diagnostics
    try:
        facts = compiled.read_facts(case.facts, document, ("facts",))
        if not problems:
            result.decision = compiled.evaluate(facts, case.on or datetime.date.today())
    except RulerunError as error:
        problems += error.diagnostics
    except Exception:  # noqa: BLE001 - a bug met by one case must not hide what the other files show
        result.diagnostics.append(Diagnostic(INTERNAL, document.span(()), file=str(path)))
        return result
    if problems:
        result.diagnostics += [d if d.span is not None else Diagnostic(d.message, document.span(("facts",)), d.hint,
                                                                       d.severity, str(path))
                               for d in problems]
        return result
    assert result.decision is not None
    for difference in compare(result.decision, expect):
        result.diagnostics.append(Diagnostic(
            f"`expect.{difference.key}` is {shown(difference.expected, difference.tag)}, "
            f"but the measure decides {shown(difference.actual, difference.tag)}",
            entry_span(document, (), difference.key, at_key=False),
            "fix the case or the measure; `rulerun explain` on the measure and this case shows how it decides",
            file=str(path)))
    return result
