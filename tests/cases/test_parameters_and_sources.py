"""Every number the bundled measures rely on is a parameter with a resolvable, cited source."""
from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from rulerun.dsl.loader import load_measure

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted((ROOT / "measures").glob("*.yaml")) + sorted((ROOT / "measures" / "common").glob("*.yaml"))


def parameters(path: Path):
    """(name, version date, key, value, citation, url) for every parameter value of a file."""
    measure = load_measure(path)
    for name, parameter in measure.parameters.items():
        for version in parameter.versions:
            citation = version.source or parameter.source
            url = measure.sources[citation.ref].url
            values = {None: version.value} if version.value is not None else version.values
            for key, node in values.items():
                negate = getattr(node, "op", None) == "neg"
                literal = node.operand if negate else node
                yield name, version.since, key, (-literal.value if negate else literal.value), str(citation), url


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_parameter_cites_a_public_source(path):
    rows = list(parameters(path))
    assert rows
    for name, since, key, value, citation, url in rows:
        assert url.startswith(("http://", "https://")), (name, citation)


def _money(*amounts):
    return {Decimal(a) for a in amounts}


def _pct(*percents):
    return {Decimal(p) / 100 for p in percents}


def _dates(*days):
    return {datetime.date.fromisoformat(d) for d in days}


EXPECTED = {
    "kmo-portefeuille": _pct(40, 30, 20, 45, 35, 50, 75, 25) | _money(10000, 15000, 7500, 2500, 5000, 25000, 100, 500, 25)
    | _dates("2016-04-01", "2019-12-01", "2020-01-01", "2021-09-14", "2023-01-01", "2026-02-01", "2009-01-01", "2010-01-01")
    | {14, 30},
    "innovatieve-starterssteun": _dates("2022-03-02", "2022-04-28") | _pct(50) | _money(5000, 70000) | {24, 4, 2, 1, 5},
    "rentetoelage-hinder-openbare-werken": _dates("2017-07-01", "2022-07-31", "2011-01-01") | _pct(80, 100, 8, 6)
    | _money(500000, 50000) | {1, 6, 12, 5},
    "kmo-definitie": _pct(25, 50) | {10, 50, 250} | _money(2000000, 10000000, 50000000, 43000000),
    "de-minimis": _money(100000, 200000, 300000) | _dates("2024-01-01", "2001-01-01", "2007-01-01", "2014-01-01"),
}


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_domain_numbers_are_encoded(path):
    found = {row[3] for row in parameters(path)}
    found |= {versioned for _, versioned, *_ in parameters(path) if versioned}
    missing = {v for v in EXPECTED[path.stem] if v not in found}
    assert not missing, f"{path.stem} lacks {sorted(map(str, missing))}"
