"""Case files checked against their measure: unknown facts, wrong types, and `expect` the decision misses."""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path

from rulerun.dsl.errors import Diagnostic, RulerunError
from rulerun.dsl.yamlsource import YamlProblem, parse_yaml
from rulerun.interpreter.formats.cases import case_from_document
from rulerun.interpreter.formats.expectations import read_expected
from rulerun.interpreter.tools.testing import compare
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
    try:
        facts = compiled.read_facts(case.facts, document, ("facts",))
        result.decision = compiled.evaluate(facts, case.on or datetime.date.today())
        expect = read_expected(case.expect or {}, result.decision.outcome, document, (), str(path))
    except RulerunError as error:
        result.diagnostics += [d if d.span is not None else Diagnostic(d.message, document.span(("facts",)), d.hint,
                                                                       d.severity, str(path))
                               for d in error.diagnostics]
        return result
    except Exception:  # noqa: BLE001 - a bug met by one case must not hide what the other files show
        result.diagnostics.append(Diagnostic(INTERNAL, document.span(()), file=str(path)))
        return result
    for key, want, got in compare(result.decision, expect):
        span = document.span(("expect", *key.split(".")))
        result.diagnostics.append(Diagnostic(
            f"`expect.{key}` is {_shown(want)}, but the measure decides {_shown(got)}", span,
            "fix the case or the measure; `rulerun explain` on the measure and this case shows how it decides",
            file=str(path)))
    return result


def _shown(value) -> str:
    """An expected or decided value as a case file writes it."""
    if value is None:
        return "null"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_shown(v) for v in value) + "]"
    return str(value)  # dates as YYYY-MM-DD, amounts as written: never a Python repr
