"""Batch output records as JSON Lines text, written straight from each case's decision or error.

Each line is the text `json.dumps(record, ensure_ascii=False, sort_keys=True)` gives for the
record `tools.batch.decide_items` builds (a test compares the two), without building that record:
the keys are written in their sorted order and the receipt's fixed part is encoded once per run.
"""
from __future__ import annotations

import datetime
from json import JSONEncoder
from json.encoder import encode_basestring
from typing import Sequence

from rulerun.dsl.measure import Measure

from ..engine.assembly import Verdict, known
from ..engine.plan import DecisionPlan
from ..engine.trace import Decision
from ..engine.values import to_json
from .receipt import SCHEMA_VERSION, Receipts

_ENCODE = JSONEncoder(ensure_ascii=False, sort_keys=True).encode
# Stand-ins for the receipt's two dates, to cut its text where they go: no key or path can hold a NUL.
_ON, _REFERENCE = "\x00evaluated_on", "\x00reference_date"


def _strings(items) -> str:
    return "[" + ", ".join(map(encode_basestring, items)) + "]" if items else "[]"


def _value(value) -> str:
    return encode_basestring(value) if type(value) is str else _ENCODE(value)


def _ident(ident: str | None) -> str:
    return "null" if ident is None else encode_basestring(ident)


class RecordLines:
    """The output lines of one run: a decided case's record, or an error record."""

    def __init__(self, measure: Measure):
        receipt = _ENCODE({**Receipts(measure).fixed, "evaluated_on": _ON, "reference_date": _REFERENCE})
        head, rest = receipt.split(encode_basestring(_ON))
        middle, tail = rest.split(encode_basestring(_REFERENCE))
        self.receipt = (head, middle, tail)
        self.schema = encode_basestring(SCHEMA_VERSION)

    def decided(self, ident: str | None, line: int, decision: Decision) -> str:
        """The line of a decided case."""
        return self._line(ident, line, decision.evaluated_on, decision.reference_date, decision.eligible,
                          decision.amount, decision.amount_missing, decision.failed, decision.missing,
                          decision.deadlines, decision.outcome)

    def verdict(self, ident: str | None, line: int, on: datetime.date, reference: object, verdict: Verdict,
                deadlines: Sequence, values: Sequence, plan: DecisionPlan) -> str:
        """The line of a case the row function decided, from its verdict (`assembly.verdict`), without a Decision.

        `deadlines` and `values` follow the plan's order, as the columns keep them; the same line as `decided`
        writes for the Decision of that case.
        """
        word, amount, failed, missing, amount_missing, _note = verdict
        day = reference if type(reference) is datetime.date else None
        dated = ({p.id: known(v) for p, v in zip(plan.deadlines, deadlines)} if deadlines
                 else {p.id: None for p in plan.deadlines})
        outcome = ({p.id: (known(v), p.tag) for p, v in zip(plan.values, values)} if values
                   else {p.id: (None, p.tag) for p in plan.values})
        return self._line(ident, line, on, day, word, amount, amount_missing, failed, missing, dated, outcome)

    def _line(self, ident: str | None, line: int, evaluated_on: datetime.date, day: datetime.date | None,
              eligible: str, amount_value, amount_missing, failed, missing, dated: dict, outcome: dict) -> str:
        on = f'"{evaluated_on.isoformat()}"'
        reference = "null" if day is None else f'"{day.isoformat()}"'
        amount = "null" if amount_value is None else _value(to_json(amount_value, "money"))
        unknown = f'"amount_missing": {_strings(amount_missing)}, ' if amount_missing else ""
        deadlines = ("{" + ", ".join(f'{encode_basestring(k)}: ' + (f'"{v.isoformat()}"' if v else "null")
                                     for k, v in sorted(dated.items())) + "}"
                     if dated else "{}")
        values = (_ENCODE({k: to_json(v, tag) for k, (v, tag) in outcome.items()})
                  if outcome else "{}")
        head, middle, tail = self.receipt
        return (f'{{"amount": {amount}, {unknown}"deadlines": {deadlines}, '
                f'"eligible": {encode_basestring(eligible)}, "evaluated_on": {on}, '
                f'"failed": {_strings(failed)}, "id": {_ident(ident)}, "line": {line}, '
                f'"missing": {_strings(missing)}, "receipt": {head}{on}{middle}{reference}{tail}, '
                f'"reference_date": {reference}, "schema_version": {self.schema}, "values": {values}}}\n')

    @staticmethod
    def error(ident: str | None, line: int, message: str) -> str:
        """The line of a case that could not be decided."""
        return f'{{"error": {encode_basestring(message)}, "id": {_ident(ident)}, "line": {line}}}\n'
