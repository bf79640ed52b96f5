"""flask seed-demo and create-admin."""

from __future__ import annotations

from app.auth.models import User
from app.extensions import db


def count_users() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(User))


def test_seed_demo_is_idempotent_and_prints_credentials(app, client):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo", "--products", "12"])
    assert first.exit_code == 0, first.output
    assert "admin@duka.test" in first.output and "Duka-Admin-2026!" in first.output
    assert "12 products and 12 images added" in first.output
    n = count_users()
    assert n >= 3
    second = runner.invoke(args=["seed-demo", "--products", "12"])
    assert second.exit_code == 0 and count_users() == n
    assert "0 products and 0 images added" in second.output
    assert "Delivery zones: 5 added" in first.output and "Delivery zones: 0 added" in second.output
    more = runner.invoke(args=["seed-demo", "--products", "15"])
    assert "3 products and 3 images added" in more.output
    listing = client.get("/api/v1/products?per_page=100&seller=sami-electronics").get_json()
    assert 0 < listing["meta"]["total"] <= 15  # a few demo products are inactive
    assert all(p["image"] and p["image"]["thumbnail_url"] for p in listing["items"])
    # Demo ratings are what the API would compute: no average without ratings behind it.
    assert all((p["rating_count"] == 0) == (p["rating_average"] == "0.00") for p in listing["items"])
    assert any(p["rating_count"] > 0 for p in listing["items"])
    assert client.get("/api/v1/categories").get_json()[0]["children"]
    login = client.post("/api/v1/auth/login", json={"email": "supplier@duka.test", "password": "Duka-Supplier-2026!"})
    assert login.status_code == 200 and login.get_json()["user"]["role"] == "supplier"
    quote = client.post("/api/v1/delivery-zones/quote", json={"county": "Nairobi", "town": "Westlands"})
    assert quote.get_json()["zone"]["name"] == "Nairobi Metro"
    # The marketplace: a second seller with products, a pending application, two orders.
    assert "1 pending application and 2 orders (one paid by M-Pesa) added" in first.output
    assert "0 pending application and 0 order" in second.output
    crafts = client.get("/api/v1/products?seller=kikapu-crafts").get_json()
    assert crafts["meta"]["total"] == 4
    from sqlalchemy import func, select

    from app.sellers.models import SellerOrder

    assert db.session.scalar(select(func.count()).select_from(SellerOrder)) == 3
    # The order paid by M-Pesa went through settlement and was delivered: the artisan's earnings
    # are available to pay out.
    from app.catalog.models import Seller
    from app.ledger import chart
    from app.ledger.chart import SellerBucket
    from app.ledger.services import balance, verify

    kikapu = db.session.scalar(select(Seller.id).where(Seller.slug == "kikapu-crafts"))
    assert balance(chart.seller(kikapu, SellerBucket.AVAILABLE)) > 0
    assert verify() == []


def test_create_admin(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-admin", "--email", "Boss@Duka.test", "--password", "Mkubwa-Sana-2026"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(db.select(User).where(User.email == "boss@duka.test"))
    assert user.role == "admin"


def test_create_admin_refuses_weak_password(app):
    result = app.test_cli_runner().invoke(args=["create-admin", "--email", "a@duka.test", "--password", "password"])
    assert result.exit_code != 0
    assert "common" in result.output
