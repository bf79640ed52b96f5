"""Catalog benchmark: 100,000 products on PostgreSQL, the app under gunicorn, a bare baseline.

    .venv/bin/python bench/catalog.py [--database-url URL] [--products 100000] [--rounds 5]
                                      [--concurrency 8] [--seconds 20] [--workers 2]
                                      [--driver wrk|python|both] [--only list,detail]
                                      [--against GIT_REF]

1. Migrates the database and loads the demo catalog up to --products (bulk inserts; idempotent),
   then VACUUM ANALYZE.
2. Records the SQL the app runs for each of the four requests (list page 1, category + price
   range, `q` search of a common word, product detail).
3. Serves the app (`gunicorn run:app`) and the baseline (`gunicorn bench.baseline:app`: the same
   SQL with psycopg2 and json.dumps, no framework) with the same gunicorn settings, drives each
   from a separate process at a fixed concurrency for a fixed time: `wrk` (an outside load
   generator in C, Debian's package: the driver takes next to nothing of the machine's CPU) or
   bench/load.py (Python threads, for machines without wrk), or both one after the other, in rounds
   that alternate app and baseline, and prints requests/s, p50/p95/p99 (over all rounds) and
   the app's throughput as a ratio of the baseline's, with the CPU time the gunicorn workers
   and PostgreSQL's backends spent per request (steadier than throughput on a machine whose
   speed drifts; PostgreSQL's only when it runs on this machine).
4. With `--against GIT_REF`, also serves the app as it was at that commit (a git worktree, the
   same database) in the same alternating rounds, and prints app/before: a change's effect
   measured in one run, not across runs on a machine whose speed moves between them.

Targets (2-core machine, measured with wrk): p99 under 40 ms for all four at concurrency 8, and
the app's throughput at least 0.7 of the baseline's. With wrk, latency percentiles are wrk's per
round; the worst round's is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/duka_bench"


def ensure_database(url: str) -> None:
    import psycopg2
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    admin = psycopg2.connect(
        dbname="postgres", user=parsed.username, password=parsed.password, host=parsed.host, port=parsed.port or 5432
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,))
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{parsed.database}"')
    admin.close()


def load_catalog(env: dict[str, str], products: int) -> None:
    flask = [str(BIN / "flask"), "--app", "run:app"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    started = time.perf_counter()
    out = subprocess.run(
        [*flask, "seed-demo", "--products", str(products)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    print(out.stdout.strip().splitlines()[-1], f"({time.perf_counter() - started:.1f} s)")
    import psycopg2

    conn = psycopg2.connect(env["DATABASE_URL"])
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("SELECT count(*) FROM products")
        print(f"products in the database: {cursor.fetchone()[0]}")
    conn.close()


def pick_urls(env: dict[str, str]) -> dict[str, str]:
    import psycopg2

    conn = psycopg2.connect(env["DATABASE_URL"])
    with conn.cursor() as cursor:
        cursor.execute("SELECT id FROM products WHERE is_active ORDER BY id LIMIT 1 OFFSET 5000")
        product_id = cursor.fetchone()[0]
    conn.close()
    return {
        "list page 1": "/api/v1/products",
        "category + price": "/api/v1/products?category=electronics&min_price=10000&max_price=50000",
        "search 'phone'": "/api/v1/products?q=phone",
        "product detail": f"/api/v1/products/{product_id}",
    }


def record_sql(env: dict[str, str], urls: dict[str, str], path: Path) -> None:
    """Run each request in-process once and keep the exact statements and parameters it sent."""
    os.environ.update(env)
    os.environ["LOG_LEVEL"] = "WARNING"  # the servers log each request; this run need not
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import event

    from app import create_app
    from app.extensions import db

    app = create_app()
    client = app.test_client()
    with app.app_context():
        engine = db.engine
    recorded: dict[str, list] = {}
    current: list = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):  # type: ignore[no-untyped-def]
        current.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    for url in urls.values():
        client.get(url)  # warm caches
        current.clear()
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        recorded[url] = list(current)
    event.remove(engine, "before_cursor_execute", capture)
    with path.open("wb") as handle:
        pickle.dump(recorded, handle)


def print_table_header(header: str) -> None:
    """A table's column names and the rule under them."""
    print(header)
    print("-" * len(header))


def worktree_at(ref: str) -> Path:
    """A worktree of the repository at `ref`, for serving the app as it was (--against)."""
    tree = Path(tempfile.mkdtemp(prefix="duka-before-")) / "tree"
    subprocess.run(["git", "worktree", "add", "--detach", str(tree), ref], cwd=ROOT, check=True, capture_output=True)
    return tree


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(target: str, env: dict[str, str], workers: int, root: Path = ROOT) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            target,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--config",
            "python:bench.gunicorn_bench",
        ],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/api/v1/products/0", timeout=2)
        except urllib.error.HTTPError:
            return process, base  # answered (404): up
        except OSError:
            time.sleep(0.2)
        else:
            return process, base
    process.kill()
    raise SystemExit(f"{target} did not start")


def drive(url: str, concurrency: int, seconds: float, raw: bool = False, accept_encoding: str = "") -> dict:
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "load.py"),
            url,
            "--concurrency",
            str(concurrency),
            "--seconds",
            str(seconds),
            *(["--raw"] if raw else []),
            *(["--header", f"Accept-Encoding: {accept_encoding}"] if accept_encoding else []),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


def drive_wrk(url: str, concurrency: int, seconds: float, accept_encoding: str = "") -> dict:
    """One run of wrk (one thread: enough for a few thousand requests a second) on `url`."""
    out = subprocess.run(
        [
            "wrk",
            "--threads",
            "1",
            "--connections",
            str(concurrency),
            "--duration",
            f"{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "--script",
            str(ROOT / "bench" / "wrk_report.lua"),
            *(["--header", f"Accept-Encoding: {accept_encoding}"] if accept_encoding else []),
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    report = json.loads(out.stdout.strip().splitlines()[-1])
    report["errors"] += report.pop("non_2xx")
    return report


def _proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def server_cpu(process: subprocess.Popen) -> float:
    """CPU seconds used so far by a gunicorn master's workers."""
    try:
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
        return sum(_proc_cpu(int(pid)) for pid in children)
    except OSError:
        return float("nan")


class DatabaseCpu:
    """CPU seconds used by PostgreSQL's backends serving the benchmark database (when the server
    runs on this machine: read from /proc; NaN otherwise)."""

    def __init__(self, url: str) -> None:
        import psycopg2

        self.conn = psycopg2.connect(url)
        self.conn.autocommit = True

    def sample(self) -> dict[int, float]:
        with self.conn.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            )
            pids = [row[0] for row in cursor.fetchall()]
        used: dict[int, float] = {}
        for pid in pids:
            try:
                used[pid] = _proc_cpu(pid)
            except OSError:
                return {}  # not local
        return used

    @staticmethod
    def spent(before: dict[int, float], after: dict[int, float]) -> float:
        if not after:
            return float("nan")
        return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def pooled(runs: list[dict]) -> dict[str, float]:
    """Requests/s over all rounds, and percentiles over every latency of every round (the Python
    driver), or the worst round's (wrk reports percentiles, not latencies)."""
    latencies = sorted(latency for run in runs for latency in run.get("latencies", ()))

    def pct(p: float) -> float:
        if runs and "latencies" not in runs[0]:
            return round(max(run[f"p{p}"] for run in runs), 2)
        if not latencies:
            return float("nan")
        return round(latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000, 2)

    seconds = sum(run["seconds"] for run in runs)
    requests = sum(run["requests"] for run in runs)
    return {
        "cpu_ms": round(sum(run["cpu"] for run in runs) / requests * 1000, 2) if requests else float("nan"),
        "db_cpu_ms": round(sum(run["db_cpu"] for run in runs) / requests * 1000, 2) if requests else float("nan"),
        "rps": round(requests / seconds, 1) if seconds else 0.0,
        "errors": sum(run["errors"] for run in runs),
        "p50": pct(50),
        "p95": pct(95),
        "p99": pct(99),
        "bytes": runs[-1]["bytes"] if runs else 0,
    }


def measure(
    driver: str, servers: dict[str, tuple[subprocess.Popen, str]], urls: dict[str, str], args: argparse.Namespace
) -> dict[str, dict[str, dict[str, Any]]]:
    """Each URL driven in rounds that alternate app and baseline, so a slow drift of the (shared,
    virtual) machine's speed weighs on both alike."""
    results: dict[str, dict[str, dict[str, Any]]] = {}
    database = DatabaseCpu(args.database_url)
    per_round = args.seconds / args.rounds

    def run_once(url: str, seconds: float) -> dict:
        if driver == "wrk":
            return drive_wrk(url, args.concurrency, seconds, accept_encoding=args.accept_encoding)
        return drive(url, args.concurrency, seconds, raw=True, accept_encoding=args.accept_encoding)

    def per_round_ratios(runs: dict[str, list[dict]], of: str, to: str) -> list[float]:
        return [
            round(a["requests"] / a["seconds"] / (b["requests"] / b["seconds"]), 2)
            for a, b in zip(runs[of], runs[to], strict=True)
            if b["requests"]
        ]

    for label, path in urls.items():
        runs: dict[str, list[dict]] = {name: [] for name in servers}
        for _, base in servers.values():
            run_once(base + path, 2)  # warm-up
        for _ in range(args.rounds):
            for name, (process, base) in servers.items():
                before, db_before = server_cpu(process), database.sample()
                run = run_once(base + path, per_round)
                run["cpu"] = server_cpu(process) - before
                run["db_cpu"] = database.spent(db_before, database.sample())
                runs[name].append(run)
        results[label] = {name: pooled(found) for name, found in runs.items()}
        results[label]["rounds"] = {"ratios": per_round_ratios(runs, "app", "baseline")}
        if "before" in runs:
            results[label]["rounds"]["after_before"] = per_round_ratios(runs, "app", "before")
    return results


def report(driver: str, results: dict[str, dict[str, dict[str, Any]]], args: argparse.Namespace) -> bool:
    print(
        f"\ndriver: {driver}; {args.products} products, gunicorn {args.workers} sync workers, concurrency "
        f"{args.concurrency}, {args.seconds:.0f} s per request and server in {args.rounds} alternating rounds, "
        f"Accept-Encoding: {args.accept_encoding or '(none)'}\n"
    )
    print_table_header(
        f"{'request':18} {'':9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}"
        f" {'server CPU ms/req':>18} {'db CPU ms/req':>14} {'bytes':>7}"
    )
    ok = True
    for label, by_target in results.items():
        for name in [name for name in ("before", "app", "baseline") if name in by_target]:
            r = by_target[name]
            print(
                f"{label:18} {name:9} {r['rps']:8.1f} {r['p50']:8.1f} {r['p95']:8.1f} {r['p99']:8.1f} {r['errors']:7d}"
                f" {r['cpu_ms']:18.2f} {r['db_cpu_ms']:14.2f} {r['bytes']:7d}"
            )
        ratio = by_target["app"]["rps"] / by_target["baseline"]["rps"] if by_target["baseline"]["rps"] else 0
        p99_ok = by_target["app"]["p99"] < 40
        ok = ok and p99_ok and ratio >= 0.7 and by_target["app"]["errors"] == 0
        print(
            f"{'':18} {'ratio':9} {ratio:8.2f}   p99 < 40 ms: {'yes' if p99_ok else 'NO'}"
            f"   ratio >= 0.7: {'yes' if ratio >= 0.7 else 'NO'}"
            f"   (per round: {', '.join(f'{r:.2f}' for r in by_target['rounds']['ratios'])})"
        )
        if "before" in by_target:
            gain = by_target["app"]["rps"] / by_target["before"]["rps"] if by_target["before"]["rps"] else 0
            print(
                f"{'':18} {'app/before':9} {gain:8.2f}   (per round: "
                f"{', '.join(f'{r:.2f}' for r in by_target['rounds']['after_before'])})"
            )
    print(f"\n{driver}: all targets met" if ok else f"\n{driver}: some targets NOT met")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20, help="per request and server, over all rounds")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5, help="alternating app/baseline rounds per request")
    parser.add_argument(
        "--driver",
        choices=["wrk", "python", "both"],
        default="wrk" if shutil.which("wrk") else "python",
        help="the load generator: wrk (Debian's package; the default where installed), bench/load.py, or both",
    )
    parser.add_argument(
        "--accept-encoding",
        default="gzip, deflate, br",
        help="sent with every request, as browsers do ('' for none); the baseline never compresses",
    )
    parser.add_argument(
        "--against",
        metavar="GIT_REF",
        help="also serve the app as it was at GIT_REF (a git worktree), in the same rounds: app/before",
    )
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated words picking requests by label (e.g. 'list,detail'); default: all four",
    )
    args = parser.parse_args()
    if args.driver in ("wrk", "both") and not shutil.which("wrk"):
        raise SystemExit("wrk not found: apt-get install wrk (or --driver python)")

    workdir = Path(tempfile.mkdtemp(prefix="duka-bench-"))
    env = {
        **os.environ,
        "APP_ENV": "development",
        "DATABASE_URL": args.database_url,
        "BENCH_DATABASE_URL": args.database_url,
        "BENCH_SQL_FILE": str(workdir / "sql.pickle"),
        "MEDIA_ROOT": str(workdir / "media"),
        "LOG_LEVEL": "INFO",
    }
    ensure_database(args.database_url)
    load_catalog(env, args.products)
    urls = pick_urls(env)
    if args.only:
        words = [word.strip() for word in args.only.split(",") if word.strip()]
        urls = {label: url for label, url in urls.items() if any(word in label for word in words)}
    record_sql(env, urls, Path(env["BENCH_SQL_FILE"]))

    servers = {"app": serve("run:app", env, args.workers)}
    before_tree = worktree_at(args.against) if args.against else None
    if before_tree is not None:
        servers["before"] = serve("run:app", env, args.workers, root=before_tree)
    servers["baseline"] = serve("bench.baseline:app", env, args.workers)
    drivers = ["wrk", "python"] if args.driver == "both" else [args.driver]
    try:
        measured = {driver: measure(driver, servers, urls, args) for driver in drivers}
    finally:
        for process, _ in servers.values():
            process.terminate()
            process.wait(timeout=30)
        if before_tree is not None:
            subprocess.run(["git", "worktree", "remove", "--force", str(before_tree)], cwd=ROOT, check=False)
    for driver, results in measured.items():
        report(driver, results, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
