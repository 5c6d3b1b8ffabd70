"""Benchmarks, run on demand (not by the test suite): python tests/benchmarks/run.py [--million].

Compares the simplified KMO-portefeuille decision as a YAML measure with the same decision
hand-written in Python with Decimal: one case with and without trace, a loop over many cases,
and the cold start of a fresh process. Prints medians and ratios.
"""
from __future__ import annotations

import datetime
import statistics
import subprocess
import sys
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

HERE = Path(__file__).parent
D = datetime.date
RATE = [(D(2016, 4, 1), {"klein": Decimal("0.4"), "middelgroot": Decimal("0.3"), "groot": Decimal(0)}),
        (D(2019, 12, 1), {"klein": Decimal("0.3"), "middelgroot": Decimal("0.2"), "groot": Decimal(0)})]
CAP = [(D(2016, 4, 1), {"klein": Decimal(10000), "middelgroot": Decimal(15000), "groot": Decimal(0)}),
       (D(2020, 1, 1), {"klein": Decimal(7500), "middelgroot": Decimal(7500), "groot": Decimal(0)})]


def dated(versions, day):
    chosen = None
    for since, values in versions:
        if since <= day:
            chosen = values
    return chosen


def by_hand(case: dict) -> tuple[str, Decimal | None]:
    """The same decision written directly in Python."""
    size, amount = case["grootte"], case["bedrag"]
    ok = size != "groot" and (amount >= (100 if case["pijler"] == "opleiding" else 500)) and \
        case["aanvraag"] <= case["start"] + datetime.timedelta(days=14)
    if not ok:
        return "no", None
    room = max(dated(CAP, case["aanvraag"])[size] - case["ontvangen"], Decimal(0))
    return "yes", min(amount * dated(RATE, case["aanvraag"])[size], room).quantize(Decimal("0.01"), ROUND_HALF_UP)


def cases(n: int) -> list[dict]:
    out = []
    for i in range(n):
        start = D(2019, 1, 1) + datetime.timedelta(days=i % 700)
        out.append({"grootte": ("klein", "middelgroot", "groot")[i % 3], "pijler": ("opleiding", "advies")[i % 2],
                    "bedrag": Decimal(50 + (i * 37) % 20000), "start": start,
                    "aanvraag": start + datetime.timedelta(days=i % 20), "ontvangen": Decimal((i * 11) % 8000)})
    return out


def median_seconds(func, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    from rulerun.interpreter.evaluator import load
    measure = load(HERE / "kmo-eenvoudig.yaml")
    batch = cases(20_000)
    on = D(2024, 1, 1)
    for case in batch[:300]:
        decision = measure.evaluate(case, on, trace=False)
        assert (decision.eligible, decision.amount) == by_hand(case), case
    n = len(batch)
    hand = median_seconds(lambda: [by_hand(c) for c in batch]) / n
    fast = median_seconds(lambda: [measure.evaluate(c, on, trace=False) for c in batch]) / n
    traced = median_seconds(lambda: [measure.evaluate(c, on, trace=True) for c in batch[:5000]]) / 5000
    print(f"hand-written Python : {hand * 1e6:8.2f} µs/case  {1 / hand:10,.0f} cases/s")
    print(f"rulerun, trace off  : {fast * 1e6:8.2f} µs/case  {1 / fast:10,.0f} cases/s  ratio {fast / hand:5.1f}x")
    print(f"rulerun, full trace : {traced * 1e6:8.2f} µs/case  {1 / traced:10,.0f} cases/s  ratio {traced / hand:5.1f}x")
    case_file = HERE.parent.parent / "measures/cases/kmo-portefeuille/r3-klein-opleiding.yaml"
    measure_file = HERE.parent.parent / "measures/kmo-portefeuille.yaml"
    cold = median_seconds(lambda: subprocess.run(["rulerun", "explain", str(measure_file), str(case_file)],
                                                 capture_output=True, check=True), repeat=5)
    plain = median_seconds(lambda: subprocess.run([sys.executable, "-c", "import decimal, datetime, yaml"],
                                                  capture_output=True, check=True), repeat=5)
    print(f"cold `rulerun explain`: {cold * 1e3:7.0f} ms   plain Python with yaml: {plain * 1e3:5.0f} ms"
          f"   ratio {cold / plain:4.1f}x")
    batch_throughput(hand)


def write_jsonl(path: Path, n: int) -> None:
    """`n` generated cases as JSON Lines, the input of `rulerun batch`."""
    import json
    with open(path, "w") as handle:
        for i, case in enumerate(cases(n)):
            facts = {k: (v.isoformat() if isinstance(v, D) else str(v) if isinstance(v, Decimal) else v)
                     for k, v in case.items()}
            handle.write(json.dumps({"id": i, "on": "2024-01-01", "facts": facts}) + "\n")


def batch_throughput(hand: float) -> None:
    """`rulerun batch` end to end (read JSONL, check facts, decide, write JSONL), and its peak memory."""
    import tempfile
    folder = Path(tempfile.mkdtemp())
    measure_file = HERE / "kmo-eenvoudig.yaml"
    sizes = [(50_000, 1), (50_000, 2), (200_000, 1)] + ([(1_000_000, 1)] if "--million" in sys.argv else [])
    for n, jobs in sizes:
        source = folder / f"{n}.jsonl"
        if not source.exists():
            write_jsonl(source, n)
        # The peak RSS is read inside the batch process from VmHWM, which starts afresh at exec;
        # getrusage's figure would include the pages of this (large) benchmark process it forked from.
        script = ("import re, sys\nfrom rulerun.interpreter.cli import main\ntry:\n    main(sys.argv[1:])\n"
                  "except SystemExit as end:\n    code = end.code\n"
                  "status = open('/proc/self/status').read()\n"
                  "print(re.search(r'VmHWM:\\s+(\\d+)', status).group(1), file=sys.stderr)\nsys.exit(code)")
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", script, "batch", str(measure_file), str(source), "--jobs",
                               str(jobs), "-o", str(folder / "out.jsonl")], capture_output=True, text=True, check=True)
        seconds = time.perf_counter() - t0
        peak = int(done.stderr.split()[-1]) / 1024
        print(f"rulerun batch, {n:>9,} cases, --jobs {jobs}: {n / seconds:8,.0f} cases/s "
              f"({seconds / n * 1e6:6.2f} µs/case, {seconds / n / hand:5.1f}x hand-written); "
              f"peak RSS of the batch process {peak:4.0f} MB")


if __name__ == "__main__":
    main()
