"""Benchmarks, run on demand (not by the test suite): python tests/benchmarks/run.py [--million] [--duckdb].

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


def each(func, batch):
    """A loop that decides every case and keeps none, as a service answering one request at a time."""
    def run():
        for case in batch:
            func(case)
    return run


def main() -> None:
    from rulerun.interpreter.engine.columns import decide_columns
    from rulerun.interpreter.engine.evaluator import load
    measure = load(HERE / "kmo-eenvoudig.yaml")
    batch = cases(20_000)
    on = D(2024, 1, 1)
    pairs = [(case, on) for case in batch]
    columns = decide_columns(measure, pairs)
    for i, case in enumerate(batch):
        expected = by_hand(case)
        decision = measure.evaluate(case, on, trace=False)
        assert (decision.eligible, decision.amount) == expected, case
        assert (columns.eligible[i], columns.amount[i]) == expected, case
        if i < 300:
            traced = measure.evaluate(case, on, trace=True)
            assert (traced.eligible, traced.amount) == expected and traced.trace, case
    n = len(batch)
    hand = median_seconds(each(by_hand, batch)) / n
    fast = median_seconds(each(lambda c: measure.evaluate(c, on, trace=False), batch)) / n
    traced = median_seconds(each(lambda c: measure.evaluate(c, on, trace=True), batch[:5000])) / 5000
    kept = median_seconds(lambda: [measure.evaluate(c, on, trace=True) for c in batch[:5000]]) / 5000
    many = median_seconds(lambda: decide_columns(measure, pairs)) / n
    decisions = median_seconds(lambda: list(measure.decide_many(pairs))) / n
    print(f"hand-written Python : {hand * 1e6:8.2f} µs/case  {1 / hand:10,.0f} cases/s")
    print(f"rulerun, trace off  : {fast * 1e6:8.2f} µs/case  {1 / fast:10,.0f} cases/s  ratio {fast / hand:5.1f}x")
    print(f"rulerun, full trace : {traced * 1e6:8.2f} µs/case  {1 / traced:10,.0f} cases/s  ratio {traced / hand:5.1f}x")
    print(f"  ... all 5,000 traced decisions kept in a list: {kept * 1e6:8.2f} µs/case  ratio {kept / hand:5.1f}x")
    print(f"batch into columns  : {many * 1e6:8.2f} µs/case  {1 / many:10,.0f} cases/s  ratio {many / hand:5.1f}x")
    print(f"batch as Decisions  : {decisions * 1e6:8.2f} µs/case  {1 / decisions:10,.0f} cases/s  "
          f"ratio {decisions / hand:5.1f}x")
    cold_start()
    columns_streamed(1_000_000 if "--million" in sys.argv else 200_000)
    batch_throughput(hand)


def cold_start() -> None:
    """A fresh `rulerun explain` of a bundled case against a plain Python start that imports PyYAML."""
    import os
    import tempfile
    case_file = HERE.parent.parent / "measures/cases/kmo-portefeuille/r3-klein-opleiding.yaml"
    measure_file = HERE.parent.parent / "measures/kmo-portefeuille.yaml"
    command = ["rulerun", "explain", str(measure_file), str(case_file)]
    cache = {**os.environ, "RULERUN_CACHE_DIR": tempfile.mkdtemp()}
    subprocess.run(command, capture_output=True, check=True, env=cache)  # the first run fills the cache
    cold = median_seconds(lambda: subprocess.run(command, capture_output=True, check=True, env=cache), repeat=9)
    uncached = median_seconds(lambda: subprocess.run(command, capture_output=True, check=True,
                                                     env={**os.environ, "RULERUN_CACHE_DIR": ""}), repeat=5)
    plain = median_seconds(lambda: subprocess.run([sys.executable, "-c", "import decimal, datetime, yaml"],
                                                  capture_output=True, check=True), repeat=9)
    print(f"cold `rulerun explain`: {cold * 1e3:5.0f} ms   plain Python with yaml: {plain * 1e3:4.0f} ms"
          f"   ratio {cold / plain:4.1f}x   (without the cache: {uncached * 1e3:4.0f} ms, {uncached / plain:4.1f}x)")


def columns_streamed(n: int) -> None:
    """`decide_columns` over `n` generated cases, 10,000 at a time, in a fresh process: speed and peak RSS."""
    script = f"""
import datetime, re, sys, time
sys.path.insert(0, {str(HERE)!r})
from run import cases
from rulerun.interpreter.engine.columns import decide_columns
from rulerun.interpreter.engine.evaluator import load
measure = load({str(HERE / "kmo-eenvoudig.yaml")!r})
on, spent, total, yes = datetime.date(2024, 1, 1), 0.0, 0, 0
template = cases(10_000)
for start in range(0, {n}, 10_000):
    chunk = [(dict(case), on) for case in template]  # fresh dicts: the cases are new input each time
    t0 = time.perf_counter()
    columns = decide_columns(measure, chunk)
    spent += time.perf_counter() - t0
    total += len(columns)
    yes += columns.eligible.count("yes")
peak = int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1)) / 1024
print(total, yes, spent, peak)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    total, _yes, spent, peak = done.stdout.split()
    print(f"batch into columns, {int(total):>9,} cases streamed 10,000 at a time: {int(total) / float(spent):10,.0f} "
          f"cases/s deciding; peak RSS of that process {float(peak):4.0f} MB")


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


def write_parquet(path: Path, n: int) -> None:
    """`n` generated cases as Parquet: typed columns (decimals, dates, texts), one per fact."""
    import pyarrow
    import pyarrow.parquet
    rows = cases(n)
    money = pyarrow.decimal128(18, 2)
    table = pyarrow.table({
        "id": pyarrow.array(range(n), pyarrow.int64()),
        "on": pyarrow.array([D(2024, 1, 1)] * n, pyarrow.date32()),
        **{name: pyarrow.array([row[name] for row in rows], money if name in ("bedrag", "ontvangen") else None)
           for name in rows[0]}})
    pyarrow.parquet.write_table(table, path)


def duckdb_throughput() -> None:
    """`rulerun batch --engine duckdb`, Parquet to Parquet, end to end in a fresh process."""
    import tempfile
    folder = Path(tempfile.mkdtemp())
    measure_file = HERE / "kmo-eenvoudig.yaml"
    for n in (1_000_000, 4_000_000):
        source = folder / f"{n}.parquet"
        write_parquet(source, n)
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            subprocess.run([str(Path(sys.executable).parent / "rulerun"), "batch", str(measure_file), str(source),
                            "--engine", "duckdb", "-o", str(folder / "out.parquet")],
                           capture_output=True, text=True, check=True)
            times.append(time.perf_counter() - t0)
        seconds = statistics.median(times)
        print(f"rulerun batch --engine duckdb, Parquet to Parquet, {n:>9,} cases: {n / seconds:10,.0f} cases/s "
              f"(median of 3, process start included)")


if __name__ == "__main__":
    if "--duckdb" in sys.argv:
        duckdb_throughput()
    else:
        main()
