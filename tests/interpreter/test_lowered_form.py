"""The lowered form (engine/ir.py): every bundled measure and compliance expression lowers to typed nodes,
`unknown` is honest (a node marked never-Unknown never evaluates to Unknown), and the traced back-end
reads the lowered form only."""
from __future__ import annotations

import ast as python_ast
import datetime
from pathlib import Path

import pytest

from rulerun.dsl.errors import MeasureError, RulerunError
from rulerun.dsl.yamlsource import parse_yaml, read_text
from rulerun.interpreter.engine import ir
from rulerun.interpreter.engine.compile import Compiler
from rulerun.interpreter.engine.evaluator import load
from rulerun.interpreter.engine.expression import lower_text
from rulerun.interpreter.engine.interpret import decide
from rulerun.interpreter.engine.plan import build_plan
from rulerun.interpreter.engine.program import compile_measure
from rulerun.interpreter.engine.runtime import Env, Program
from rulerun.interpreter.engine.values import Unknown
from rulerun.interpreter.formats.cases import read_case
from rulerun.interpreter.formats.facts import read_facts
from rulerun.interpreter.tools.testing import cases_for

ROOT = Path(__file__).resolve().parents[2]
MEASURES = sorted((ROOT / "measures").glob("*.yaml")) + [ROOT / "tests/benchmarks/kmo-eenvoudig.yaml"]
COMPILED = {path.stem: load(path) for path in MEASURES}
SUITE = parse_yaml(read_text(ROOT / "tests/compliance/expressions.yaml"), "expressions.yaml", False).data
NODE_TYPES = (ir.Literal, ir.FactRead, ir.RuleRef, ir.ParameterRead, ir.LoopVar, ir.Constant, ir.FieldAccess,
              ir.Apply, ir.And, ir.Or, ir.Not, ir.If, ir.ListOf, ir.Aggregate, ir.Given, ir.AllOf, ir.Table)


def _check_nodes(nodes) -> None:
    """What holds of every lowered node, whatever the measure."""
    for node in nodes:
        assert isinstance(node, NODE_TYPES), node
        assert isinstance(node.tag, str) and node.tag and node.tag != "error", node
        if isinstance(node, ir.Table):
            continue
        if isinstance(node, (ir.Literal, ir.Given)) or isinstance(node, ir.Constant) and node.name == "evaluation_date":
            assert node.unknown is False, node
        if isinstance(node, ir.FactRead):
            assert node.unknown is True, node  # any fact may be left out of a case
        if not isinstance(node, (ir.Given, ir.Aggregate)) and any(c.unknown for c in ir.children(node)):
            assert node.unknown, node  # Unknown below reaches it
        if node.source is not None:
            assert node.source.span is not None, node


@pytest.mark.parametrize("path", MEASURES, ids=lambda p: p.stem)
def test_every_bundled_measure_lowers_to_typed_nodes(path):
    lowered = COMPILED[path.stem].lowered
    nodes = ir.measure_nodes(lowered)
    _check_nodes(nodes)
    assert any(isinstance(n, ir.Literal) for n in nodes) and any(isinstance(n, ir.FactRead) for n in nodes)
    assert [rule.slot for rule in lowered.rules] == list(range(len(lowered.rules)))
    assert all(lowered.rules[lowered.slots[r.name]] is r for r in lowered.rules)
    for node in nodes:
        if isinstance(node, ir.RuleRef):
            assert lowered.rules[node.slot].name == node.name
            assert node.unknown == lowered.rules[node.slot].unknown  # rules are lowered after those they read


def test_every_compliance_expression_that_checks_lowers():
    lowered = 0
    for case in SUITE["cases"]:
        try:
            node, result, _facts = lower_text(case["expr"], SUITE["declarations"])
        except MeasureError:
            assert "error" in case  # only a case that expects an error may fail to check
            continue
        lowered += 1
        assert node.tag == result.tag
        _check_nodes(ir.walk(node))
    assert lowered >= 60


def test_literals_are_known_and_fact_reads_unknown():
    node, _, _ = lower_text("bedrag + € 5 > € 10 and 1 < 2", SUITE["declarations"])
    assert isinstance(node, ir.And) and node.unknown
    assert isinstance(node.right, ir.Apply) and node.right.unknown is False  # `1 < 2` can never be unknown
    comparison = node.left
    assert isinstance(comparison, ir.Apply) and comparison.operation.kind == "comparison"
    addition = comparison.operands[0]
    assert isinstance(addition, ir.Apply) and addition.operation.key == "add" and addition.tag == "money"
    fact, five = addition.operands
    assert isinstance(fact, ir.FactRead) and fact.unknown and fact.path == "bedrag" and fact.low == 0
    assert isinstance(five, ir.Literal) and five.unknown is False and five.tag == "money"


def test_an_optional_field_of_a_list_item_may_be_unknown_and_given_never_is():
    declarations = {**SUITE["declarations"], "leden": {
        "type": "list", "label": {"nl": "Leden", "en": "Members"}, "question": {"nl": "Wie?", "en": "Who?"},
        "fields": {"naam": {"type": "text", "label": {"nl": "Naam", "en": "Name"}},
                   "sinds": {"type": "date", "optional": True, "label": {"nl": "Sinds", "en": "Since"}}}}}
    node, _, _ = lower_text("count(each l in leden where given(l.sinds))", declarations)
    assert isinstance(node, ir.Aggregate) and node.origin == ir.ListOrigin("leden", None, "")
    given = node.where
    assert isinstance(given, ir.Given) and given.unknown is False
    assert isinstance(given.read, ir.LoopVar) and given.read.unknown and given.read.fields == ("sinds",)
    inner, _, _ = lower_text("sum(1 for each x in [1, 2, 3])", declarations)
    assert isinstance(inner, ir.Aggregate) and inner.unknown is False  # a list written out: never unknown
    assert isinstance(inner.body, ir.Literal)


class _Checking(Compiler):
    """Closures that fail when a node lowered as never Unknown evaluates to Unknown."""

    def compile(self, node):
        step = super().compile(node)
        if node.unknown:
            return step

        def checked(env):
            value = step(env)
            assert type(value) is not Unknown, (node, value)
            return value
        return checked


def _cases():
    for path in MEASURES:
        for case_path in cases_for(path):
            case = read_case(case_path)
            compiled = COMPILED[path.stem]
            yield path.stem, compiled.read_facts(case.facts, case.document, ("facts",)), case.on


def test_a_node_lowered_as_never_unknown_is_never_unknown_in_any_bundled_case_or_with_facts_left_out():
    checking = {}
    for stem, compiled in COMPILED.items():
        program = compile_measure(compiled.lowered, _Checking())
        checking[stem] = (build_plan(compiled.lowered, program, _Checking()), program)
    decided = 0
    for stem, facts, on in _cases():
        plan, program = checking[stem]
        names = sorted(facts)
        # The case itself, then with every other fact left out, then with none: Unknown everywhere it may be.
        for kept in (facts, {k: facts[k] for k in names[::2]}, {}):
            for trace in (False, True):
                try:
                    decide(plan, program, kept, on, trace)
                except RulerunError:
                    pass  # a language error to report: as in the traced back-end unchecked
                decided += 1
    assert decided > 100


def test_every_compliance_expression_evaluates_as_its_known_flags_say():
    evaluated = 0
    for case in SUITE["cases"]:
        try:
            node, _, declared = lower_text(case["expr"], SUITE["declarations"])
        except MeasureError:
            continue
        step = _Checking().compile(node)
        for given in (case.get("facts") or {}, {}):  # as the case gives them, and with every fact left out
            try:
                step(Env(Program(), read_facts(declared, given), datetime.date(2024, 1, 1)))
            except RulerunError:
                pass  # the error the case expects
            evaluated += 1
    assert evaluated >= 120


def _imported(name: str) -> set[str]:
    """The modules and names engine module `name` imports."""
    tree = python_ast.parse((ROOT / "interpreter/engine" / f"{name}.py").read_text(encoding="utf-8"))
    modules = {alias.name for node in python_ast.walk(tree) if isinstance(node, python_ast.Import)
               for alias in node.names}
    return modules | {alias.name for node in python_ast.walk(tree) if isinstance(node, python_ast.ImportFrom)
                      for alias in node.names} | {node.module for node in python_ast.walk(tree)
                                                  if isinstance(node, python_ast.ImportFrom) and node.module}


#: What a back-end does not read: the checker's side tables, the checked measure, lowering itself.
_CHECKER = {"Typing", "CheckedMeasure", "rulerun.dsl.checker", "rulerun.dsl.analysis", "bind", "lower"}


def test_the_traced_back_end_reads_the_lowered_form_not_the_checker():
    """No module that builds or runs the closures imports the checker's side tables."""
    for name in ("compile", "aggregates", "program", "plan", "interpret", "runtime", "steps", "ir"):
        assert not _imported(name) & _CHECKER, name


def test_the_generated_back_end_reads_the_lowered_form_not_the_checker_nor_the_ast():
    """The code writer and the generated back-end import neither the checker's side tables nor the AST."""
    for name in ("codegen", "generated"):
        imported = _imported(name)
        assert "ir" in imported or "LoweredMeasure" in imported, name  # what it reads instead
        assert not imported & (_CHECKER | {"ast", "rulerun.dsl.ast"}), name


def test_the_sql_back_end_reads_the_lowered_form_not_the_checker_nor_the_ast():
    """The SQL back-end (engine/sql/) imports neither the checker's side tables, lowering, nor the AST."""
    for name in ("sql/expressions", "sql/query", "sql/gaps"):
        imported = _imported(name)
        assert not imported & (_CHECKER | {"ast", "rulerun.dsl.ast"}), name
    for name in ("sql/expressions", "sql/query"):
        assert "ir" in _imported(name), name  # what it reads instead


def test_the_back_ends_dispatch_on_the_node_type_without_name_reflection():
    for name in ("compile", "lower", "codegen", "sql/expressions", "sql/query"):
        assert "getattr(" not in (ROOT / f"interpreter/engine/{name}.py").read_text(encoding="utf-8"), name


def test_a_lowered_node_is_immutable_compared_by_value_and_pickles():
    import pickle

    from rulerun.dsl import ast as dsl_ast
    source = dsl_ast.Literal("number", 1, None)  # type: ignore[arg-type]
    one = ir.Literal("number", False, source, 1)
    assert one == ir.Literal(tag="number", unknown=False, source=source, value=1)
    assert one != ir.Literal("number", False, source, 2) and hash(one) == hash(pickle.loads(pickle.dumps(one)))
    assert pickle.loads(pickle.dumps(one)).value == 1 and "value=1" in repr(one)
    with pytest.raises(AttributeError):
        one.value = 2  # type: ignore[misc]
    with pytest.raises(TypeError, match="missing argument"):
        ir.Literal("number", False, source)  # type: ignore[call-arg]
    assert not hasattr(one, "__dict__")
