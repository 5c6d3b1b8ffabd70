"""The benchmark measure written for OpenFisca, vectorised, end to end: JSON Lines in, `rulerun batch`'s records out.

Run by `run.py --end-to-end --openfisca PYTHON`, where PYTHON has `openfisca-core` installed (it is no
dependency of rulerun): `python openfisca_kmo.py RECEIPT_JSON SOURCE TARGET`. It reads and checks each
record as the hand-written floor does (`run.facts_by_hand`), decides all cases at once with OpenFisca
formulas on NumPy arrays, and writes the same records, byte for byte, as `rulerun batch`. Amounts are whole
cents in 64-bit integers and rates whole percents, so that the arithmetic is exact (OpenFisca's own
`float` variables are 32-bit floats, which would not give the same cents).
"""
from __future__ import annotations

import datetime
import json
import sys
from decimal import Decimal
from pathlib import Path

import numpy
from openfisca_core.entities import build_entity
from openfisca_core.indexed_enums import Enum
from openfisca_core.parameters import ParameterNode
from openfisca_core.periods import DateUnit
from openfisca_core.simulations import SimulationBuilder
from openfisca_core.taxbenefitsystems import TaxBenefitSystem
from openfisca_core.variables import Variable

sys.path.insert(0, str(Path(__file__).parent))
from run import date_by_hand, facts_by_hand  # noqa: E402 - the floor's own checks, so both check alike

#: The period every variable is computed for: the decision is read per case from its own dates, not the period.
PERIOD = "2024"
Enterprise = build_entity("onderneming", "ondernemingen", "An enterprise applying", is_person=True)
#: The dates from which each version of the rate and the ceiling applies, as in kmo-eenvoudig.yaml.
RATE_SINCE = ("2016-04-01", "2019-12-01")
CAP_SINCE = ("2016-04-01", "2020-01-01")
PARAMETERS = {
    "tarief": {size: {"values": {since: value for since, value in zip(RATE_SINCE, values)}}
               for size, values in (("klein", (40, 30)), ("middelgroot", (30, 20)), ("groot", (0, 0)))},
    "plafond": {size: {"values": {since: value for since, value in zip(CAP_SINCE, values)}}
                for size, values in (("klein", (1_000_000, 750_000)), ("middelgroot", (1_500_000, 750_000)),
                                     ("groot", (0, 0)))},
}


class Grootte(Enum):
    klein = "klein"
    middelgroot = "middelgroot"
    groot = "groot"


class Pijler(Enum):
    opleiding = "opleiding"
    advies = "advies"


def _input(name: str, kind, **more) -> type[Variable]:
    return type(name, (Variable,), {"value_type": kind, "entity": Enterprise, "label": name,
                                    "definition_period": DateUnit.YEAR, **more})


def _dated(parameters, since: tuple[str, ...], name: str, day, size):
    """The parameter's value for each case on its own date (OpenFisca's parameters are read per period)."""
    chosen = numpy.zeros(len(day), dtype=numpy.int64)
    for start in since:
        value = getattr(parameters(start), name)[size]
        chosen = numpy.where(day >= numpy.datetime64(start), value, chosen)
    return chosen


class kmo(Variable):
    value_type, entity, label, definition_period = bool, Enterprise, "kmo", DateUnit.YEAR

    def formula(onderneming, period, parameters):
        return onderneming("grootte", period) != Grootte.groot


class minimum(Variable):
    value_type, entity, label, definition_period = bool, Enterprise, "minimum", DateUnit.YEAR

    def formula(onderneming, period, parameters):
        bedrag = onderneming("bedrag_centen", period)
        return numpy.where(onderneming("pijler", period) == Pijler.opleiding, bedrag >= 10_000, bedrag >= 50_000)


class tijdig(Variable):
    value_type, entity, label, definition_period = bool, Enterprise, "tijdig", DateUnit.YEAR

    def formula(onderneming, period, parameters):
        return onderneming("aanvraag", period) <= onderneming("start", period) + numpy.timedelta64(14, "D")


class subsidie_centen(Variable):
    value_type, entity, label, definition_period = int, Enterprise, "subsidie", DateUnit.YEAR

    def formula(onderneming, period, parameters):
        day, size = onderneming("aanvraag", period), onderneming("grootte", period)
        bedrag = onderneming("bedrag_centen", period).astype(numpy.int64)
        ontvangen = onderneming("ontvangen_centen", period).astype(numpy.int64)
        room = numpy.maximum(_dated(parameters, CAP_SINCE, "plafond", day, size) - ontvangen, 0)
        share = (bedrag * _dated(parameters, RATE_SINCE, "tarief", day, size) * 2 + 100) // 200  # half up
        return numpy.minimum(share, room)


def system() -> TaxBenefitSystem:
    """The benchmark measure as an OpenFisca tax and benefit system."""
    tbs = TaxBenefitSystem([Enterprise])
    tbs.parameters = ParameterNode("", data=PARAMETERS)
    for variable in (_input("grootte", Enum, possible_values=Grootte, default_value=Grootte.klein),
                     _input("pijler", Enum, possible_values=Pijler, default_value=Pijler.advies),
                     _input("bedrag_centen", int), _input("ontvangen_centen", int),
                     _input("start", datetime.date), _input("aanvraag", datetime.date),
                     kmo, minimum, tijdig, subsidie_centen):
        tbs.add_variable(variable)
    return tbs


def batch(source: str, target: str, fixed: dict) -> None:
    """Read and check every record, decide them all in one simulation, write the records."""
    decode = json.JSONDecoder(parse_float=Decimal).decode
    encode = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode
    records, facts = [], []
    with open(source, "rb") as lines:
        for number, line in enumerate(lines, 1):
            record = decode(line.decode("utf-8"))
            if not isinstance(record, dict) or not record.keys() <= {"id", "on", "facts"}:
                raise ValueError(f"line {number}: not a record")
            records.append((str(record["id"]), date_by_hand(record["on"]).isoformat(), record["facts"]["aanvraag"]))
            facts.append(facts_by_hand(record["facts"]))
    simulation = SimulationBuilder().build_default_simulation(system(), count=len(facts))
    columns = {
        "grootte": numpy.array([f["grootte"] for f in facts]), "pijler": numpy.array([f["pijler"] for f in facts]),
        "bedrag_centen": numpy.array([int(f["bedrag"] * 100) for f in facts], dtype=numpy.int64),
        "ontvangen_centen": numpy.array([int(f["ontvangen"] * 100) for f in facts], dtype=numpy.int64),
        "start": numpy.array([f["start"] for f in facts], dtype="datetime64[D]"),
        "aanvraag": numpy.array([f["aanvraag"] for f in facts], dtype="datetime64[D]")}
    for name, values in columns.items():
        simulation.set_input(name, PERIOD, values)
    conditions = [(name, simulation.calculate(name, PERIOD)) for name in ("kmo", "minimum", "tijdig")]
    cents = simulation.calculate("subsidie_centen", PERIOD).tolist()
    held = [[name for name, values in conditions if not values[i]] for i in range(len(facts))]
    with open(target, "w", encoding="utf-8") as out:
        for number, ((ident, on, reference), failed, amount) in enumerate(zip(records, held, cents), 1):
            out.write(encode({"amount": None if failed else f"{amount // 100}.{amount % 100:02d}", "deadlines": {},
                              "eligible": "no" if failed else "yes", "evaluated_on": on, "failed": failed,
                              "id": ident, "line": number, "missing": [],
                              "receipt": {**fixed, "evaluated_on": on, "reference_date": reference},
                              "reference_date": reference, "schema_version": "1", "values": {}}) + "\n")


if __name__ == "__main__":
    batch(sys.argv[2], sys.argv[3], json.loads(sys.argv[1]))
