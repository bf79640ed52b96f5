"""Seller dashboard benchmark: a marketplace's worth of orders on PostgreSQL, one busy seller.

    .venv/bin/python bench/sellers.py [--database-url URL] [--sellers 200] [--orders 100000]
                                      [--requests 200]

1. Migrates a database of its own (`duka_bench_sellers`), loads the small demo catalog (zone,
   categories, users), then `--sellers` sellers with five products each and `--orders` orders
   spread over the last 180 days, one seller's part each, every 16th for the busy seller (6,250 of
   100,000), in every status a part goes through; 2 % of the delivered ones with a return. The
   orders are written by INSERT ... SELECT over generate_series (a minute, not an hour), then
   ANALYZE. Run again, it reuses what it made.
2. Asks `GET /seller/dashboard?period=7d|30d|90d` as the busy seller through the app (in-process
   test client: the view, its queries and the JSON, not the network), `--requests` times each
   after a warm-up, and prints p50/p95/p99 per period, and the queries one dashboard runs.

Target (2-core machine): p95 < 50 ms for the busy seller, every period.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.catalog import BIN, ensure_database  # noqa: E402
from bench.checkout import pct  # noqa: E402

DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/duka_bench_sellers"
BUSY_EVERY = 16  # every 16th order is the busy seller's

# Parts by status, in the proportions a running shop has: mostly delivered, some on the way.
STATUSES = (
    "ARRAY['delivered','delivered','delivered','delivered','delivered','delivered',"
    "'shipped','packed','to_fulfil','cancelled']"
)


def prepare(env: dict[str, str], sellers: int, orders: int) -> int:
    """The schema, the demo catalog, the sellers and the orders; returns the busy seller's owner id."""
    flask = [str(BIN / "flask"), "--app", "run:app"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([*flask, "seed-demo", "--products", "40"], cwd=ROOT, env=env, check=True, capture_output=True)
    os.environ.update(env)
    from decimal import Decimal

    from sqlalchemy import func, select, text

    from app import create_app
    from app.auth.models import Role, User
    from app.catalog.models import Category, Product, Seller
    from app.common.db import unit_of_work
    from app.common.types import utcnow
    from app.extensions import db
    from app.orders.models import Order

    app = create_app()
    with app.app_context():
        with unit_of_work():
            category = db.session.scalar(select(Category).where(Category.parent_id.is_not(None)).order_by(Category.id))
            buyer = db.session.scalar(select(User).where(User.email == "customer@duka.test"))
            made = db.session.scalar(select(func.count()).select_from(Seller).where(Seller.name.like("Bench seller %")))
            for n in range(made, sellers):
                owner = User(
                    email=f"bench-seller-{n}@duka.test",
                    password_hash="!",  # never logs in with a password: the benchmark issues its token
                    role=Role.SUPPLIER.value,
                    name=f"Bench Seller {n}",
                    invite_code=f"BS{n:08d}",
                    terms_accepted_at=utcnow(),
                )
                db.session.add(owner)
                db.session.flush()
                seller = Seller(name=f"Bench seller {n}", slug=f"bench-seller-{n}", owner_id=owner.id, about="")
                db.session.add(seller)
                db.session.flush()
                for p in range(5):
                    db.session.add(
                        Product(
                            seller_id=seller.id,
                            category_id=category.id,
                            name=f"Bench product {n}-{p}",
                            slug=f"bench-product-{n}-{p}",
                            sku=f"BP-{n}-{p}",
                            price=Decimal("1500.00") + p * 100,
                            stock=3 if p == 0 else 100,
                        )
                    )
        have = db.session.scalar(select(func.count()).select_from(Order).where(Order.reference.like("B%")))
        if not have:
            started = time.perf_counter()
            _orders(orders, buyer.id)
            print(f"wrote {orders:,} orders in {time.perf_counter() - started:.1f} s", flush=True)
        with unit_of_work():
            db.session.execute(text("ANALYZE"))
        return int(db.session.scalar(select(Seller.owner_id).where(Seller.slug == "bench-seller-0")))


def _orders(count: int, buyer_id: int) -> None:
    """Orders, their one line, their seller order and some returns, by INSERT ... SELECT."""
    from sqlalchemy import text

    from app.common.db import unit_of_work
    from app.extensions import db

    params = {"count": count, "buyer": buyer_id, "busy": BUSY_EVERY}
    statements = [
        # Which seller and product each order buys from: every 16th the busy seller (bench-seller-0).
        """CREATE TEMP TABLE bench_plan AS
           SELECT i,
                  CASE WHEN i % :busy = 0 THEN 0 ELSE 1 + (i % (s.n - 1)) END AS seller_n,
                  (i / :busy) % 5 AS product_n,
                  1 + (i % 3) AS quantity,
                  now() - make_interval(days => i % 180, secs => (i * 7919) % 86400) AS at,
                  ("""
        + STATUSES
        + """)[1 + (i % 10)] AS status
           FROM generate_series(1, :count) AS i,
                (SELECT count(*) AS n FROM sellers WHERE name LIKE 'Bench seller %') AS s""",
        """CREATE TEMP TABLE bench_rows AS
           SELECT p.i, p.quantity, p.at, p.status, pr.id AS product_id, pr.seller_id, pr.name, pr.sku, pr.price
           FROM bench_plan p
           JOIN sellers se ON se.slug = 'bench-seller-' || p.seller_n
           JOIN products pr ON pr.slug = 'bench-product-' || p.seller_n || '-' || p.product_n""",
        """INSERT INTO orders (reference, user_id, status, payment_method, currency, subtotal, delivery_fee, total,
                               shipping_address, delivery_zone, created_at, updated_at, paid_at)
           SELECT 'B' || lpad(i::text, 9, '0'), :buyer,
                  CASE status WHEN 'to_fulfil' THEN 'paid' WHEN 'packed' THEN 'processing' ELSE status END,
                  'mpesa', 'KES', price * quantity, 25000, price * quantity + 25000,
                  '{"recipient": "Bench", "phone": "+254712345678", "county": "Nairobi", "town": "Nairobi"}',
                  '{"name": "Nairobi Metro", "fee": "250.00", "days": 1}', at, at, at
           FROM bench_rows""",
        """INSERT INTO order_lines (order_id, product_id, seller_id, name, sku, unit_price, quantity, line_total)
           SELECT o.id, r.product_id, r.seller_id, r.name, r.sku, r.price, r.quantity, r.price * r.quantity
           FROM bench_rows r JOIN orders o ON o.reference = 'B' || lpad(r.i::text, 9, '0')""",
        """INSERT INTO seller_orders (order_id, seller_id, reference, status, units, subtotal, commission, net,
                                      created_at, updated_at)
           SELECT o.id, r.seller_id, o.reference || '-1', r.status, r.quantity, r.price * r.quantity,
                  r.price * r.quantity / 10, r.price * r.quantity - r.price * r.quantity / 10, r.at, r.at
           FROM bench_rows r JOIN orders o ON o.reference = 'B' || lpad(r.i::text, 9, '0')""",
        """INSERT INTO returns (order_id, user_id, status, reason, created_at, updated_at)
           SELECT o.id, :buyer, 'refunded', 'damaged',
                  o.created_at + interval '3 days', o.created_at + interval '3 days'
           FROM orders o WHERE o.reference LIKE 'B%' AND o.status = 'delivered' AND o.id % 50 = 0""",
        """INSERT INTO return_lines (return_id, order_line_id, product_id, name, unit_price, quantity)
           SELECT r.id, l.id, l.product_id, l.name, l.unit_price, 1
           FROM returns r JOIN order_lines l ON l.order_id = r.order_id
           WHERE r.id NOT IN (SELECT return_id FROM return_lines)""",
    ]
    with unit_of_work():
        for statement in statements:
            db.session.execute(text(statement), params)


def measure(owner_id: int, requests: int) -> None:
    from sqlalchemy import event

    from app import create_app
    from app.auth import sessions
    from app.auth.models import User
    from app.extensions import db

    app = create_app()
    with app.app_context():
        owner = db.session.get(User, owner_id)
        session = sessions.start_session(owner, ip_address="127.0.0.1", user_agent="bench")
        token = sessions.issue_tokens(owner, session)["access_token"]
        db.session.commit()
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        queries: list[str] = []

        def count(*_: Any) -> None:
            queries.append("q")

        engine = db.engine
        for period in ("7d", "30d", "90d"):
            for _ in range(10):  # warm-up
                assert client.get(f"/api/v1/seller/dashboard?period={period}", headers=headers).status_code == 200
            event.listen(engine, "before_cursor_execute", count)
            queries.clear()
            client.get(f"/api/v1/seller/dashboard?period={period}", headers=headers)
            event.remove(engine, "before_cursor_execute", count)
            one = len(queries)
            times = []
            for _ in range(requests):
                started = time.perf_counter()
                response = client.get(f"/api/v1/seller/dashboard?period={period}", headers=headers)
                times.append(time.perf_counter() - started)
                assert response.status_code == 200, response.get_json()
            body = response.get_json()
            print(
                f"{period:>4}: p50 {pct(times, 50):6.1f} ms  p95 {pct(times, 95):6.1f} ms  p99 {pct(times, 99):6.1f} ms"
                f"  ({one} queries; busy seller's orders in it {body['sales']['orders']:,}, "
                f"gross {body['sales']['gross']})",
                flush=True,
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--sellers", type=int, default=200)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    ensure_database(args.database_url)
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "LOG_LEVEL": "WARNING",
    }
    owner_id = prepare(env, args.sellers, args.orders)
    print(f"{args.sellers} sellers, {args.orders:,} orders; the busy seller has every {BUSY_EVERY}th", flush=True)
    measure(owner_id, args.requests)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
