"""Checkout benchmark: the app under gunicorn on PostgreSQL, virtual customers buying.

    .venv/bin/python bench/checkout.py [--database-url URL] [--concurrency 8] [--seconds 20]
                                       [--workers 2] [--broker redis://...] [--against GIT_REF]

1. Migrates a database of its own (`duka_bench_checkout`), loads a small demo catalog, a delivery
   zone, and per virtual customer an account, an address and a login.
2. Serves the app (`gunicorn run:app`) and runs `--concurrency` virtual customers in threads of
   this process for `--seconds` per scenario:
   - distinct: each customer in a loop adds one product to its cart (`POST /cart/lines`) and
     checks out (`POST /orders` with a fresh Idempotency-Key); no two customers buy the same
     product (no two checkouts touch one stock row);
   - contended: the same, everyone buying one product;
   - cart: everyone reading their cart of three lines (`GET /cart`), as a cart page does.
3. Prints checkouts/s, p50/p95/p99 of `POST /orders` and `GET /cart`, errors, and the CPU the
   gunicorn workers, PostgreSQL's backends and this driver spent per checkout (or per read).
   Checks for oversell: the contended product's stock went down by exactly the units the orders
   hold, and a last phase sells a product of 200 units to everyone at once: exactly 200 sold,
   stock 0, the rest 409.

With `--against GIT_REF`, the app as it was at that commit is served too (a git worktree, the
same database and customers), and each scenario runs on both in alternating rounds: checkouts/s
after/before (target: at least 1.0) and CPU per checkout, measured in one run.

With a broker (the default, Redis, as in production) the confirmation email is queued, not sent
in the request; the CPU a worker spends sending one is measured in-process and printed.

Targets (2-core machine): distinct >= 100 checkouts/s with POST /orders p95 < 150 ms; contended
>= 50 checkouts/s, no oversell; GET /cart p95 < 20 ms.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import brotli

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.catalog import (  # noqa: E402
    BIN,
    DatabaseCpu,
    ensure_database,
    print_table_header,
    serve,
    server_cpu,
    worktree_at,
)

DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/duka_bench_checkout"
PASSWORD = "Bench-Buyer-2026!"
EXHAUST_STOCK = 200


def prepare(env: dict[str, str], customers: int) -> dict[str, Any]:
    """Schema, demo catalog, a zone, the customers and the products they buy (idempotent)."""
    flask = [str(BIN / "flask"), "--app", "run:app"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([*flask, "seed-demo", "--products", "40"], cwd=ROOT, env=env, check=True, capture_output=True)
    os.environ.update(env)
    from decimal import Decimal

    from sqlalchemy import select

    from app import create_app
    from app.catalog.models import Category, Product, Seller
    from app.common.db import unit_of_work
    from app.extensions import db

    app = create_app()
    with app.app_context(), unit_of_work():
        seller = db.session.scalar(select(Seller).where(Seller.is_house.is_(False)).order_by(Seller.id))
        category = db.session.scalar(select(Category).where(Category.parent_id.is_not(None)).order_by(Category.id))

        def product(name: str, stock: int) -> int:
            found = db.session.scalar(select(Product).where(Product.slug == name))
            if found is None:
                found = Product(
                    seller_id=seller.id,
                    category_id=category.id,
                    name=name,
                    slug=name,
                    sku=name,
                    price=Decimal("499.00"),
                    currency="KES",
                    stock=stock,
                    condition="new",
                    specifications={},
                )
                db.session.add(found)
            found.stock, found.is_active = stock, True
            db.session.flush()
            return found.id

        buyers = []
        for i in range(customers):
            user, address = ensure_buyer(f"buyer{i}@bench.test", f"Buyer {i}", f"Bench Road {i}")
            buyers.append(
                {
                    "email": user.email,
                    "address_id": address.id,
                    # Many products per buyer, so the distinct run never exhausts one.
                    "own": [product(f"bench-own-{i}-{k}", 1_000_000) for k in range(5)],
                }
            )
        contended = product("bench-contended", 1_000_000)
        exhaust = product("bench-exhaust", EXHAUST_STOCK)
    return {"buyers": buyers, "contended": contended, "exhaust": exhaust}


def ensure_buyer(email: str, name: str, street: str, phone: str = "+254712345678") -> tuple[Any, Any]:
    """A customer with PASSWORD and a default address in Nairobi (idempotent), in the caller's
    app context and unit of work; returns (user, address)."""
    from sqlalchemy import select

    from app.auth.models import Role
    from app.cli import ensure_user
    from app.extensions import db
    from app.users.models import Address

    user, _ = ensure_user(email, PASSWORD, name, Role.CUSTOMER)
    db.session.flush()
    address = db.session.scalar(select(Address).where(Address.user_id == user.id))
    if address is None:
        address = Address(
            user_id=user.id,
            label="Home",
            recipient=user.name,
            phone=phone,
            county="Nairobi",
            town="Nairobi",
            street=street,
            is_default=True,
        )
        db.session.add(address)
        db.session.flush()
    return user, address


class Client:
    """One virtual customer's HTTP/1.1 keep-alive connection, as an app would hold one."""

    def __init__(self, base: str) -> None:
        host, port = base.removeprefix("http://").split(":")
        self.host, self.port = host, int(port)
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        self.headers: dict[str, str] = {"Content-Type": "application/json", "Accept-Encoding": "gzip, br"}

    def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any, float]:
        data = json.dumps(body) if body is not None else None
        started = time.perf_counter()
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=data, headers={**self.headers, **(headers or {})})
                response = self.conn.getresponse()
                raw = response.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                if attempt == 2:
                    raise
        elapsed = time.perf_counter() - started
        encoding = response.getheader("Content-Encoding")
        if encoding == "gzip":
            raw = gzip.decompress(raw)
        elif encoding == "br":
            raw = brotli.decompress(raw)
        return response.status, json.loads(raw) if raw else None, elapsed


def login(base: str, buyers: list[dict[str, Any]]) -> list[Client]:
    clients = []
    for buyer in buyers:
        client = Client(base)
        status, body, _ = client.call("POST", "/api/v1/auth/login", {"email": buyer["email"], "password": PASSWORD})
        if status != 200:
            raise SystemExit(f"login failed: {status} {body}")
        client.headers["Authorization"] = f"Bearer {body['access_token']}"
        client.call("DELETE", "/api/v1/cart")  # a clean cart
        clients.append(client)
    return clients


def shop(clients: list[Client], buyers: list[dict[str, Any]], pick: Any, seconds: float) -> dict[str, Any]:
    """Run every client's add -> checkout loop for `seconds` (with `pick` None: cart reads only);
    latencies by call."""
    deadline = time.perf_counter() + seconds
    stats: dict[str, list[float]] = {"POST /orders": [], "GET /cart": [], "POST /cart/lines": []}
    outcome = {"checkouts": 0, "refused": 0, "errors": 0}
    lock = threading.Lock()
    start = threading.Barrier(len(clients))

    def run(index: int) -> None:
        client, buyer = clients[index], buyers[index]
        mine: dict[str, list[float]] = {name: [] for name in stats}
        done = refused = errors = 0
        n = 0
        start.wait()
        while pick is None and time.perf_counter() < deadline:
            status, _, took = client.call("GET", "/api/v1/cart")
            mine["GET /cart"].append(took)
            done += status == 200
            errors += status != 200
        while pick is not None and time.perf_counter() < deadline:
            product_id = pick(buyer, n)
            n += 1
            status, _, took = client.call("POST", "/api/v1/cart/lines", {"product_id": product_id, "quantity": 1})
            mine["POST /cart/lines"].append(took)
            if status != 200:
                refused += status == 409
                errors += status != 409
                continue
            body = {"address_id": buyer["address_id"], "payment_method": "mpesa"}
            status, _, took = client.call("POST", "/api/v1/orders", body, {"Idempotency-Key": str(uuid.uuid4())})
            mine["POST /orders"].append(took)
            if status == 201:
                done += 1
            elif status == 409:
                refused += 1
                client.call("DELETE", "/api/v1/cart")
            else:
                errors += 1
        with lock:
            for name, values in mine.items():
                stats[name].extend(values)
            outcome["checkouts"] += done
            outcome["refused"] += refused
            outcome["errors"] += errors

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outcome["seconds"] = time.perf_counter() - started
    outcome["latencies"] = stats
    return outcome


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


def stock_and_sold(url: str, product_id: int) -> tuple[int, int]:
    import psycopg2

    conn = psycopg2.connect(url)
    with conn.cursor() as cursor:
        cursor.execute("SELECT stock FROM products WHERE id = %s", (product_id,))
        stock = cursor.fetchone()[0]
        cursor.execute(
            "SELECT coalesce(sum(l.quantity), 0) FROM order_lines l JOIN orders o ON o.id = l.order_id "
            "WHERE l.product_id = %s AND o.status <> 'cancelled'",
            (product_id,),
        )
        sold = cursor.fetchone()[0]
    conn.close()
    return stock, int(sold)


def settle_unpaid(url: str) -> None:
    """Mark the virtual customers' unpaid orders cancelled, as expiry would once their payment
    time passed. A customer holds a few unpaid orders (UNPAID_ORDERS_MAX, 3), not the
    thousands the runs leave (the cap is lifted so a run can go on): left in place, every
    checkout's count of its buyer's unpaid orders read them all (8 ms of PostgreSQL's CPU a
    checkout after a few runs, measured), so the figures drifted with the database's age.
    Plain SQL: the stock they hold is of the bench's own products, which have a million units."""
    import psycopg2

    conn = psycopg2.connect(url)
    with conn, conn.cursor() as cursor:
        cursor.execute(
            "UPDATE orders SET status = 'cancelled' WHERE status = 'pending_payment' "
            "AND user_id IN (SELECT id FROM users WHERE email LIKE 'buyer%%@bench.test')"
        )
    conn.close()


def email_cpu_ms(env: dict[str, str]) -> float:
    """CPU per confirmation email sent by a worker (the outbox rows the run left pending), and
    the broker's queue emptied (nobody consumed it)."""
    os.environ.update(env)
    from app import create_app
    from app.notifications.delivery import pending_email_ids, send_outbox_email

    app = create_app()
    with app.app_context():
        ids = pending_email_ids()[:200]
        started = time.process_time()
        for email_id in ids:
            send_outbox_email(email_id)
        spent = (time.process_time() - started) / max(len(ids), 1) * 1000
    app.extensions["celery"].control.purge()
    return spent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_CHECKOUT_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20, help="per scenario")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--against",
        metavar="GIT_REF",
        help="then serve the app as it was at GIT_REF (a git worktree) too, and run each scenario on both in "
        "3 alternating rounds: checkouts/s and CPU per checkout after/before, in one run",
    )
    parser.add_argument(
        "--broker",
        default="redis://127.0.0.1:6379/14",
        help="Celery broker, as in production: the confirmation email is queued, not sent in the request "
        "('' to send it eagerly in the request, as `make run` does)",
    )
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="duka-bench-checkout-"))
    env = {
        **os.environ,
        "APP_ENV": "development",
        "DATABASE_URL": args.database_url,
        "MEDIA_ROOT": str(workdir / "media"),
        "MAIL_OUTBOX_DIR": str(workdir / "outbox"),
        "LOG_LEVEL": "WARNING",
        "CELERY_BROKER_URL": args.broker,
        # Each virtual customer places hundreds of orders a scenario that nobody pays: lift the
        # per-account cap (its query still runs in every checkout, as in production), and settle
        # them between scenarios and rounds (settle_unpaid).
        "UNPAID_ORDERS_MAX": "100000000",
        "UNPAID_UNITS_MAX": "100000000",
    }
    ensure_database(args.database_url)
    setup = prepare(env, args.concurrency)
    buyers = setup["buyers"]
    process, base = serve("run:app", env, args.workers)
    database = DatabaseCpu(args.database_url)
    scenarios: dict[str, Any] = {
        "distinct": lambda buyer, n: buyer["own"][n % len(buyer["own"])],
        "contended": lambda buyer, n: setup["contended"],
        "cart": None,
    }
    results = {}
    try:
        clients = login(base, buyers)
        shop(clients, buyers, scenarios["distinct"], 3)  # warm-up
        for name, pick in scenarios.items():
            if pick is None:  # three lines in every cart, then read it
                for client, buyer in zip(clients, buyers, strict=True):
                    for product_id in buyer["own"][:3]:
                        client.call("POST", "/api/v1/cart/lines", {"product_id": product_id, "quantity": 1})
            settle_unpaid(args.database_url)
            stock_before, sold_before = stock_and_sold(args.database_url, setup["contended"])
            cpu_before, db_before, driver_before = server_cpu(process), database.sample(), time.process_time()
            outcome = shop(clients, buyers, pick, args.seconds)
            outcome["driver_cpu"] = time.process_time() - driver_before
            outcome["cpu"] = server_cpu(process) - cpu_before
            outcome["db_cpu"] = database.spent(db_before, database.sample())
            stock_after, sold_after = stock_and_sold(args.database_url, setup["contended"])
            outcome["consistent"] = stock_before - stock_after == sold_after - sold_before and stock_after >= 0
            results[name] = outcome
        settle_unpaid(args.database_url)
        _, sold_before = stock_and_sold(args.database_url, setup["exhaust"])
        exhaust = shop(clients, buyers, lambda buyer, n: setup["exhaust"], 5)
        exhaust_stock, exhaust_sold = stock_and_sold(args.database_url, setup["exhaust"])
        exhaust_sold -= sold_before
        compared = compare(args, env, buyers, clients, process, scenarios) if args.against else None
    finally:
        process.terminate()
        process.wait(timeout=30)

    print(
        f"\ngunicorn {args.workers} sync workers, {args.concurrency} virtual customers, "
        f"{args.seconds:.0f} s per scenario; a checkout = POST /cart/lines + POST /orders (per s: checkouts, "
        "or cart reads; CPU per checkout or read)\n"
    )
    print_table_header(
        f"{'scenario':10} {'per s':>7} {'POST /orders p50/p95/p99':>25} {'GET /cart p50/p95/p99':>22}"
        f" {'409':>5} {'errors':>6} {'server CPU ms':>13} {'db CPU ms':>9} {'driver CPU ms':>13}"
    )
    ok = True
    for name, r in results.items():
        orders, cart = r["latencies"]["POST /orders"], r["latencies"]["GET /cart"]
        rate = r["checkouts"] / r["seconds"]
        per = max(r["checkouts"], 1)
        print(
            f"{name:10} {rate:7.1f} {pct(orders, 50):8.1f} /{pct(orders, 95):6.1f} /{pct(orders, 99):6.1f}"
            f" {pct(cart, 50):8.1f} /{pct(cart, 95):5.1f} /{pct(cart, 99):5.1f}"
            f" {r['refused']:5d} {r['errors']:6d} {r['cpu'] / per * 1000:13.2f} {r['db_cpu'] / per * 1000:9.2f}"
            f" {r['driver_cpu'] / per * 1000:13.2f}"
        )
        if name == "cart":
            checks = {"GET /cart p95 < 20 ms": pct(cart, 95) < 20}
        else:
            target = 100 if name == "distinct" else 50
            checks = {f">= {target} checkouts/s": rate >= target, "stock consistent (no oversell)": r["consistent"]}
            if name == "distinct":
                checks["POST /orders p95 < 150 ms"] = pct(orders, 95) < 150
        checks["no errors"] = r["errors"] == 0
        ok = ok and all(checks.values())
        print(f"{'':10} " + "   ".join(f"{label}: {'yes' if met else 'NO'}" for label, met in checks.items()))
    if args.broker:
        print(
            f"\nemails queued on {args.broker}; a worker sends one in {email_cpu_ms(env):.2f} ms of CPU "
            "(measured in-process)"
        )
    exhausted_ok = exhaust_stock == 0 and exhaust_sold == EXHAUST_STOCK
    consistent = exhaust_stock >= 0 and exhaust_stock + exhaust_sold == EXHAUST_STOCK
    ok = ok and exhausted_ok
    verdict = (
        "no oversell"
        if exhausted_ok
        else "OVERSOLD"
        if not consistent
        else "no oversell, but the stock was not sold out in 5 s (too slow to tell)"
    )
    print(
        f"\n{EXHAUST_STOCK} units, everyone buying for 5 s: {exhaust_sold} sold, stock {exhaust_stock}, "
        f"{exhaust['refused']} refused (409), {exhaust['errors']} errors: {verdict}"
    )
    if compared is not None:
        ok = report_comparison(args, compared) and ok
    print("\nall targets met" if ok else "\nsome targets NOT met")
    return 0


def compare(
    args: argparse.Namespace,
    env: dict[str, str],
    buyers: list[dict[str, Any]],
    clients: list[Client],
    process: subprocess.Popen,
    scenarios: dict[str, Any],
) -> dict[str, dict[str, list[tuple[float, float]]]]:
    """Each scenario on the app and on the app as it was at --against, in rounds that alternate
    them (the same database, customers and carts): (per second, server CPU s per checkout or
    read) per round and server."""
    tree = worktree_at(args.against)
    before, before_base = serve("run:app", env, args.workers, root=tree)
    try:
        servers = {"app": (process, clients), "before": (before, login(before_base, buyers))}
        shop(servers["before"][1], buyers, scenarios["distinct"], 3)  # warm-up
        rounds = 3
        found: dict[str, dict[str, list[tuple[float, float]]]] = {}
        for name, pick in scenarios.items():
            found[name] = {"app": [], "before": []}
            for _ in range(rounds):
                for server, (proc, its_clients) in servers.items():
                    settle_unpaid(args.database_url)
                    cpu = server_cpu(proc)
                    outcome = shop(its_clients, buyers, pick, args.seconds / rounds)
                    done = max(outcome["checkouts"], 1)
                    rate = outcome["checkouts"] / outcome["seconds"]
                    found[name][server].append((rate, (server_cpu(proc) - cpu) / done))
        return found
    finally:
        before.terminate()
        before.wait(timeout=30)
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)


def report_comparison(args: argparse.Namespace, compared: dict[str, dict[str, list[tuple[float, float]]]]) -> bool:
    """Print after/before per scenario; the target: after/before >= 1.0 in checkouts/s."""
    print(f"\nagainst {args.against}, 3 alternating rounds per scenario ({args.seconds / 3:.1f} s each):\n")
    print_table_header(
        f"{'scenario':10} {'before/s':>9} {'app/s':>9} {'after/before':>13} {'per round':>20}"
        f" {'CPU ms before -> app':>22}"
    )
    ok = True
    for name, by_server in compared.items():
        before_rate = sum(rate for rate, _ in by_server["before"]) / len(by_server["before"])
        app_rate = sum(rate for rate, _ in by_server["app"]) / len(by_server["app"])
        pairs = zip(by_server["app"], by_server["before"], strict=True)
        rounds = ", ".join(f"{a[0] / b[0]:.2f}" for a, b in pairs if b[0])
        cpu_before = sum(cpu for _, cpu in by_server["before"]) / len(by_server["before"]) * 1000
        cpu_app = sum(cpu for _, cpu in by_server["app"]) / len(by_server["app"]) * 1000
        ratio = app_rate / before_rate if before_rate else 0.0
        ok = ok and ratio >= 1.0
        print(
            f"{name:10} {before_rate:9.1f} {app_rate:9.1f} {ratio:13.2f} {rounds:>20}"
            f" {cpu_before:13.2f} -> {cpu_app:.2f}"
        )
    print(f"after/before >= 1.0 in every scenario: {'yes' if ok else 'NO'}")
    return ok


if __name__ == "__main__":
    raise SystemExit(main())
