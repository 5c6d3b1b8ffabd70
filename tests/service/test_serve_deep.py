"""A measure whose trace is as deep as a long chain of rules is decided over HTTP, not answered with a 500."""
from fastapi.testclient import TestClient

from rulerun.interpreter.service.app import create_app
from rulerun.interpreter.service.settings import Settings

RULES = 3_000  # deeper than Python's recursion limit, so writing the trace recursively would fail


def _chain(rules: int) -> str:
    """keten.yaml: r0 = start, r(i) = r(i-1) + 1, the last one reported."""
    head = ("measure: keten\ntitle: {nl: Keten, en: Chain}\nsummary: {nl: Een keten., en: A chain.}\n"
            "authority: VLAIO\nsources:\n  W01: {title: Voorwaarden, url: \"https://www.vlaio.be/nl/voorbeeld\"}\n"
            "facts:\n  start:\n    type: number\n    label: {nl: Start, en: Start}\n"
            "    question: {nl: \"Waarmee begint de keten?\", en: \"Where does the chain start?\"}\nrules:\n")
    body = "".join(f"  r{i}:\n    label: {{nl: Stap, en: Step}}\n    source: W01\n    expr: "
                   f"{'start' if i == 0 else f'r{i - 1} + 1'}\n" for i in reversed(range(rules)))
    last = f"r{rules - 1}"
    return head + body + f"decision:\n  eligible: {last} > 0\n  values:\n    laatste: {last}\n"


def test_a_trace_deeper_than_the_recursion_limit_is_written(tmp_path):
    (tmp_path / "keten.yaml").write_text(_chain(RULES), encoding="utf-8")
    with TestClient(create_app(Settings(measures=str(tmp_path)))) as client:
        answer = client.post("/measures/keten/decide?on=2024-01-01", json={"facts": {"start": 1}})
        flat = client.post("/measures/keten/decide?on=2024-01-01&trace=false", json={"facts": {"start": 1}})
    assert answer.status_code == 200, answer.text[:500]
    assert answer.headers["content-type"] == "application/json"
    text = answer.text
    assert '"laatste": "3000"' in text and '"eligible": "yes"' in text
    assert text.count('"children"') >= RULES  # the whole chain is there, one node inside the other
    assert flat.status_code == 200 and flat.json()["values"] == {"laatste": "3000"}
