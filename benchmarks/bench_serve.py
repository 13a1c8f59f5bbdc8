"""The HTTP service under load, against the same searches in-process.

    python benchmarks/bench_serve.py                      # 100k documents, 16 clients, 30 s
    python benchmarks/bench_serve.py --no-snippets        # hits without snippets (snippets=false)
    python benchmarks/bench_serve.py --docs 20000 --seconds 10 --wrk --keep /tmp/idx

One run:

1. builds an index of ``--docs`` documents resampled from real KazNERD
   sentences (see datasets.resampled_documents) and saves it to a temporary
   folder (``--keep``: that folder, reused when it is there);
2. starts ``kzsearch serve`` on it in a subprocess on a free 127.0.0.1 port,
   with a token;
3. plans each client's requests in advance: a search (2-4 real words, k=10;
   one in ten asks for the second page) or, with probability ``--writes``
   (1%), a POST /documents of one new document with the token;
4. runs ``--clients`` concurrent clients (coroutines on one asyncio loop, on
   uvloop when installed, each with its keep-alive connection) for
   ``--seconds``; the clients share the machine's cores with the server, so
   their CPU is measured and printed;
5. with ``--wrk`` (and Debian's ``wrk`` installed), the same searches again,
   read-only, from wrk: a C client that costs next to nothing;
6. then, in this process, the same searches from ``--threads`` (2) threads
   for the same time, twice: ``Index.search`` alone (the issue's yardstick),
   and ``SearchEngine.search`` (the service's own call: the search plus the
   same snippets and query corrections, without HTTP and JSON).

It prints a table: requests/s, p50/p99 latency of searches and of writes,
errors (any status but 200, or a failed connection), CPU per request of the
server, of the client and in-process, and the throughput ratios. Targets
(issue 16): zero errors, p99 <= 50 ms, HTTP throughput within 2x of the
in-process one.
"""
from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from typing import Callable, List, Optional, Tuple
from urllib.parse import urlencode

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import datasets  # noqa: E402
from bench_speed import make_queries  # noqa: E402

import kzsearch  # noqa: E402

TOKEN = "bench-token-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(folder: str, port: int, search_threads: Optional[int], workers: Optional[int]) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                                        os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-m", "kzsearch", "serve", "--index", folder, "--port", str(port),
                             "--token", TOKEN]
                            + ([] if search_threads is None else ["--search-threads", str(search_threads)])
                            + ([] if workers is None else ["--workers", str(workers)]),
                            env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"the server stopped: {proc.stderr.read()}")
            time.sleep(0.2)
    raise RuntimeError("the server did not start in 120 s")


def plan(queries: List[str], seed: int, count: int, write_share: float, snippets: bool,
         new_texts: List[str]) -> List[Tuple[bool, bytes, str, int]]:
    """``count`` requests made in advance: (is a write, the raw HTTP request, query, offset).

    Searches are 2-4 real words, k=10, one in ten for the second page; with
    probability ``write_share`` a POST /documents of one new document with the
    token. Made before the clock starts, so the client only sends and reads.
    """
    rng = random.Random(seed)
    out = []
    for n in range(count):
        if rng.random() < write_share:
            body = json.dumps([{"id": f"new-{seed}-{n}", "text": rng.choice(new_texts)}]).encode()
            head = (f"POST /documents HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
            out.append((True, head.encode() + body, "", 0))
            continue
        q = rng.choice(queries)
        offset = 10 if rng.random() < 0.1 else 0
        params = {"q": q, "k": 10, **({"offset": offset} if offset else {}),
                  **({} if snippets else {"snippets": "false"})}
        out.append((False, f"GET /search?{urlencode(params)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode(), q, offset))
    return out


class Client:
    """One client: its planned requests back to back on a keep-alive connection until ``stop_at``.

    The clients are coroutines on one asyncio loop in this process (on uvloop
    when it is installed), so a response is read as soon as it arrives rather
    than after a wait for the GIL, and a request costs the client little CPU
    (it shares the cores with the server; the table says how much it took).
    """

    def __init__(self, port: int, requests: List[Tuple[bool, bytes, str, int]], stop_at: float) -> None:
        self.port, self.requests, self.stop_at = port, requests, stop_at
        self.reads: List[float] = []
        self.writes: List[float] = []
        self.errors: List[str] = []
        self.worker: Optional[int] = None

    async def run(self) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        # which worker process holds this connection (its pid, from /stats on the same connection)
        writer.write(b"GET /stats HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        head = await reader.readuntil(b"\r\n\r\n")
        at = head.lower().find(b"content-length:")
        self.worker = json.loads(await reader.readexactly(int(head[at + 15:head.index(b"\r\n", at)]))).get("worker")
        clock, requests, n = time.perf_counter, self.requests, 0
        stop_at = self.stop_at - time.monotonic() + clock()
        while True:
            write, raw, _, _ = requests[n % len(requests)]  # (a second round only past 600 requests/s each)
            n += 1
            t0 = clock()
            if t0 >= stop_at:
                break
            try:
                writer.write(raw)
                head = await reader.readuntil(b"\r\n\r\n")
                at = head.lower().find(b"content-length:")
                length = int(head[at + 15:head.index(b"\r\n", at)])
                await reader.readexactly(length)
                status = int(head[9:12])
            except (OSError, ValueError, asyncio.IncompleteReadError) as e:
                self.errors.append(type(e).__name__)
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
                continue
            elapsed = clock() - t0
            if status != 200:
                self.errors.append(str(status))
            (self.writes if write else self.reads).append(elapsed)
        writer.close()


def event_loop_policy() -> Optional[str]:
    """Put the clients on uvloop when it is installed (a leaner client); its name, or None."""
    try:
        import uvloop
    except ImportError:
        return None
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return "uvloop"


async def run_clients(clients: List[Client]) -> None:
    await asyncio.gather(*(c.run() for c in clients))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time so far of process ``pid`` and its live children (the server's
    worker processes) (Linux), else nan."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return float("nan")
    children = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                children += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return own + sum(cpu_seconds(c) for c in children)


def process_count(pid: int) -> int:
    """Processes in the server (it and its children)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return 1 + len(f.read().split())
    except OSError:
        return 1


def percentile(values: List[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def in_process(call: Callable[[str, int], object], requests: List[Tuple[bool, bytes, str, int]],
               threads: int, seconds: float) -> Tuple[float, List[float], float]:
    """``call(query, offset)`` per second from ``threads`` threads over the planned searches,
    their latencies, and the CPU seconds per call."""
    stop_at = time.monotonic() + seconds
    searches = [(q, offset) for write, _, q, offset in requests if not write]
    latencies: List[List[float]] = [[] for _ in range(threads)]

    def work(slot: int) -> None:
        n = slot * 7919
        while time.monotonic() < stop_at:
            q, offset = searches[n % len(searches)]
            n += 1
            t0 = time.perf_counter()
            call(q, offset)
            latencies[slot].append(time.perf_counter() - t0)

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    t0, cpu0 = time.perf_counter(), time.process_time()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    done = [x for slot in latencies for x in slot]
    return len(done) / (time.perf_counter() - t0), done, (time.process_time() - cpu0) / max(1, len(done))


WRK_SCRIPT = """
local paths, i = {}, 0
for line in io.lines("%s") do paths[#paths + 1] = line end
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
"""


def run_wrk(port: int, requests: List[Tuple[bool, bytes, str, int]], clients: int, seconds: float,
            server_pid: int) -> Optional[dict]:
    """Read-only searches with wrk (C, one thread) when it is installed: a client that costs next to nothing."""
    import re
    import resource
    import shutil
    if shutil.which("wrk") is None:
        return None
    folder = tempfile.mkdtemp(prefix="kzsearch-bench-wrk-")
    paths = os.path.join(folder, "paths.txt")
    with open(paths, "w") as f:
        f.writelines(raw.split(b" ", 2)[1].decode() + "\n" for write, raw, _, _ in requests if not write)
    script = os.path.join(folder, "paths.lua")
    with open(script, "w") as f:
        f.write(WRK_SCRIPT % paths)
    before, cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN), cpu_seconds(server_pid)
    out = subprocess.run(["wrk", "-t1", f"-c{clients}", f"-d{seconds:g}s", "--latency", "-s", script,
                          f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True).stdout
    after, server_cpu = resource.getrusage(resource.RUSAGE_CHILDREN), cpu_seconds(server_pid) - cpu0
    done = int(re.search(r"(\d+) requests in", out).group(1))

    def ms(label: str) -> float:
        value, unit = re.search(label + r"\s+([\d.]+)(us|ms|s)\b", out).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {"rate": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "p50": ms("50%"),
            "p99": ms("99%"), "done": done,
            "errors": (int(bad.group(1)) if bad else 0) + (sum(map(int, sock.groups())) if sock else 0),
            "client_cpu": (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime),
            "server_cpu": server_cpu}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--writes", type=float, default=0.01, help="share of requests that write")
    parser.add_argument("--threads", type=int, default=2, help="threads of the in-process comparison")
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--no-snippets", action="store_true", help="searches ask for snippets=false")
    parser.add_argument("--search-threads", type=int, default=None, help="the server's --search-threads")
    parser.add_argument("--workers", type=int, default=None, help="the server's --workers (default: its own)")
    parser.add_argument("--wrk", action="store_true", help="also run read-only searches with wrk (when installed)")
    parser.add_argument("--keep", default=None, help="an index folder to reuse (built there when missing)")
    args = parser.parse_args(argv)
    snippets = not args.no_snippets

    t0 = time.perf_counter()
    docs = list(datasets.resampled_documents(args.docs + 2000))
    base, new_texts = docs[:args.docs], docs[args.docs:]
    folder = args.keep or tempfile.mkdtemp(prefix="kzsearch-bench-serve-")
    if args.keep and os.path.isdir(args.keep) and os.listdir(args.keep):
        index = kzsearch.Index.load(folder)
    else:
        index = kzsearch.Index()
        index.add(base)
        index.save(folder)
    print(f"{len(index):,} documents ready in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    queries = make_queries(args.queries)
    per_client = int(args.seconds * 600) + 1000
    plans = [plan(queries, i, per_client, args.writes, snippets, new_texts) for i in range(args.clients)]
    loop = event_loop_policy()

    port = free_port()
    server = start_server(folder, port, args.search_threads, args.workers)
    processes = process_count(server.pid)
    try:
        # warm up: the first queries build the restorer and caches
        warm = Client(port, plan(queries, -1, 5000, 0.0, snippets, new_texts), time.monotonic() + 2)
        asyncio.run(run_clients([warm]))
        stop_at = time.monotonic() + args.seconds
        clients = [Client(port, plans[i], stop_at) for i in range(args.clients)]
        t1, cpu1, own1 = time.perf_counter(), cpu_seconds(server.pid), time.process_time()
        asyncio.run(run_clients(clients))
        wall = time.perf_counter() - t1
        server_cpu, client_cpu = cpu_seconds(server.pid) - cpu1, time.process_time() - own1
        wrk = run_wrk(port, [r for p in plans for r in p], args.clients, args.seconds, server.pid) \
            if args.wrk else None
    finally:
        server.terminate()
        server.communicate(timeout=60)

    reads = [x for c in clients for x in c.reads]
    writes = [x for c in clients for x in c.writes]
    errors = [e for c in clients for e in c.errors]
    served = len(reads) + len(writes)
    http_rate = (served + len(errors)) / wall
    from kzsearch.server.engine import SearchEngine
    engine = SearchEngine(index)
    engine.search(queries[0], k=10, snippets=snippets)
    search_rate, search_lat, search_cpu = in_process(
        lambda q, offset: index.search(q, 10, offset=offset), plans[0], args.threads, args.seconds)
    engine_rate, engine_lat, engine_cpu = in_process(
        lambda q, offset: engine.search(q, k=10, offset=offset, snippets=snippets), plans[0], args.threads,
        args.seconds)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")

    ms = 1000.0
    print(f"\n{args.docs:,} documents, {args.clients} clients for {args.seconds:g} s on 127.0.0.1, "
          f"{args.writes:.0%} writes, snippets {'on' if snippets else 'off'}\n")
    print("| | requests/s | p50 ms | p99 ms | requests | errors | CPU ms per request |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    print(f"| HTTP searches | {len(reads) / wall:,.0f} | {percentile(reads, 50) * ms:.1f} | "
          f"{percentile(reads, 99) * ms:.1f} | {len(reads):,} | {len(errors)} | |")
    print(f"| HTTP writes (1 document each) | {len(writes) / wall:,.1f} | {percentile(writes, 50) * ms:.1f} | "
          f"{percentile(writes, 99) * ms:.1f} | {len(writes):,} | | |")
    print(f"| HTTP all | {http_rate:,.0f} | {percentile(reads + writes, 50) * ms:.1f} | "
          f"{percentile(reads + writes, 99) * ms:.1f} | {len(reads) + len(writes):,} | {len(errors)} | server {server_cpu / max(1, served) * ms:.2f}, "
          f"client {client_cpu / max(1, served) * ms:.2f} |")
    if wrk:
        print(f"| HTTP searches, wrk client (read-only) | {wrk['rate']:,.0f} | {wrk['p50']:.1f} | {wrk['p99']:.1f} "
              f"| {wrk['done']:,} | {wrk['errors']} | server {wrk['server_cpu'] / max(1, wrk['done']) * ms:.2f}, "
              f"client {wrk['client_cpu'] / max(1, wrk['done']) * ms:.2f} |")
    print(f"| in-process Index.search, {args.threads} threads | {search_rate:,.0f} | "
          f"{percentile(search_lat, 50) * ms:.2f} | {percentile(search_lat, 99) * ms:.2f} | {len(search_lat):,} "
          f"| | {search_cpu * ms:.2f} |")
    print(f"| in-process search{' + snippets' if snippets else ''} (SearchEngine.search), {args.threads} threads "
          f"| {engine_rate:,.0f} | {percentile(engine_lat, 50) * ms:.2f} | {percentile(engine_lat, 99) * ms:.2f} "
          f"| {len(engine_lat):,} | | {engine_cpu * ms:.2f} |")
    print(f"\nthroughput ratio in-process / HTTP (target <= 2x): {search_rate / http_rate:.2f}x against "
          f"Index.search, {engine_rate / http_rate:.2f}x against the same work in-process (SearchEngine.search"
          f"{': search + snippets' if snippets else ''})"
          + (f"; with wrk: {search_rate / wrk['rate']:.2f}x and {engine_rate / wrk['rate']:.2f}x" if wrk else ""))
    print("\nlatency by request type (target: p99 <= 50 ms for each, and zero errors):\n")
    print("| | searches | writes | all requests |")
    print("|---|---:|---:|---:|")
    kinds = (reads, writes, reads + writes)
    print("| requests | " + " | ".join(f"{len(v):,}" for v in kinds) + " |")
    print("| p50 ms | " + " | ".join(f"{percentile(v, 50) * ms:.1f}" for v in kinds) + " |")
    print("| p99 ms | " + " | ".join(f"{percentile(v, 99) * ms:.1f}" for v in kinds) + " |")
    print("| max ms | " + " | ".join(f"{max(v, default=float('nan')) * ms:.1f}" for v in kinds) + " |")
    print("| p99 <= 50 ms | " + " | ".join("met" if v and percentile(v, 99) * ms <= 50 else "NOT met"
                                            for v in kinds) + " |")
    spread: dict = {}
    for c in clients:
        spread[c.worker] = spread.get(c.worker, 0) + 1
    print(f"connections per worker process: {sorted(spread.values(), reverse=True)}")
    print(f"errors: {len(errors)} {sorted(set(errors))[:5]}; the asyncio client ({loop or 'asyncio'}) used "
          f"{client_cpu / wall:.2f} of {os.cpu_count()} cores, the server ({processes} processes: "
          f"--workers {args.workers if args.workers is not None else 'default'}, --search-threads "
          f"{args.search_threads if args.search_threads is not None else 'default'}) {server_cpu / wall:.2f}; "
          f"load average at the end {load:.1f}")


if __name__ == "__main__":
    main()
