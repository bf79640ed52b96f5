"""Load driver for bench/catalog.py: N threads request one URL for a fixed time.

Prints one JSON line: requests, errors, requests/s and latency percentiles in ms (and, with
--raw, every latency in seconds).
"""

from __future__ import annotations

import argparse
import http.client
import json
import threading
import time
from urllib.parse import urlsplit


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--raw", action="store_true", help="also print every latency (seconds)")
    parser.add_argument("--header", action="append", default=[], help="'Name: value', repeatable")
    args = parser.parse_args()

    parts = urlsplit(args.url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    deadline = time.perf_counter() + args.seconds
    headers = dict(h.split(":", 1) for h in args.header)
    headers = {name.strip(): value.strip() for name, value in headers.items()}
    latencies: list[float] = []
    errors = [0]
    body_bytes = [0]
    lock = threading.Lock()

    def worker() -> None:
        mine: list[float] = []
        failed = 0
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                body_bytes[0] = len(response.read())  # as sent: compressed when the server compressed
                conn.close()
                if response.status != 200:
                    failed += 1
                    continue
            except OSError:
                failed += 1
                continue
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started

    latencies.sort()

    def pct(p: float) -> float:
        if not latencies:
            return float("nan")
        return round(latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000, 2)

    result = {
        "requests": len(latencies),
        "errors": errors[0],
        "rps": round(len(latencies) / elapsed, 1),
        "seconds": elapsed,
        "p50": pct(50),
        "p95": pct(95),
        "p99": pct(99),
        "bytes": body_bytes[0],
    }
    if args.raw:
        result["latencies"] = latencies
    print(json.dumps(result))


if __name__ == "__main__":
    main()
