"""The HTTP service under load, against calling Index.search in-process.

    python benchmarks/bench_serve.py                      # 100k documents, 16 clients, 30 s
    python benchmarks/bench_serve.py --docs 20000 --seconds 10

One run:

1. builds an index of ``--docs`` documents resampled from real KazNERD
   sentences (see datasets.resampled_documents) and saves it to a temporary
   folder;
2. starts ``kzsearch serve`` on it in a subprocess on a free 127.0.0.1 port,
   with a token;
3. runs ``--clients`` concurrent clients (coroutines on one asyncio loop,
   each with its keep-alive connection) for ``--seconds``: each request is a search (2-4 real words,
   k=10; one in ten asks for the second page) or, with probability
   ``--writes`` (1%), a POST /documents of one new document with the token;
4. then, in this process, calls ``Index.search`` on the same index and
   queries from ``--threads`` (2) threads for the same time.

It prints a table: requests/s, p50/p99 latency of searches and of writes,
errors (any status but 200, or a failed connection), and the in-process
throughput. Targets (issue 16): zero errors, p99 <= 50 ms, HTTP throughput
within 2x of the in-process one. ``--no-snippets`` asks the service for hits
without highlighted snippets (``snippets=false``).
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
from typing import List, Optional, Tuple
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


def start_server(folder: str, port: int, search_threads: Optional[int]) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                                        os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-m", "kzsearch", "serve", "--index", folder, "--port", str(port),
                             "--token", TOKEN]
                            + ([] if search_threads is None else ["--search-threads", str(search_threads)]),
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


class Client:
    """One client: requests back to back on a keep-alive connection until ``stop_at``.

    The clients are coroutines on one asyncio loop in this process (not
    threads), so a response is read as soon as it arrives rather than after
    a wait for the GIL.
    """

    def __init__(self, port: int, queries: List[str], seed: int, stop_at: float, write_share: float,
                 snippets: bool, new_texts: List[str]) -> None:
        self.port, self.queries, self.stop_at = port, queries, stop_at
        self.rng = random.Random(seed)
        self.seed, self.write_share, self.snippets, self.new_texts = seed, write_share, snippets, new_texts
        self.reads: List[float] = []
        self.writes: List[float] = []
        self.errors: List[str] = []

    def request(self, n: int) -> Tuple[bool, bytes]:
        write = self.rng.random() < self.write_share
        if write:
            body = json.dumps([{"id": f"new-{self.seed}-{n}", "text": self.rng.choice(self.new_texts)}]).encode()
            head = (f"POST /documents HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
            return True, head.encode() + body
        params = {"q": self.rng.choice(self.queries), "k": 10}
        if self.rng.random() < 0.1:
            params["offset"] = 10
        if not self.snippets:
            params["snippets"] = "false"
        return False, f"GET /search?{urlencode(params)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()

    async def run(self) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        n = 0
        while time.monotonic() < self.stop_at:
            n += 1
            write, raw = self.request(n)
            t0 = time.perf_counter()
            try:
                writer.write(raw)
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head.split(b" ", 2)[1])
                length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length:"))
                await reader.readexactly(length)
            except (OSError, ValueError, StopIteration, asyncio.IncompleteReadError) as e:
                self.errors.append(type(e).__name__)
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
                continue
            elapsed = time.perf_counter() - t0
            if status != 200:
                self.errors.append(str(status))
            (self.writes if write else self.reads).append(elapsed)
        writer.close()


async def run_clients(clients: List[Client]) -> None:
    await asyncio.gather(*(c.run() for c in clients))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (Linux), else nan."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return float("nan")


def percentile(values: List[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def in_process(index: kzsearch.Index, queries: List[str], threads: int, seconds: float) -> Tuple[float, List[float]]:
    """Index.search calls per second from ``threads`` threads, and their latencies."""
    stop_at = time.monotonic() + seconds
    latencies: List[List[float]] = [[] for _ in range(threads)]

    def work(slot: int) -> None:
        rng = random.Random(slot)
        while time.monotonic() < stop_at:
            t0 = time.perf_counter()
            index.search(rng.choice(queries), 10)
            latencies[slot].append(time.perf_counter() - t0)

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    t0 = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    done = [x for slot in latencies for x in slot]
    return len(done) / (time.perf_counter() - t0), done


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
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    docs = list(datasets.resampled_documents(args.docs + 2000))
    base, new_texts = docs[:args.docs], docs[args.docs:]
    index = kzsearch.Index()
    index.add(base)
    folder = tempfile.mkdtemp(prefix="kzsearch-bench-serve-")
    index.save(folder)
    print(f"built and saved {len(index):,} documents in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    queries = make_queries(args.queries)

    port = free_port()
    server = start_server(folder, port, args.search_threads)
    try:
        # warm up: the first queries build the restorer and caches
        warm = Client(port, queries, -1, time.monotonic() + 2, 0.0, not args.no_snippets, new_texts)
        asyncio.run(run_clients([warm]))
        stop_at = time.monotonic() + args.seconds
        clients = [Client(port, queries, i, stop_at, args.writes, not args.no_snippets, new_texts)
                   for i in range(args.clients)]
        t1, cpu1 = time.perf_counter(), cpu_seconds(server.pid)
        asyncio.run(run_clients(clients))
        wall = time.perf_counter() - t1
        server_cpu = cpu_seconds(server.pid) - cpu1
    finally:
        server.terminate()
        server.communicate(timeout=60)

    reads = [x for c in clients for x in c.reads]
    writes = [x for c in clients for x in c.writes]
    errors = [e for c in clients for e in c.errors]
    http_rate = (len(reads) + len(writes) + len(errors)) / wall
    index.search(queries[0], 10)
    cpu0 = time.process_time()
    local_rate, local = in_process(index, queries, args.threads, args.seconds)
    local_cpu = (time.process_time() - cpu0) / max(1, len(local))
    served = len(reads) + len(writes)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")

    ms = 1000.0
    print(f"\n{args.docs:,} documents, {args.clients} clients for {args.seconds:g} s on 127.0.0.1, "
          f"{args.writes:.0%} writes, snippets {'off' if args.no_snippets else 'on'}\n")
    print("| | requests/s | p50 ms | p99 ms | requests | errors |")
    print("|---|---:|---:|---:|---:|---:|")
    print(f"| HTTP searches | {len(reads) / wall:,.0f} | {percentile(reads, 50) * ms:.1f} | "
          f"{percentile(reads, 99) * ms:.1f} | {len(reads):,} | {len(errors)} |")
    print(f"| HTTP writes (1 document each) | {len(writes) / wall:,.1f} | {percentile(writes, 50) * ms:.1f} | "
          f"{percentile(writes, 99) * ms:.1f} | {len(writes):,} | |")
    print(f"| HTTP all | {http_rate:,.0f} | | | | |")
    print(f"| in-process Index.search, {args.threads} threads | {local_rate:,.0f} | "
          f"{percentile(local, 50) * ms:.2f} | {percentile(local, 99) * ms:.2f} | {len(local):,} | |")
    print(f"\nin-process / HTTP throughput: {local_rate / http_rate:.2f}x (target <= 2x); "
          f"errors: {len(errors)} {sorted(set(errors))[:5]}")
    print(f"CPU per request: server {server_cpu / max(1, served) * ms:.2f} ms (all its threads), "
          f"in-process Index.search {local_cpu * ms:.2f} ms; load average at the end {load:.1f} "
          f"on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
