"""Benchmarks, run on demand (not by the test suite): python tests/benchmarks/run.py [--million] [--end-to-end] [--duckdb]
[--openfisca PYTHON].

Compares the simplified KMO-portefeuille decision as a YAML measure with the same decision
hand-written in Python with Decimal: one case with and without trace, a loop over many cases,
and the cold start of a fresh process. Prints medians and ratios. `--end-to-end` runs only the
end-to-end comparisons (files in, files out — hand-written JSON Lines and Parquet, `rulerun batch` in
both formats, with `--jobs 2` and with the duckdb engine —, raw facts through the API, cold starts); `--duckdb`
only `rulerun batch --engine duckdb` from Parquet to Parquet. `--openfisca PYTHON` adds the same
decision written for OpenFisca (openfisca_kmo.py) to the end-to-end runs, run by PYTHON, an
interpreter with openfisca-core installed.
"""
from __future__ import annotations

import datetime
import re
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
    if "--end-to-end" in sys.argv:
        end_to_end(1_000_000 if "--million" in sys.argv else 200_000)
        return
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
    columns_streamed(1_000_000 if "--million" in sys.argv else 200_000)
    end_to_end(1_000_000 if "--million" in sys.argv else 200_000)


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


# -- end to end: files in, files out ------------------------------------------------------------
# The floor is hand-written Python doing the same work as `rulerun batch` for the benchmark measure:
# read each JSON Lines record (a decoder built once, numbers as Decimal), check and type its facts
# (the enums, amounts of whole cents up to the same limit, calendar dates written YYYY-MM-DD), decide
# with Decimal, and write the same record with json. It handles only good input: every generated case is.

_MONEY = re.compile(r"[0-9]+(?:\.[0-9]{1,2})?")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
SIZES, PILLARS = frozenset(("klein", "middelgroot", "groot")), frozenset(("opleiding", "advies"))
FACT_NAMES = frozenset(("grootte", "pijler", "bedrag", "start", "aanvraag", "ontvangen"))
LIMIT = Decimal("1e15")
FORTNIGHT = datetime.timedelta(days=14)


def money_by_hand(value) -> Decimal:
    if not isinstance(value, str) or not _MONEY.fullmatch(value):
        raise ValueError(f"not an amount: {value!r}")
    amount = Decimal(value)
    if amount > LIMIT:
        raise ValueError(f"too large: {value!r}")
    return amount


def date_by_hand(value) -> datetime.date:
    if not isinstance(value, str) or not _DAY.fullmatch(value):
        raise ValueError(f"not a date: {value!r}")
    return D.fromisoformat(value)


def facts_by_hand(raw) -> dict:
    """Raw facts, as JSON gives them, checked and typed by hand."""
    if not isinstance(raw, dict) or raw.keys() != FACT_NAMES:
        raise ValueError(f"not the benchmark's facts: {raw!r}")
    size, pillar = raw["grootte"], raw["pijler"]
    if size not in SIZES or pillar not in PILLARS:
        raise ValueError(f"not a size or pillar: {size!r}, {pillar!r}")
    return {"grootte": size, "pijler": pillar, "bedrag": money_by_hand(raw["bedrag"]),
            "start": date_by_hand(raw["start"]), "aanvraag": date_by_hand(raw["aanvraag"]),
            "ontvangen": money_by_hand(raw["ontvangen"])}


def decide_by_hand(case: dict) -> tuple[list[str], Decimal | None]:
    """The failed conditions and the amount, as `rulerun batch` reports them."""
    size, amount, day = case["grootte"], case["bedrag"], case["aanvraag"]
    failed = []
    if size == "groot":
        failed.append("kmo")
    if amount < (100 if case["pijler"] == "opleiding" else 500):
        failed.append("minimum")
    if day > case["start"] + FORTNIGHT:
        failed.append("tijdig")
    if failed:
        return failed, None
    room = max(dated(CAP, day)[size] - case["ontvangen"], Decimal(0))
    return failed, min(amount * dated(RATE, day)[size], room).quantize(Decimal("0.01"), ROUND_HALF_UP)


def batch_by_hand(source: str, target: str, fixed: dict) -> None:
    """Hand-written `rulerun batch` of the benchmark measure: JSON Lines in, the same records out."""
    import json
    decode = json.JSONDecoder(parse_float=Decimal).decode
    encode = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode
    with open(source, "rb") as lines, open(target, "w", encoding="utf-8") as out:
        for number, line in enumerate(lines, 1):
            record = decode(line.decode("utf-8"))
            if not isinstance(record, dict) or not record.keys() <= {"id", "on", "facts"}:
                raise ValueError(f"line {number}: not a record")
            on = date_by_hand(record["on"]).isoformat()
            failed, amount = decide_by_hand(facts_by_hand(record["facts"]))
            reference = record["facts"]["aanvraag"]
            out.write(encode({"amount": None if amount is None else str(amount), "deadlines": {},
                              "eligible": "no" if failed else "yes", "evaluated_on": on, "failed": failed,
                              "id": str(record["id"]), "line": number, "missing": [],
                              "receipt": {**fixed, "evaluated_on": on, "reference_date": reference},
                              "reference_date": reference, "schema_version": "1", "values": {}}) + "\n")


#: Rows per row group of the generated Parquet files: DuckDB's own default, as a file a data team's tools write.
#: (pyarrow's default puts a million rows in one group, and DuckDB reads and decides a row group on one thread.)
ROW_GROUP = 122_880


def write_parquet(path: Path, n: int) -> None:
    """The same `n` cases as Parquet, typed (decimal amounts, calendar dates), for the end-to-end runs (needs pyarrow)."""
    import pyarrow
    import pyarrow.parquet
    batch = cases(n)
    money = pyarrow.decimal128(17, 2)
    table = pyarrow.table({
        "id": pyarrow.array([str(i) for i in range(n)]), "on": pyarrow.array([D(2024, 1, 1)] * n),
        **{k: pyarrow.array([c[k] for c in batch]) for k in ("grootte", "pijler", "start", "aanvraag")},
        **{k: pyarrow.array([c[k] for c in batch], money) for k in ("bedrag", "ontvangen")}})
    pyarrow.parquet.write_table(table, path, row_group_size=ROW_GROUP)


def parquet_by_hand(source: str, target: str) -> None:
    """Hand-written `rulerun batch` of the benchmark measure, Parquet in and Parquet out (needs pyarrow).

    Reads the columns with pyarrow, checks them (the two enums, amounts below the same limit; Parquet's
    types already make the amounts whole cents and the dates calendar dates), decides each row with
    Decimal, and writes the columns `rulerun batch -o FILE.parquet` writes, with the same types.
    """
    import pyarrow
    import pyarrow.parquet
    table = pyarrow.parquet.read_table(source)
    if set(table.column_names) != FACT_NAMES | {"id", "on"}:
        raise ValueError(f"not the benchmark's columns: {table.column_names}")
    rows = {name: table.column(name).to_pylist() for name in table.column_names}
    for name, allowed in (("grootte", SIZES), ("pijler", PILLARS)):
        if not set(rows[name]) <= allowed:
            raise ValueError(f"{name}: not a known word")
    for name in ("bedrag", "ontvangen"):
        if any(amount is None or amount > LIMIT for amount in rows[name]):
            raise ValueError(f"{name}: missing or too large")
    keys = ("grootte", "pijler", "bedrag", "start", "aanvraag", "ontvangen")
    eligible, amounts, failed_lists = [], [], []
    for values in zip(*(rows[k] for k in keys)):
        failed, amount = decide_by_hand(dict(zip(keys, values)))
        eligible.append("no" if failed else "yes")
        amounts.append(amount)
        failed_lists.append(failed)
    n = table.num_rows
    words = pyarrow.list_(pyarrow.string())
    out = pyarrow.table({
        "id": pyarrow.array(rows["id"], pyarrow.string()), "line": pyarrow.array(range(1, n + 1), pyarrow.int64()),
        "eligible": pyarrow.array(eligible, pyarrow.string()),
        "amount": pyarrow.array(amounts, pyarrow.decimal128(38, 2)), "failed": pyarrow.array(failed_lists, words),
        "missing": pyarrow.array([[]] * n, words), "evaluated_on": table.column("on"),
        "reference_date": table.column("aanvraag"), "error": pyarrow.nulls(n, pyarrow.string())})
    pyarrow.parquet.write_table(out, target)


#: `rulerun batch` in a process that reports its own peak RSS (VmHWM starts afresh at exec; getrusage's
#: figure would include the pages of this benchmark process it forked from).
_MEASURED_CLI = ("import re, sys\nfrom rulerun.interpreter.cli import main\ntry:\n    main(sys.argv[1:])\n"
                 "except SystemExit as end:\n    code = end.code\n"
                 "print(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1), file=sys.stderr)\n"
                 "sys.exit(code)")


def with_bytecode(env: dict | None = None) -> dict:
    """The environment for a measured process: Python may keep compiled modules (`__pycache__`), as an installed
    package does, whatever PYTHONDONTWRITEBYTECODE says here; otherwise every start compiles every module."""
    import os
    return {k: v for k, v in (os.environ if env is None else env).items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(command: list[str], env: dict | None = None, **options) -> tuple[float, str]:
    t0 = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=with_bytecode(env), **options)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{command[:4]} failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds, done.stderr


def end_to_end(n: int, rounds: int = 3) -> None:
    """Files in, files out, in alternating rounds (medians): hand-written against `rulerun batch`; then raw facts
    through the API, and cold starts."""
    import tempfile
    with tempfile.TemporaryDirectory() as scratch:  # the files of a million cases take a gigabyte
        files_in_files_out(n, rounds, Path(scratch))
    api_per_case()
    cold_start()


def files_in_files_out(n: int, rounds: int, folder: Path) -> None:
    """The same cases as JSON Lines (and Parquet) decided by hand and by `rulerun batch`, in alternating rounds."""
    import json
    from rulerun.interpreter.formats.receipt import Receipts
    from rulerun.interpreter.engine.evaluator import load
    measure_file = str(HERE / "kmo-eenvoudig.yaml")
    source, table = folder / "cases.jsonl", folder / "cases.parquet"
    write_jsonl(source, n)
    has_parquet = _has_pyarrow()
    if has_parquet:
        write_parquet(table, n)
    fixed = Receipts(load(measure_file, measure_file).measure).fixed
    python = sys.executable
    runs = {
        "hand-written Python, JSON Lines": [python, "-c", f"import json, sys; sys.path.insert(0, {str(HERE)!r}); "
                                            f"from run import batch_by_hand; batch_by_hand(sys.argv[2], sys.argv[3], "
                                            f"json.loads(sys.argv[1]))", json.dumps(fixed), str(source),
                                            str(folder / "hand.jsonl")],
        "rulerun batch, JSON Lines": [python, "-c", _MEASURED_CLI, "batch", measure_file, str(source),
                                      "-o", str(folder / "one.jsonl")],
        "rulerun batch --jobs 2, JSON Lines": [python, "-c", _MEASURED_CLI, "batch", measure_file, str(source),
                                               "--jobs", "2", "-o", str(folder / "two.jsonl")],
    }
    openfisca = _option("--openfisca")
    if openfisca:  # an interpreter with openfisca-core installed: no dependency of rulerun, so kept apart
        runs["OpenFisca (vectorised), JSON Lines"] = [openfisca, str(HERE / "openfisca_kmo.py"), json.dumps(fixed),
                                                      str(source), str(folder / "openfisca.jsonl")]
    if has_parquet:
        runs["hand-written Python, Parquet → Parquet"] = [
            python, "-c", f"import sys; sys.path.insert(0, {str(HERE)!r}); from run import parquet_by_hand; "
            "parquet_by_hand(sys.argv[1], sys.argv[2])", str(table), str(folder / "hand.parquet")]
        runs["rulerun batch, Parquet in, JSON Lines out"] = [python, "-c", _MEASURED_CLI, "batch", measure_file,
                                                             str(table), "-o", str(folder / "parquet.jsonl")]
        runs["rulerun batch, Parquet → Parquet"] = [python, "-c", _MEASURED_CLI, "batch", measure_file, str(table),
                                                    "-o", str(folder / "out.parquet")]
    if has_parquet and _has_duckdb():
        runs["rulerun batch --engine duckdb, Parquet → Parquet"] = [
            python, "-c", _MEASURED_CLI, "batch", measure_file, str(table), "--engine", "duckdb",
            "-o", str(folder / "duck.parquet")]
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    peaks: dict[str, int] = {}
    for _ in range(rounds):
        for name, command in runs.items():
            spent, errors = timed(command, cwd=folder)  # outside the measure's folder: its path is shown whole
            seconds[name].append(spent)
            if name.startswith("rulerun"):
                peaks[name] = max(peaks.get(name, 0), int(errors.split()[-1]) // 1024)
    made = {name: (folder / command[-1]).read_bytes() for name, command in runs.items()
            if not command[-1].endswith(".parquet")}
    assert len(set(made.values())) == 1, "the runs wrote different records"
    for name, command in runs.items():
        if command[-1].endswith(".parquet"):
            assert parquet_records(folder / command[-1]) == hand_fields(folder / "hand.jsonl"), \
                f"{name}: the Parquet output holds other decisions"
    floor = statistics.median(seconds["hand-written Python, JSON Lines"])
    parquet_floor = statistics.median(seconds.get("hand-written Python, Parquet → Parquet", [floor]))
    print(f"end to end, {n:,} cases, median of {rounds} alternating rounds (each a fresh process); "
          "every run wrote the same bytes (the Parquet output the same decisions):")
    for name in runs:
        spent = statistics.median(seconds[name])
        peak = f"; peak RSS {peaks[name]} MB" + (" (main process)" if "--jobs" in name else "") if name in peaks else ""
        against = f"; {spent / parquet_floor:4.2f}x hand-written Parquet" if name.endswith("→ Parquet") else ""
        print(f"  {name:<50}: {n / spent:9,.0f} cases/s  {spent / n * 1e6:6.2f} µs/case  "
              f"{spent / floor:4.2f}x hand-written JSON Lines{against}{peak}")
    if not has_parquet:
        print("  (Parquet not measured: pyarrow is not installed)")
    elif not _has_duckdb():
        print("  (the duckdb engine not measured: duckdb is not installed)")
    if not openfisca:
        print("  (OpenFisca not measured: give --openfisca PYTHON, an interpreter with openfisca-core installed)")


def _option(name: str) -> str | None:
    """The value after `name` on the command line, if given."""
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv[:-1] else None


def _has_duckdb() -> bool:
    try:
        import duckdb  # noqa: F401 - only whether it is there
    except ImportError:
        return False
    return True


def _has_pyarrow() -> bool:
    try:
        import pyarrow.parquet  # noqa: F401 - only whether it is there
    except ImportError:
        return False
    return True


#: The fields of a record the benchmark compares between JSON Lines and Parquet output.
COMPARED = ("id", "line", "eligible", "amount", "failed", "missing", "reference_date")


def hand_fields(path: Path) -> list[tuple]:
    """The compared fields of the hand-written floor's JSON Lines records."""
    import json
    with open(path, encoding="utf-8") as lines:
        return [tuple(record[k] for k in COMPARED) for record in map(json.loads, lines)]


def parquet_records(path: Path) -> list[tuple]:
    """The compared fields of `rulerun batch`'s Parquet output, written as the JSON Lines records write them."""
    import pyarrow.parquet
    table = pyarrow.parquet.read_table(path, columns=list(COMPARED))
    return [(row["id"], row["line"], row["eligible"], None if row["amount"] is None else f"{row['amount']:.2f}",
             row["failed"], row["missing"], row["reference_date"].isoformat()) for row in table.to_pylist()]


def api_per_case(n: int = 20_000) -> None:
    """One case at a time through the public API with raw facts (as JSON gives them) against the same by hand."""
    import rulerun
    measure = rulerun.load(HERE / "kmo-eenvoudig.yaml")
    on = D(2024, 1, 1)
    raws = [{k: (v.isoformat() if isinstance(v, D) else str(v) if isinstance(v, Decimal) else v)
             for k, v in case.items()} for case in cases(n)]
    for raw in raws[:2000]:
        failed, amount = decide_by_hand(facts_by_hand(raw))
        decision = measure.decide(raw, on)
        assert (list(decision.failed) if decision.eligible == "no" else [], decision.amount) == (failed, amount), raw
    hand = median_seconds(each(lambda raw: decide_by_hand(facts_by_hand(raw)), raws)) / n
    api = median_seconds(each(lambda raw: measure.decide(raw, on), raws)) / n
    print(f"one case, raw facts: hand-written {hand * 1e6:6.2f} µs; rulerun.Measure.decide {api * 1e6:6.2f} µs "
          f"({api / hand:4.1f}x)")


def cold_start() -> None:
    """A fresh `rulerun explain` of a bundled case against the venv's own `python -c 'import yaml'`."""
    import os
    import tempfile
    case_file = HERE.parent.parent / "measures/cases/kmo-portefeuille/r3-klein-opleiding.yaml"
    measure_file = HERE.parent.parent / "measures/kmo-portefeuille.yaml"
    command = [str(Path(sys.executable).parent / "rulerun"), "explain", str(measure_file), str(case_file)]
    warm = {**os.environ, "RULERUN_CACHE_DIR": tempfile.mkdtemp()}
    subprocess.run(command, capture_output=True, check=True, env=with_bytecode(warm))  # fills the cache
    floor = [sys.executable, "-c", "import yaml"]
    times: dict[str, list[float]] = {"floor": [], "warm": [], "empty": [], "none": []}
    for _ in range(9):  # alternating, so that the machine's load falls on all alike
        times["floor"].append(timed(floor)[0])
        times["warm"].append(timed(command, env=warm)[0])
        times["empty"].append(timed(command, env={**os.environ, "RULERUN_CACHE_DIR": tempfile.mkdtemp()})[0])
        times["none"].append(timed(command, env={**os.environ, "RULERUN_CACHE_DIR": ""})[0])
    plain, cold, empty, none = (statistics.median(times[k]) for k in ("floor", "warm", "empty", "none"))
    print(f"cold `rulerun explain`, medians of 9 alternating: `{Path(sys.executable).name} -c 'import yaml'` "
          f"{plain * 1e3:4.0f} ms; warm cache {cold * 1e3:4.0f} ms ({cold / plain:3.1f}x); "
          f"empty cache folder {empty * 1e3:4.0f} ms ({empty / plain:3.1f}x); "
          f"no cache {none * 1e3:4.0f} ms ({none / plain:3.1f}x)")

def write_typed_parquet(path: Path, n: int) -> None:
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
    pyarrow.parquet.write_table(table, path, row_group_size=ROW_GROUP)


def duckdb_throughput() -> None:
    """`rulerun batch --engine duckdb`, Parquet to Parquet, end to end in a fresh process, against the same decision
    written by hand as one DuckDB query (sql_by_hand.py), also in a fresh process; alternating rounds, medians."""
    import tempfile
    with tempfile.TemporaryDirectory() as scratch:  # the input files of 5 million cases take some 100 MB
        _duckdb_against_sql(Path(scratch))


def _duckdb_against_sql(folder: Path) -> None:
    import os
    measure_file = HERE / "kmo-eenvoudig.yaml"
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    for n in (1_000_000, 4_000_000):
        source = folder / f"{n}.parquet"
        write_typed_parquet(source, n)
        engine_out, hand_out = folder / "out.parquet", folder / "hand.parquet"
        runs = {
            "rulerun batch --engine duckdb": [str(Path(sys.executable).parent / "rulerun"), "batch", str(measure_file),
                                              str(source), "--engine", "duckdb", "-o", str(engine_out)],
            "hand-written SQL (one COPY)": [sys.executable, str(HERE / "sql_by_hand.py"), str(source), str(hand_out)],
        }
        spent: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
        for _ in range(3):
            for name, command in runs.items():
                spent[name].append(_wall_and_cpu(command))
        same_parquet_rows(engine_out, hand_out)
        floor = statistics.median(wall for wall, _ in spent["hand-written SQL (one COPY)"])
        for name in runs:
            wall = statistics.median(w for w, _ in spent[name])
            cpu = statistics.median(c for _, c in spent[name])
            print(f"{name:<30} Parquet to Parquet, {n:>9,} cases: {n / wall:10,.0f} cases/s; wall {wall:5.2f} s, "
                  f"CPU {cpu:5.2f} s ({cpu / n * 1e6:4.2f} µs/case), {wall / floor:4.2f}x hand-written "
                  f"(medians of 3, process start included)")
        print(f"  load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; both outputs hold the same rows")


def _wall_and_cpu(command: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, all threads) of a command run in a fresh process."""
    import os
    t0 = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=with_bytecode())
    errors = process.stderr.read() if process.stderr else b""
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - t0
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{command[:4]} failed ({process.returncode}): {errors.decode()[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime


def same_parquet_rows(path: Path, other: Path) -> None:
    """Stop unless both Parquet files hold the same columns, of the same types, and the same rows in the same order."""
    import pyarrow.parquet
    one, two = pyarrow.parquet.read_table(path), pyarrow.parquet.read_table(other)
    kinds = [(field.name, field.type) for field in one.schema], [(field.name, field.type) for field in two.schema]
    if kinds[0] != kinds[1]:
        raise SystemExit(f"{path.name} and {other.name} have other columns: {kinds[0]} against {kinds[1]}")
    for name in one.column_names:
        if not one.column(name).equals(two.column(name)):
            raise SystemExit(f"{path.name} and {other.name} hold other rows (column {name})")


if __name__ == "__main__":
    if "--duckdb" in sys.argv:
        duckdb_throughput()
    else:
        main()
