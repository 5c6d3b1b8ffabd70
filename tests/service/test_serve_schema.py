"""Every decision the service gives for the bundled cases — /decide, /batch, /questions — follows the decision schema."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from decision_schema import validate_decision

from conftest import ROOT, case_body, plain
from rulerun.interpreter.formats.cases import read_case
from rulerun.interpreter.tools.testing import cases_for

BUNDLED = ["kmo-portefeuille", "innovatieve-starterssteun", "rentetoelage-hinder-openbare-werken"]


@pytest.mark.parametrize("measure", BUNDLED)
def test_service_decisions_of_every_case_follow_the_schema(client, measure):
    cases = [read_case(p) for p in cases_for(ROOT / "measures" / f"{measure}.yaml")]
    for number, case in enumerate(cases):
        answer = client.post(f"/measures/{measure}/decide", content=case_body(case))
        assert answer.status_code == 200, answer.text
        validate_decision(answer.text)
        assert "decision_id" in answer.json() and "input_hash" in answer.json()["receipt"]
        if number % 8 == 0:  # the intake is slow; its decision has the shape of /decide's without trace
            asked = client.post(f"/measures/{measure}/questions", content=case_body(case))
            assert asked.status_code == 200, asked.text
            validate_decision(json.dumps(asked.json()["decision"]))
    lines = [json.dumps({"id": Path(c.path).stem, "on": c.on.isoformat(), "facts": plain(c.facts)}) for c in cases]
    answer = client.post(f"/measures/{measure}/batch", content="\n".join(lines + ["[1]"]) + "\n")
    assert answer.status_code == 200
    records = answer.text.splitlines()
    assert len(records) == len(cases) + 1
    for text in records:
        validate_decision(text)
    decided = [json.loads(text) for text in records[:-1]]
    assert all(r["schema_version"] == "1" and "decision_id" in r and r["receipt"]["measure"] == measure
               for r in decided)
    assert "error" in json.loads(records[-1])
