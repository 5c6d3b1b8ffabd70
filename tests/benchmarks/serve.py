"""Load benchmark of `rulerun serve`, run on demand (not by the test suite): python tests/benchmarks/serve.py

Starts a real server process on a free loopback port over the bundled measures and drives it
with async httpx clients: `/decide` with trace off and on at 1, 10 and 50 concurrent clients,
then `/batch` with 100,000 cases against `rulerun batch` on the same file. Prints throughput,
p50 and p99 latency, and errors. Options: --workers N (server processes, default 2),
--seconds S (per /decide run, default 5), --batch N (cases, default 100000).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
MEASURE = "kmo-portefeuille"
CASES = ROOT / "measures" / "cases" / MEASURE


def _rulerun() -> str:
    script = Path(sys.executable).with_name("rulerun")
    return str(script) if script.exists() else shutil.which("rulerun")


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _bodies() -> list[bytes]:
    """Every bundled case of the measure as a JSON request body."""
    sys.path.insert(0, str(ROOT / "tests" / "service"))
    from conftest import case_body

    from rulerun.interpreter.formats.cases import read_case
    return [case_body(read_case(p)).encode() for p in sorted(CASES.glob("*.yaml"))]


def server_cpu(pid: int) -> float:
    """CPU seconds used so far by the server process and its worker processes (Linux)."""
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        pids += [int(p) for p in (task / "children").read_text().split()]
    total = 0.0
    for one in pids:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def start(workers: int) -> tuple[subprocess.Popen, str]:
    port = _port()
    process = subprocess.Popen([_rulerun(), "serve", "--measures", "measures", "--port", str(port),
                                "--workers", str(workers), "--reload-interval", "0"], cwd=ROOT,
                               stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/health").status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("the server did not start")


async def decide_run(url: str, bodies: list[bytes], clients: int, trace: bool, seconds: float, pid: int) -> dict:
    latencies: list[float] = []
    errors = 0
    path = f"/measures/{MEASURE}/decide?trace={'true' if trace else 'false'}"
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        for body in bodies[:clients]:  # warm the connections
            await client.post(path, content=body)
        stop = time.perf_counter() + seconds

        async def one(index: int) -> None:
            nonlocal errors
            i = index
            while time.perf_counter() < stop:
                body = bodies[i % len(bodies)]
                i += clients
                began = time.perf_counter()
                response = await client.post(path, content=body)
                latencies.append(time.perf_counter() - began)
                if response.status_code != 200:
                    errors += 1
        began, cpu, served = time.perf_counter(), time.process_time(), server_cpu(pid)
        await asyncio.gather(*(one(i) for i in range(clients)))
        wall = time.perf_counter() - began
        cpu, served = time.process_time() - cpu, server_cpu(pid) - served
    latencies.sort()
    return {"trace": trace, "clients": clients, "requests": len(latencies), "per_second": len(latencies) / wall,
            "p50_ms": 1000 * statistics.median(latencies),
            "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))], "errors": errors,
            "client_cpu_ms": 1000 * cpu / len(latencies), "server_cpu_ms": 1000 * served / len(latencies)}


def batch_file(bodies: list[bytes], count: int, folder: Path) -> Path:
    path = folder / "cases.jsonl"
    cases = [json.loads(b) for b in bodies]
    with path.open("w", encoding="utf-8") as out:
        for i in range(count):
            case = cases[i % len(cases)]
            out.write(json.dumps({"id": str(i), "on": case.get("on"), "facts": case["facts"]}) + "\n")
    return path


async def batch_run(url: str, path: Path) -> tuple[float, int, int]:
    async def chunks():
        with path.open("rb") as handle:
            while block := handle.read(1 << 16):
                yield block
    records = errors = 0
    began = time.perf_counter()
    async with httpx.AsyncClient(base_url=url, timeout=600) as client:
        async with client.stream("POST", f"/measures/{MEASURE}/batch", content=chunks()) as response:
            async for line in response.aiter_lines():
                if line:
                    records += 1
                    errors += '"error"' in line
    return time.perf_counter() - began, records, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--batch", type=int, default=100_000)
    options = parser.parse_args()
    bodies = _bodies()
    process, url = start(options.workers)
    try:
        print(f"server: {options.workers} worker(s), {os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.1f}; "
              f"{len(bodies)} distinct cases of {MEASURE}")
        print(f"{'/decide':<10}{'clients':>8}{'requests':>10}{'per s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
              f"{'server CPU ms/req':>19}{'client CPU ms/req':>19}")
        for trace in (False, True):
            for clients in (1, 10, 50):
                r = asyncio.run(decide_run(url, bodies, clients, trace, options.seconds, process.pid))
                print(f"{'trace' if trace else 'no trace':<10}{clients:>8}{r['requests']:>10}{r['per_second']:>9.0f}"
                      f"{r['p50_ms']:>9.1f}{r['p99_ms']:>9.1f}{r['errors']:>8}{r['server_cpu_ms']:>19.2f}"
                      f"{r['client_cpu_ms']:>19.2f}")
        with tempfile.TemporaryDirectory() as scratch:
            path = batch_file(bodies, options.batch, Path(scratch))
            served, records, errors = asyncio.run(batch_run(url, path))
            began = time.perf_counter()
            subprocess.run([_rulerun(), "batch", MEASURE, str(path), "-o", str(Path(scratch) / "out.jsonl")],
                           cwd=ROOT, check=False, stderr=subprocess.DEVNULL)
            local = time.perf_counter() - began
            print(f"/batch {options.batch} cases: {served:.1f} s ({records / served:.0f} cases/s, {records} records, "
                  f"{errors} errors); rulerun batch: {local:.1f} s; ratio {served / local:.2f}")
    finally:
        process.terminate()
        process.wait(timeout=30)


if __name__ == "__main__":
    main()
