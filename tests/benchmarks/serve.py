"""Load benchmark of `rulerun serve`, run on demand (not by the test suite): python tests/benchmarks/serve.py

Starts a real server process on a free loopback port over the bundled measures and drives
`POST /decide` over keep-alive HTTP/1.1 connections, one per client, from a client built to cost
little CPU (requests written once as bytes, answers read by their Content-Length):

- closed loop: N clients, each sending its next case when the answer to the last arrives, with
  trace off and on at 1, 10 and 50 clients: the most the server answers, and at what latency;
- open loop: a fixed rate of requests spread over the connections, each request's latency counted
  from the time it was due to be sent (a request waiting for its connection waits on the clock),
  so a slow answer cannot hide the requests that would have been sent meanwhile.

Then `/batch` with 100,000 cases against `rulerun batch` on the same file. Prints throughput,
p50 and p99 latency, errors (any answer but a 200 with a decision), and the CPU time per request
of the server's processes and of this client. Options: --workers N (server processes, default 2),
--seconds S (per run, default 5), --rate R and --connections C (open loop, default 1000/s over 50),
--batch N (cases, default 100000; 0 skips it).
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import json
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MEASURE = "kmo-portefeuille"
CASES = ROOT / "measures" / "cases" / MEASURE
HOST = "127.0.0.1"


def _rulerun() -> str:
    script = Path(sys.executable).with_name("rulerun")
    return str(script) if script.exists() else shutil.which("rulerun")


def _port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _bodies() -> list[bytes]:
    """Every bundled case of the measure as a JSON request body."""
    sys.path.insert(0, str(ROOT / "tests" / "service"))
    with warnings.catch_warnings():  # the fixtures' module imports the test client, which warns about httpx
        warnings.simplefilter("ignore")
        from conftest import case_body

    from rulerun.interpreter.formats.cases import read_case
    return [case_body(read_case(p)).encode() for p in sorted(CASES.glob("*.yaml"))]


def requests_for(bodies: list[bytes], port: int, trace: bool) -> list[bytes]:
    """The whole HTTP request of each body, written once."""
    path = f"/measures/{MEASURE}/decide?trace={'true' if trace else 'false'}"
    return [(f"POST {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/json\r\n"
             f"Content-Length: {len(body)}\r\n\r\n").encode("ascii") + body for body in bodies]


def cpu_by_process(pid: int) -> dict[int, float]:
    """CPU seconds used so far by the server process and each of its worker processes (Linux)."""
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        pids += [int(p) for p in (task / "children").read_text().split()]
    out = {}
    for one in pids:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[one] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


class Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection with one request in flight; `answered(status, body)` on each answer."""

    def __init__(self, answered):
        self.answered = answered
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.need = -1  # the length of the whole answer, once its head is read
        self.head = 0
        self.status = 0

    def connection_made(self, transport) -> None:
        self.transport = transport
        transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def send(self, request: bytes) -> None:
        self.transport.write(request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.need < 0:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buffer[:end]).lower()
            self.status = int(head[9:12])
            at = head.find(b"\r\ncontent-length:")
            if at < 0:  # every answer of /decide has a length; without one, the answer cannot be delimited
                raise SystemExit(f"an answer without Content-Length: {head[:200]!r}")
            line_end = head.find(b"\r\n", at + 2)
            self.head = end + 4
            self.need = self.head + int(head[at + 17:line_end if line_end > 0 else len(head)])
        if len(self.buffer) >= self.need:
            body = bytes(self.buffer[self.head:self.need])
            del self.buffer[:self.need]
            self.need = -1
            self.answered(self.status, body)

    def connection_lost(self, exc) -> None:
        if self.need >= 0 or self.buffer:
            raise SystemExit(f"the server closed a connection during an answer: {exc}")


def ok(status: int, body: bytes) -> bool:
    """A decision: a 200 whose body carries a decision id."""
    return status == 200 and b'"decision_id"' in body


async def connect(port: int, answered) -> Connection:
    loop = asyncio.get_running_loop()
    _transport, protocol = await loop.create_connection(lambda: Connection(answered), HOST, port)
    return protocol


def percentile(values: list[float], fraction: float) -> float:
    """The value below which `fraction` of the sorted `values` lie (nearest rank)."""
    return values[max(0, math.ceil(fraction * len(values)) - 1)]


async def closed_loop(port: int, requests: list[bytes], clients: int, seconds: float) -> dict:
    """`clients` connections, each sending its next request when the answer to the last arrives."""
    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    errors = 0
    done = loop.create_future()
    running = clients
    stop = 0.0

    class Client:
        def __init__(self, index: int):
            self.index, self.began = index, 0.0
            self.connection: Connection | None = None

        def next(self) -> None:
            self.began = time.perf_counter()
            self.connection.send(requests[self.index % len(requests)])
            self.index += clients

        def answered(self, status: int, body: bytes) -> None:
            nonlocal errors, running
            now = time.perf_counter()
            latencies.append(now - self.began)
            errors += not ok(status, body)
            if now < stop:
                self.next()
                return
            running -= 1
            if running == 0:
                done.set_result(None)
    group = [Client(i) for i in range(clients)]
    for client in group:
        client.connection = await connect(port, client.answered)
        await _one(client.connection, requests[client.index % len(requests)])
        client.connection.answered = client.answered
    stop = time.perf_counter() + seconds
    began, cpu = time.perf_counter(), time.process_time()
    for client in group:
        client.next()
    await done
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu
    for client in group:
        client.connection.transport.close()
    return _summary(latencies, errors, wall, cpu)


async def _one(connection: Connection, request: bytes) -> None:
    """One request on a fresh connection (to warm it), its answer checked."""
    answer = asyncio.get_running_loop().create_future()
    connection.answered = lambda status, body: answer.set_result((status, body))
    connection.send(request)
    status, body = await answer
    if not ok(status, body):
        raise SystemExit(f"the warm-up request was answered {status}: {body[:500]!r}")


async def open_loop(port: int, requests: list[bytes], connections: int, rate: float, seconds: float) -> dict:
    """`rate` requests a second, request i due at start + i / rate on connection i mod `connections`."""
    loop = asyncio.get_running_loop()
    total = int(rate * seconds)
    latencies: list[float] = []
    errors = 0
    done = loop.create_future()

    class Lane:
        def __init__(self):
            self.due: collections.deque[float] = collections.deque()  # due times of requests not yet answered
            self.index = 0
            self.connection: Connection | None = None

        def send(self) -> None:
            self.connection.send(requests[self.index % len(requests)])
            self.index += 1

        def answered(self, status: int, body: bytes) -> None:
            nonlocal errors
            latencies.append(time.perf_counter() - self.due.popleft())
            errors += not ok(status, body)
            if self.due:  # a request already due waited for this answer
                self.send()
            elif len(latencies) == total:
                done.set_result(None)
    lanes = [Lane() for _ in range(connections)]
    for i, lane in enumerate(lanes):
        lane.connection = await connect(port, lane.answered)
        lane.index = i
        await _one(lane.connection, requests[0])
        lane.connection.answered = lane.answered
    began, cpu = time.perf_counter() + 0.01, time.process_time()
    for i in range(total):
        due = began + i / rate
        wait = due - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        lane = lanes[i % connections]
        lane.due.append(due)
        if len(lane.due) == 1:
            lane.send()
    await asyncio.wait_for(done, timeout=seconds + 120)
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu
    for lane in lanes:
        lane.connection.transport.close()
    return _summary(latencies, errors, wall, cpu)


def _summary(latencies: list[float], errors: int, wall: float, cpu: float) -> dict:
    latencies.sort()
    return {"requests": len(latencies), "per_second": len(latencies) / wall, "p50_ms": 1000 * percentile(latencies, 0.5),
            "p99_ms": 1000 * percentile(latencies, 0.99), "max_ms": 1000 * latencies[-1], "errors": errors,
            "client_cpu_ms": 1000 * cpu / len(latencies)}


def run(main, pid: int) -> dict:
    """Run one load and add the server's CPU per request, and how it was shared between its processes."""
    before = cpu_by_process(pid)
    result = _loop_run(main)
    after = cpu_by_process(pid)
    used = {p: after[p] - before.get(p, 0.0) for p in after}
    total = sum(used.values())
    result["server_cpu_ms"] = 1000 * total / result["requests"]
    # Each worker's share of the server's CPU (not the supervisor's, nor helpers' that use next to none).
    shares = sorted((u / total for p, u in used.items() if p != pid and u / total >= 0.005), reverse=True) \
        if total else []
    result["split"] = "/".join(f"{100 * s:.0f}" for s in shares) or "-"
    result["load"] = os.getloadavg()[0]
    return result


def _loop_run(main):
    try:
        import uvloop  # the client's own costs matter: uvloop's loop is the cheaper one
        return uvloop.run(main)
    except ImportError:
        return asyncio.run(main)


def start(workers: int) -> tuple[subprocess.Popen, int]:
    port = _port()
    process = subprocess.Popen([_rulerun(), "serve", "--measures", "measures", "--port", str(port),
                                "--workers", str(workers), "--reload-interval", "0"], cwd=ROOT,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/health", timeout=5) as answer:
                if answer.status == 200:
                    time.sleep(1)  # every worker up, not just the first
                    return process, port
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("the server did not start")


def batch_file(bodies: list[bytes], count: int, folder: Path) -> Path:
    path = folder / "cases.jsonl"
    cases = [json.loads(b) for b in bodies]
    with path.open("w", encoding="utf-8") as out:
        for i in range(count):
            case = cases[i % len(cases)]
            out.write(json.dumps({"id": str(i), "on": case.get("on"), "facts": case["facts"]}) + "\n")
    return path


async def batch_run(port: int, path: Path) -> tuple[float, int, int]:
    import httpx

    async def chunks():
        with path.open("rb") as handle:
            while block := handle.read(1 << 16):
                yield block
    records = errors = 0
    began = time.perf_counter()
    async with httpx.AsyncClient(base_url=f"http://{HOST}:{port}", timeout=600) as client:
        async with client.stream("POST", f"/measures/{MEASURE}/batch", content=chunks()) as response:
            async for line in response.aiter_lines():
                if line:
                    records += 1
                    errors += '"error"' in line
    return time.perf_counter() - began, records, errors


HEADER = (f"{'loop':<8}{'trace':<7}{'clients':>8}{'requests':>9}{'per s':>7}{'p50 ms':>8}{'p99 ms':>8}{'max ms':>8}"
          f"{'errors':>7}{'server CPU ms/req':>18}{'client CPU ms/req':>18}{'worker split %':>15}{'load':>6}")


def row(loop: str, trace: bool, clients: int, r: dict) -> str:
    return (f"{loop:<8}{'on' if trace else 'off':<7}{clients:>8}{r['requests']:>9}{r['per_second']:>7.0f}"
            f"{r['p50_ms']:>8.1f}{r['p99_ms']:>8.1f}{r['max_ms']:>8.1f}{r['errors']:>7}{r['server_cpu_ms']:>18.2f}"
            f"{r['client_cpu_ms']:>18.3f}{r['split']:>15}{r['load']:>6.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rate", type=float, default=1000)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--clients", default="1,10,50", help="closed-loop client counts, comma-separated")
    parser.add_argument("--trace", default="off,on", help="closed-loop trace settings: off, on or off,on")
    parser.add_argument("--batch", type=int, default=100_000)
    options = parser.parse_args()
    bodies = _bodies()
    process, port = start(options.workers)
    try:
        print(f"server: {options.workers} worker(s), {os.cpu_count()} CPU(s), load average "
              f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} at the start; {len(bodies)} distinct cases of {MEASURE}")
        print(HEADER)
        for trace in [t == "on" for t in options.trace.split(",")]:
            requests = requests_for(bodies, port, trace)
            for clients in [int(c) for c in options.clients.split(",")]:
                r = run(closed_loop(port, requests, clients, options.seconds), process.pid)
                print(row("closed", trace, clients, r), flush=True)
        if options.rate > 0:
            r = run(open_loop(port, requests_for(bodies, port, False), options.connections, options.rate,
                              options.seconds), process.pid)
            print(row(f"{options.rate:.0f}/s", False, options.connections, r), flush=True)
        if options.batch:
            with tempfile.TemporaryDirectory() as scratch:
                path = batch_file(bodies, options.batch, Path(scratch))
                served, records, errors = asyncio.run(batch_run(port, path))
                began = time.perf_counter()
                subprocess.run([_rulerun(), "batch", MEASURE, str(path), "-o", str(Path(scratch) / "out.jsonl")],
                               cwd=ROOT, check=False, stderr=subprocess.DEVNULL)
                local = time.perf_counter() - began
                print(f"/batch {options.batch} cases: {served:.1f} s ({records / served:.0f} cases/s, {records} "
                      f"records, {errors} errors); rulerun batch: {local:.1f} s; ratio {served / local:.2f}")
    finally:
        process.terminate()
        process.wait(timeout=30)


if __name__ == "__main__":
    main()
