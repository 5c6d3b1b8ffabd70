"""The parser tables shipped with the package: those of the current grammar, used as they are, never stale."""
from __future__ import annotations

import io
import pickle

import pytest

from rulerun.dsl import cache, lalr
from rulerun.dsl.errors import MeasureError
from rulerun.dsl.source import standalone

EXPRESSIONS = ["1 + 2 * 3", "€ 1_500.50 * 40 %", 'sum(p.bedrag for each p in posten where p.soort in ["a"])',
               "if a.b[1] > 2024-01-01 then 14 days else 3 months", "not x and (y or z) at 2024-02-29"]
MISTAKES = ["1 +", "a < b < c", "1,5", "'tekst'", "a == b", "(1 + 2", "€ x", "2024-02-30", '"a\\q"']


def canonical(data: dict) -> tuple:
    """The LALR automaton of serialised tables with its states numbered in the order they are reached.

    Lark numbers states in an order that differs from run to run; the same tables give the same form."""
    table = data["parser"]["parser"]
    names, states = table["tokens"], table["states"]
    numbers: dict[int, int] = {}
    order = [table["start_states"][start] for start in sorted(table["start_states"])]
    for state in order:
        numbers.setdefault(state, len(numbers))
    rows = []
    for state in order:
        row = []
        for token, (kind, target) in sorted(states[state].items(), key=lambda item: names[item[0]]):
            if kind == 0:  # shift: to a state, numbered when first reached
                if target not in numbers:
                    numbers[target] = len(numbers)
                    order.append(target)
                row.append((names[token], "shift", numbers[target]))
            else:
                row.append((names[token], "reduce", repr(target)))
        rows.append(tuple(row))
    ends = {start: numbers[state] for start, state in table["end_states"].items()}
    rest = {key: value for key, value in data["parser"].items() if key != "parser"}
    others = {key: value for key, value in data.items() if key != "parser"}
    return tuple(rows), ends, len(states) == len(numbers), repr(rest), repr(others)


def contents(tables: bytes) -> tuple[bytes, tuple, dict]:
    """The stamp, the automaton and the shared objects (terminals, rules) of a tables file."""
    stamp, _, pickled = tables.partition(b"\n")
    saved = pickle.loads(pickled)
    return stamp, canonical(saved["data"]), saved["memo"]


def test_the_shipped_tables_are_those_the_installed_lark_builds_from_the_current_grammar():
    shipped, made = contents(lalr.TABLES.read_bytes()), contents(lalr.make_tables())
    regenerate = "grammar or Lark changed: run `python -c 'from rulerun.dsl.lalr import write_tables; write_tables()'`"
    assert shipped[0] == made[0], regenerate
    assert shipped[1] == made[1] and shipped[1][2], regenerate
    assert repr(shipped[2]) == repr(made[2]), regenerate


def test_the_canonical_form_tells_other_tables_apart():
    """The check above could fail: one changed rule of the grammar changes the automaton."""
    grammar = lalr.TABLES.with_name("grammar.lark").read_text(encoding="utf-8")
    changed = lalr.make_tables(grammar.replace('"*" | "/"', '"*"') if '"*" | "/"' in grammar
                                 else grammar.replace("%ignore WS", "%ignore WS\n%declare EXTRA"))
    assert contents(changed)[:2] != contents(lalr.make_tables())[:2]


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    """A parser made again for the test, with a cache folder of its own; built tables are counted."""
    monkeypatch.setenv("RULERUN_CACHE_DIR", str(tmp_path / "cache"))
    built = []
    original = lalr._build
    monkeypatch.setattr(lalr, "_build", lambda grammar: built.append(1) or original(grammar))
    lalr._lark.cache_clear()
    yield built
    lalr._lark.cache_clear()


def outcome(text: str):
    try:
        return repr(lalr.parse_lalr(text, standalone(text)))  # nodes hold their source, which each parse makes anew
    except MeasureError as error:
        return [str(d.message) + str(d.span) + str(d.hint) for d in error.diagnostics]


def test_a_run_uses_the_shipped_tables_and_builds_none(fresh, monkeypatch):
    monkeypatch.setattr(cache, "recall_parser", lambda *a: pytest.fail("the cache folder was asked for tables"))
    assert [outcome(t) for t in EXPRESSIONS] and fresh == []


@pytest.mark.parametrize("spoil", ["another lark", "unreadable", "absent"])
def test_tables_another_lark_made_or_that_do_not_load_are_built_and_parse_alike(fresh, monkeypatch, tmp_path, spoil):
    expected = [outcome(t) for t in EXPRESSIONS + MISTAKES]
    assert fresh == []
    stamp, _, tables = lalr.TABLES.read_bytes().partition(b"\n")
    spoilt = tmp_path / "grammar.tables"
    if spoil == "another lark":
        spoilt.write_bytes(stamp.replace(b"lark ", b"lark 0.") + b"\n" + tables)
    elif spoil == "unreadable":
        spoilt.write_bytes(stamp + b"\n" + tables[: len(tables) // 2])
    monkeypatch.setattr(lalr, "TABLES", spoilt)
    lalr._lark.cache_clear()
    assert [outcome(t) for t in EXPRESSIONS + MISTAKES] == expected
    assert fresh == [1]


def test_shipped_and_built_tables_give_the_same_trees_and_errors():
    grammar = lalr.TABLES.with_name("grammar.lark").read_text(encoding="utf-8")
    shipped = lalr.Lark.load(io.BytesIO(lalr.TABLES.read_bytes().partition(b"\n")[2]))
    built = lalr._build(grammar)
    for text in EXPRESSIONS:
        assert shipped.parse(text) == built.parse(text)
    for text in MISTAKES:
        errors = []
        for lark in (shipped, built):
            try:
                lark.parse(text)
                errors.append(None)
            except lalr.UnexpectedInput as error:
                errors.append((type(error).__name__, error.line, error.column, sorted(getattr(error, "expected", ()) or ()),
                                   repr(getattr(error, "token", None))))
        assert errors[0] == errors[1]
