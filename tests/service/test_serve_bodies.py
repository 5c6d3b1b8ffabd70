"""Case bodies: the bound on their values holds without counting the values of a short body."""
from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from rulerun.interpreter.service.bodies import MAX_VALUES, count_values, most_values

from test_serve_endpoints import KMO, problem

JSON = st.recursive(st.none() | st.booleans() | st.integers(-9, 9) | st.text(max_size=2),
                    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=2), inner, max_size=6),
                    max_leaves=60)


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_a_json_text_holds_at_most_half_its_length_in_values(value):
    text = json.dumps(value, separators=(",", ":"))  # the most compact text of the value
    assert count_values(json.loads(text)) <= most_values(len(text))


def test_the_densest_texts_reach_the_bound():
    for text in ("0", "[]", "[0]", "[0,0,0]", "[[[[]]]]", '{"":0}', "[[],[0]]"):
        assert count_values(json.loads(text)) <= most_values(len(text))
    assert count_values(json.loads("[0,0,0]")) == most_values(len("[0,0,0]"))


def test_one_value_too_many_is_refused_at_the_bound(client):
    items = MAX_VALUES - 2  # with the case and its facts: one value more than is accepted
    body = '{"facts":{"x":[' + ",".join("0" * items) + "]}}"
    found = problem(client.post(f"/measures/{KMO}/decide", content=body), 413)
    assert found["detail"] == f"the request body holds {MAX_VALUES + 1} values; at most {MAX_VALUES} are accepted"
    fewer = '{"facts":{"x":[' + ",".join("0" * (items - 1)) + "]}}"
    assert client.post(f"/measures/{KMO}/decide", content=fewer).status_code == 422  # read, then `x` is unknown
