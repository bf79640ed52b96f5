"""A slow payment provider must not starve the API: /health while M-Pesa takes 8 s to answer.

    .venv/bin/python bench/slow_provider.py [--database-url URL] [--delay 8] [--refreshes 10]
                                            [--threads 4] [--compare]

1. Starts a stand-in for Daraja on a local port (OAuth and STK Push answer at once; the STK
   Push Query answers "still processing" after `--delay` seconds, as a provider in trouble does).
2. Migrates a database of its own (`duka_bench_slow`) and serves the app with the production
   gunicorn settings (`gunicorn.conf.py`: 2 workers, `--threads` threads each) against it.
3. Over HTTP, `--refreshes` customers each place an M-Pesa order and start its payment, then all
   of them call `POST /payments/{id}/refresh` at once (distinct payments: the per-payment
   throttle does not help), while a poller asks `GET /health` every 50 ms.
4. Prints p50 / p95 / max of `/health` during the refreshes, and what the refreshes got.

`--compare` runs it twice: as the app is now (threads, PROVIDER_CALLS_AT_ONCE) and as it was
(one sync thread per worker, no bulkhead). Target: `/health` p95 under 100 ms with the provider
taking 8 s and 10 concurrent refreshes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.catalog import BIN, ensure_database, free_port  # noqa: E402
from bench.checkout import PASSWORD, ensure_buyer  # noqa: E402

DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/duka_bench_slow"


def slow_daraja(delay: float) -> tuple[ThreadingHTTPServer, str]:
    """Daraja's three endpoints, the query slow; returns the server and its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # OAuth
            self._answer(200, {"access_token": "bench-token", "expires_in": "3599"})

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path.startswith("/mpesa/stkpushquery"):
                time.sleep(delay)
                self._answer(
                    500,
                    {
                        "requestId": "bench",
                        "errorCode": "500.001.1001",
                        "errorMessage": "The transaction is being processed",
                    },
                )
                return
            self._answer(
                200,
                {
                    "MerchantRequestID": "bench",
                    "CheckoutRequestID": f"ws_CO_{uuid.uuid4().hex}",
                    "ResponseCode": "0",
                    "ResponseDescription": "Success. Request accepted for processing",
                    "CustomerMessage": "Success. Request accepted for processing",
                },
            )

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def call(base: str, method: str, path: str, token: str | None = None, body: Any = None, **headers: str) -> Any:
    request = urllib.request.Request(f"{base}{path}", method=method)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    for name, value in headers.items():
        request.add_header(name.replace("_", "-"), value)
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, data=data, timeout=60) as response:
        return json.loads(response.read() or b"null")


def prepare_buyers(env: dict[str, str], count: int) -> None:
    """Accounts with an address (in-process, idempotent), and a small catalog."""
    flask = [str(BIN / "flask"), "--app", "run:app"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([*flask, "seed-demo", "--products", "20"], cwd=ROOT, env=env, check=True, capture_output=True)
    os.environ.update(env)
    from sqlalchemy import update

    from app import create_app
    from app.common.db import unit_of_work
    from app.extensions import db
    from app.orders.models import Order

    app = create_app()
    with app.app_context(), unit_of_work():
        # Earlier runs' orders are cancelled: each buyer starts with nothing unpaid.
        db.session.execute(update(Order).where(Order.status == "pending_payment").values(status="cancelled"))
        for i in range(count):
            ensure_buyer(f"slow{i}@bench.test", f"Slow {i}", f"Bench Road {i}")


def pending_payments(base: str, count: int) -> list[tuple[str, int]]:
    """Per buyer: log in, buy one product, start its M-Pesa payment; (token, payment id)."""
    products = call(base, "GET", "/api/v1/products?per_page=50&in_stock=true")["items"]
    started = []
    for i in range(count):
        token = call(base, "POST", "/api/v1/auth/login", body={"email": f"slow{i}@bench.test", "password": PASSWORD})[
            "access_token"
        ]
        call(
            base, "POST", "/api/v1/cart/lines", token, {"product_id": products[i % len(products)]["id"], "quantity": 1}
        )
        address = call(base, "GET", "/api/v1/me/addresses", token)["items"][0]
        order = call(
            base,
            "POST",
            "/api/v1/orders",
            token,
            {"address_id": address["id"], "payment_method": "mpesa"},
            Idempotency_Key=str(uuid.uuid4()),
        )
        # A number per buyer: one phone gets at most STK_PUSHES_PER_PHONE prompts.
        phone = f"07120000{i:02d}"
        payment = call(
            base, "POST", "/api/v1/payments/mpesa/stk-push", token, {"order_id": order["id"], "phone": phone}
        )
        started.append((token, payment["id"]))
    return started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def run(label: str, args: argparse.Namespace, threads: int, at_once: int) -> dict[str, Any]:
    daraja, daraja_url = slow_daraja(args.delay)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    workdir = Path(tempfile.mkdtemp(prefix="duka-bench-slow-"))
    env = {
        **os.environ,
        "APP_ENV": "development",
        "DATABASE_URL": args.database_url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": str(threads),
        "PROVIDER_CALLS_AT_ONCE": str(at_once),
        "MEDIA_ROOT": str(workdir / "media"),
        "MAIL_OUTBOX_DIR": str(workdir / "outbox"),
        "LOG_LEVEL": "WARNING",
        "MPESA_BASE_URL": daraja_url,
        "MPESA_CONSUMER_KEY": "bench-key",
        "MPESA_CONSUMER_SECRET": "bench-secret",
        "MPESA_PASSKEY": "bench-passkey",
        "PUBLIC_BASE_URL": base,
        "PAYMENT_PROVIDER_TIMEOUT_SECONDS": str(int(args.delay) + 5),
        "PAYMENT_SANDBOX": "0",
    }
    prepare_buyers(env, args.refreshes)
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "run:app", "--config", "gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                call(base, "GET", "/api/v1/health")
                break
            except (OSError, urllib.error.URLError):
                if time.monotonic() > deadline:
                    raise SystemExit("the app did not start") from None
                time.sleep(0.2)
        payments = pending_payments(base, args.refreshes)

        health: list[float] = []
        stop = threading.Event()

        def poll() -> None:
            while not stop.is_set():
                began = time.perf_counter()
                try:
                    call(base, "GET", "/api/v1/health")
                except (OSError, urllib.error.URLError):
                    pass
                health.append((time.perf_counter() - began) * 1000)
                time.sleep(0.05)

        answers: list[tuple[int, float]] = []

        def refresh(token: str, payment_id: int) -> None:
            began = time.perf_counter()
            try:
                call(base, "POST", f"/api/v1/payments/{payment_id}/refresh", token)
                status = 200
            except urllib.error.HTTPError as error:
                status = error.code
            answers.append((status, time.perf_counter() - began))

        poller = threading.Thread(target=poll)
        poller.start()
        time.sleep(0.5)
        health.clear()  # only what the refreshes overlap
        refreshers = [threading.Thread(target=refresh, args=payment) for payment in payments]
        for thread in refreshers:
            thread.start()
        for thread in refreshers:
            thread.join()
        stop.set()
        poller.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
        daraja.shutdown()
    result = {
        "label": label,
        "health_n": len(health),
        "health_p50": statistics.median(health),
        "health_p95": percentile(health, 0.95),
        "health_max": max(health),
        "refreshes": Counter(status for status, _ in answers),
        "refresh_max_s": max(seconds for _, seconds in answers),
    }
    print(
        f"{label:<40} /health n={result['health_n']:>4} p50 {result['health_p50']:7.1f} ms  "
        f"p95 {result['health_p95']:7.1f} ms  max {result['health_max']:7.1f} ms  |  refreshes "
        f"{dict(result['refreshes'])}, slowest {result['refresh_max_s']:.1f} s",
        flush=True,
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_SLOW_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--delay", type=float, default=8.0, help="seconds the provider takes to answer a query")
    parser.add_argument("--refreshes", type=int, default=10, help="concurrent refreshes of distinct payments")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker (2 workers)")
    parser.add_argument("--compare", action="store_true", help="also run as before: 1 sync thread, no bulkhead")
    args = parser.parse_args()
    ensure_database(args.database_url)
    print(f"provider answers queries after {args.delay:.0f} s; {args.refreshes} refreshes at once; 2 workers")
    now = run(
        f"now: {args.threads} threads, bulkhead {max(1, args.threads // 2)}",
        args,
        args.threads,
        max(1, args.threads // 2),
    )
    if args.compare:
        run("before: 1 sync thread, no bulkhead", args, 1, 1000)
    verdict = "met" if now["health_p95"] < 100 else "MISSED"
    print(f"target /health p95 < 100 ms: {verdict} ({now['health_p95']:.1f} ms)")


if __name__ == "__main__":
    main()
