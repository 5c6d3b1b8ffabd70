"""The first schema pass judges every document as jsonschema does, or leaves it to jsonschema."""
from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings, strategies as st

from rulerun.dsl import schema, schemapass
from rulerun.dsl.yamlsource import YamlProblem, parse_yaml

ROOT = Path(__file__).resolve().parent.parent.parent
VALIDATOR = jsonschema.Draft202012Validator(schema.measure_schema())


def documents() -> list[tuple[str, object]]:
    """Every YAML mapping of the repository that has a key a measure or definitions file starts with."""
    found = []
    for path in sorted([*ROOT.glob("measures/**/*.yaml"), *ROOT.glob("tests/**/*.yaml")]):
        try:
            data = parse_yaml(path.read_text(encoding="utf-8"), path.name, dates_as_text=True).data
        except (YamlProblem, UnicodeDecodeError):
            continue
        if isinstance(data, dict) and ("measure" in data or "definitions" in data):
            found.append((str(path.relative_to(ROOT)), data))
    return found


DOCUMENTS = documents()


def judged_alike(data: object) -> bool | None:
    """What the pass says (None when it leaves it to jsonschema), after checking it says what jsonschema says."""
    try:
        meets = schemapass.meets(data, schema.measure_schema())
    except schemapass.Unsure:
        return None
    assert meets == VALIDATOR.is_valid(data)
    return meets


def test_there_are_valid_and_invalid_documents_to_compare():
    verdicts = [VALIDATOR.is_valid(data) for _, data in DOCUMENTS]
    assert verdicts.count(True) >= 10 and verdicts.count(False) >= 10


@pytest.mark.parametrize("name, data", DOCUMENTS, ids=[name for name, _ in DOCUMENTS])
def test_every_document_of_the_repository_is_judged_as_jsonschema_judges_it(name, data):
    judged_alike(data)


def test_every_bundled_measure_is_decided_without_jsonschema():
    bundled = [data for name, data in DOCUMENTS if name.startswith("measures/")]
    assert bundled and all(judged_alike(data) is True for data in bundled)


VALUES = st.recursive(st.none() | st.booleans() | st.integers(-3, 3) | st.floats(-2, 2) | st.sampled_from(
    ["", "x", "klein", "2024-01-01", "a b", "eur", "number", "money", "€ 5", "true"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["type", "value", "x", "id"]), inner,
                                                                 max_size=3), max_leaves=6)


def places(data: object, path: tuple = ()) -> list[tuple]:
    """Every path to a value inside `data`."""
    found = [path]
    if isinstance(data, dict):
        for key, value in data.items():
            found += places(value, path + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += places(value, path + (index,))
    return found


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([data for name, data in DOCUMENTS if name.startswith("measures/")]), st.data())
def test_a_changed_measure_is_judged_as_jsonschema_judges_it(data, draw):
    changed = copy.deepcopy(data)
    for _ in range(draw.draw(st.integers(1, 3))):
        path = draw.draw(st.sampled_from(places(changed)[1:]))
        holder = changed
        for step in path[:-1]:
            holder = holder[step]
        action = draw.draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            holder[path[-1]] = draw.draw(VALUES)
        elif action == "delete":
            del holder[path[-1]]
        elif isinstance(holder[path[-1]], dict):
            holder[path[-1]][draw.draw(st.sampled_from(["extra", "type", "value", "when", "id"]))] = draw.draw(VALUES)
        if not places(changed)[1:]:
            break
    judged_alike(changed)


def test_a_keyword_reference_or_value_the_pass_does_not_know_is_left_to_jsonschema():
    strange = [(1, {"const": 1}), (1, {"$ref": "#/$defs/absent"}), (1, {"$ref": "other.json"}),
               (Decimal(1), {"type": "number"}), ({1: "x"}, {"required": []})]
    for instance, part in strange:
        with pytest.raises(schemapass.Unsure):
            schemapass.meets(instance, {"$defs": {}, **part})
