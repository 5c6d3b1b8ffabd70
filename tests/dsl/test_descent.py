"""The quick parser builds exactly Lark's tree, spans included, for every expression it reads; Lark reads the rest."""
from __future__ import annotations

import hashlib
import random
from pathlib import Path

import yaml

from rulerun.dsl import descent, lalr, parser
from rulerun.dsl.errors import MeasureError
from rulerun.dsl.source import standalone

KEYWORDS = ["if", "then", "else", "or", "and", "not", "in", "at", "for", "each", "where", "true", "false"]
NAMES = ["a", "bedrag", "x_1", "_y", "ａb", "één", "EUR", "EURO", "days", "day_x", "year", "monthly", "ifx", "andy",
         "each", "in", "if", "true", "not", "at"]
NUMBERS = ["0", "1", "12.5", "1_000", "1_000.000_1", "007", "1__0", "1.", "9" * 101, "٣"]
TEXTS = ['""', '"a b"', '"C:\\\\new"', '"a\\"b"', '"\\q"', '"€ 5"', "'x'", '"open']
OTHER = ["2024-01-01", "2024-02-30", "2024-01-011", "2024-1-1", "€", "EUR", "%", "days", "week", "months", "years",
         "(", ")", "[", "]", ",", ".", "-", "+", "*", "/", "=", "==", "!=", "<=", ">", "<", "&", "|", "$", "\u00a0"]
SPACES = ["", " ", " ", " ", "  ", "\n", "\n  ", "\t", "\r\n"]


def expression(rng: random.Random, depth: int = 0) -> list[str]:
    """The tokens of a random expression of the grammar (names, literals and keywords drawn to collide)."""
    def sub() -> list[str]:
        return expression(rng, depth + 1)
    choice = rng.randrange(24 if depth < 4 else 6)
    if choice == 0:
        return [rng.choice(NAMES)]
    if choice == 1:
        return [rng.choice(NUMBERS)] + rng.choice([[], ["%"], ["days"], ["week"], ["months"], ["year"], ["dayz"]])
    if choice == 2:
        return [rng.choice(["€", "EUR"]), rng.choice(NUMBERS)]
    if choice == 3:
        return [rng.choice(TEXTS + ["2024-01-01", "2024-02-30", "2024-01-011"])]
    if choice == 4:
        return [rng.choice(["true", "false"])]
    if choice == 5:
        return [rng.choice(NAMES), ".", rng.choice(NAMES)]
    if choice in (6, 7, 8):
        return sub() + [rng.choice(["or", "and", "+", "-", "*", "/", "=", "!=", "<", "<=", ">", ">=", "in"])] + sub()
    if choice == 9:
        return sub() + ["not", "in"] + sub()
    if choice == 10:
        return ["not"] + sub()
    if choice == 11:
        return ["-"] + sub()
    if choice == 12:
        return ["if"] + sub() + ["then"] + sub() + ["else"] + sub()
    if choice == 13:
        return sub() + ["at"] + sub()
    if choice == 14:
        return sub() + [".", rng.choice(NAMES)]
    if choice == 15:
        return sub() + ["["] + sub() + ["]"]
    if choice == 16:
        arguments = [sub() for _ in range(rng.randrange(4))]
        return [rng.choice(NAMES), "("] + [t for i, a in enumerate(arguments) for t in ([","] if i else []) + a] + [")"]
    if choice == 17:
        body = rng.choice([[], sub() + ["for"]])
        where = rng.choice([[], ["where"] + sub()])
        default = rng.choice([[], ["else"] + sub()])
        head = [rng.choice(["sum", "count", "any"]), "("] + body + ["each", rng.choice(NAMES), "in"]
        return head + sub() + where + default + [")"]
    if choice == 18:
        items = [sub() for _ in range(rng.randrange(4))]
        return ["["] + [t for i, a in enumerate(items) for t in ([","] if i else []) + a] + rng.choice([[], [","]]) + ["]"]
    return ["("] + sub() + [")"]


def written(rng: random.Random) -> str:
    """A random expression's text, now and then spoilt by a token left out, doubled or put in."""
    tokens = expression(rng)
    if rng.random() < 0.3 and tokens:
        at = rng.randrange(len(tokens))
        tokens[at:at + 1] = rng.choice([[], [tokens[at]] * 2, [rng.choice(OTHER + KEYWORDS)],
                                        [tokens[at], rng.choice(OTHER)]])
    return "".join(token + rng.choice(SPACES) for token in tokens).strip(" ") or "x"


def by_lark(text: str) -> str:
    try:
        return repr(lalr.parse_lalr(text, standalone(text)))
    except MeasureError as error:
        return f"error {[(d.message, d.span) for d in error.diagnostics]}"


def quick(text: str) -> str | None:
    node = descent.parse(text, standalone(text))
    return None if node is None else repr(node)


def texts_of(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [t for value in node.values() for t in texts_of(value)]
    if isinstance(node, list):
        return [t for value in node for t in texts_of(value)]
    return []


def repository_texts(root: Path, folder: str) -> list[str]:
    found = set()
    for file in sorted((root / folder).rglob("*.yaml")):
        try:
            found.update(texts_of(yaml.load(file.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)))
        except (yaml.YAMLError, UnicodeDecodeError, RecursionError):
            continue  # the files that are broken or nested deeply on purpose
    return sorted(t for t in found if t.strip() and len(t) <= parser.MAX_LENGTH)


def test_random_expressions_read_quickly_are_read_as_lark_reads_them():
    rng = random.Random(20)
    read = 0
    for _ in range(4000):
        text = written(rng)
        tree = quick(text)
        if tree is not None:
            read += 1
            assert tree == by_lark(text), text
    assert read > 800  # many are read here: the comparison above is not vacuous


def test_every_text_of_the_repository_read_quickly_is_read_as_lark_reads_it(root):
    """Every scalar in the YAML files of measures/ and tests/, read as text: expressions, and prose that is none."""
    read = 0
    for text in repository_texts(root, "measures") + repository_texts(root, "tests"):
        tree = quick(text)
        if tree is not None:
            read += 1
            assert tree == by_lark(text), text
    assert read > 500


def test_every_expression_of_the_bundled_measures_is_read_without_lark(root, monkeypatch):
    """Loading the bundled measures needs Lark for none of their expressions."""
    from rulerun.dsl.loader import load_measure
    monkeypatch.setenv("RULERUN_CACHE_DIR", "")
    left = []
    original = lalr.parse_lalr
    monkeypatch.setattr(lalr, "parse_lalr", lambda text, placement: left.append(text) or original(text, placement))
    measures = sorted((root / "measures").glob("*.yaml"))
    for file in measures:
        load_measure(file)
    assert len(measures) >= 3 and left == []


def test_a_unit_is_read_only_where_no_name_may_stand():
    """The quick parser reads `year` or `days` as a name: Lark's lexer reads it so wherever a name may stand."""
    states = lalr._lark().parser.parser.parser.parse_table.states
    assert states and not [state for state, accepts in states.items() if {"DURATION_UNIT", "NAME"} <= set(accepts)]


def test_what_the_quick_parser_cannot_vouch_for_is_left_to_lark():
    for text in ["a < b < c", "1,5", "x.if", "a and if", "sum(each)", "2024-02-30", '"\\q"', "9" * 101 + " + 1",
                 "1 + (" * 40 + "1" + ")" * 40, "x.EUR", "if 1 thenx else 2", "a\u00a0b"]:
        assert quick(text) is None, text
    assert by_lark("if 1 thenx else 2") == repr(parser.parse("if 1 thenx else 2"))  # Lark reads `then x` here


def test_the_quick_parser_reads_the_current_grammar_and_leaves_another_to_lark(monkeypatch):
    grammar = Path(descent.__file__).with_name("grammar.lark").read_bytes()
    assert hashlib.sha256(grammar).hexdigest() == descent.GRAMMAR, (
        "grammar.lark changed: make dsl/descent.py read it as Lark does, then write its digest in descent.GRAMMAR")
    assert quick("1 + 2") is not None
    monkeypatch.setattr(descent, "GRAMMAR", "another")
    descent._grammar_read.cache_clear()
    try:
        assert quick("1 + 2") is None and repr(parser.parse("1 + 2")) == by_lark("1 + 2")
    finally:
        descent._grammar_read.cache_clear()
