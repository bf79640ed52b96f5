"""Flask CLI commands: `flask --app run:app create-admin|seed-demo|send-outbox`."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import select

from app.auth.models import Role, User
from app.auth.passwords import check_password_policy, hash_password
from app.auth.services import new_invite_code
from app.common.db import unit_of_work
from app.common.fields import normalise_email
from app.common.types import utcnow
from app.errors import ValidationFailed
from app.extensions import db

DEMO_USERS = [
    # (role, email, password, name)
    (Role.ADMIN, "admin@duka.test", "Duka-Admin-2026!", "Amina Admin"),
    (Role.SUPPLIER, "supplier@duka.test", "Duka-Supplier-2026!", "Sami Supplier"),
    (Role.CUSTOMER, "customer@duka.test", "Duka-Customer-2026!", "Wanjiru Customer"),
    # The marketplace's demo: a second seller (an artisan) and a customer whose application waits.
    (Role.SUPPLIER, "artisan@duka.test", "Duka-Artisan-2026!", "Akinyi Artisan"),
    (Role.CUSTOMER, "applicant@duka.test", "Duka-Applicant-2026!", "Baraka Applicant"),
]


def ensure_user(email: str, password: str, name: str, role: Role) -> tuple[User, bool]:
    """Create a verified account with `role` unless the email exists. Returns (user, created)."""
    email = normalise_email(email)
    user = db.session.scalar(select(User).where(User.email == email))
    if user is not None:
        return user, False
    now = utcnow()
    user = User(
        email=email,
        name=name,
        role=role.value,
        password_hash=hash_password(password),
        invite_code=new_invite_code(),
        terms_accepted_at=now,
        email_verified_at=now,
        marketing_opt_in=False,
        marketing_opt_in_changed_at=now,
    )
    db.session.add(user)
    db.session.flush()
    return user, True


def register_cli(app: Flask) -> None:
    @app.cli.command("create-admin")
    @click.option("--email", required=True)
    @click.option("--password", required=True, help="At least 8 characters, not a common password")
    @click.option("--name", default="Administrator")
    def create_admin(email: str, password: str, name: str) -> None:
        """Create an admin account (or make an existing account admin)."""
        try:
            check_password_policy(password, email)
        except ValidationFailed as exc:
            raise click.BadParameter(
                "; ".join((exc.errors or {}).get("password", [exc.detail])), param_hint="--password"
            ) from None
        with unit_of_work():
            user, created = ensure_user(email, password, name, Role.ADMIN)
            if not created:
                user.role = Role.ADMIN.value
        click.echo(f"{'Created' if created else 'Promoted'} admin {user.email} (id {user.id})")

    @app.cli.command("seed-demo")
    @click.option(
        "--products",
        default=300,
        show_default=True,
        type=click.IntRange(0, 2_000_000),
        help="How many demo products the catalog should hold (large ones get no images)",
    )
    def seed_demo(products: int) -> None:
        """Load demo accounts and a demo catalog (idempotent) and print how to log in."""
        from app.catalog.demo import seed_catalog

        click.echo("Demo accounts (email / password):")
        users: dict[Role, User] = {}
        users_by_email: dict[str, User] = {}
        with unit_of_work():
            for role, email, password, name in DEMO_USERS:
                user, created = ensure_user(email, password, name, role)
                users.setdefault(role, user)
                users_by_email[email] = user
                state = "created" if created else "exists"
                click.echo(f"  {role.value:9} {email:22} {password:22} ({state})")
        from app.sellers.demo import demo_store

        with unit_of_work():
            store = demo_store(users[Role.SUPPLIER])
        made = seed_catalog(store, products=products)
        click.echo(
            f"Catalog: {made['categories']} leaf categories, {made['brands']} brands, "
            f"{made['products']} products and {made['images']} images added"
        )
        from app.orders.demo import seed_zones

        with unit_of_work():
            zones = seed_zones()
        click.echo(f"Delivery zones: {zones} added")
        from app.sellers.demo import seed_marketplace

        with unit_of_work():
            market = seed_marketplace(
                users[Role.CUSTOMER], users_by_email["applicant@duka.test"], users_by_email["artisan@duka.test"]
            )
        click.echo(
            f"Marketplace: {market['sellers']} seller, {market['products']} products, "
            f"{market['applications']} pending application and {market['orders']} orders (one paid by M-Pesa) added"
        )

    @app.cli.group("cart")
    def cart() -> None:
        """Carts."""

    @cart.command("purge-expired")
    def purge_expired_carts() -> None:
        """Delete guest carts past GUEST_CART_DAYS (Celery beat does it daily when a broker runs)."""
        from app.cart.lifecycle import purge_expired_guest_carts

        with unit_of_work():
            purged = purge_expired_guest_carts()
        click.echo(f"purged {purged} expired guest carts")

    @app.cli.group("orders")
    def orders() -> None:
        """Orders."""

    @orders.command("expire-unpaid")
    def expire_unpaid_orders() -> None:
        """Cancel and restock orders unpaid after ORDER_PAYMENT_TIMEOUT_MINUTES (cash excepted);
        cron it every few minutes when no Celery beat runs."""
        from app.orders.services.orders import expire_unpaid

        click.echo(f"expired {expire_unpaid()} unpaid orders")

    @orders.command("purge-idempotency-keys")
    def purge_idempotency_keys() -> None:
        """Delete Idempotency-Key records older than IDEMPOTENCY_KEY_HOURS."""
        from app.common.idempotency import purge_expired_keys

        with unit_of_work():
            purged = purge_expired_keys()
        click.echo(f"purged {purged} idempotency keys")

    @app.cli.group("ledger")
    def ledger() -> None:
        """The ledger."""

    @ledger.command("verify")
    def verify_ledger() -> None:
        """Recompute every balance from the postings; exit 1 on any difference."""
        from app.ledger.services import verify

        found = verify()
        for problem in found:
            click.echo(f"{problem.what}: {problem.detail}", err=True)
        if found:
            raise SystemExit(1)
        click.echo("ledger verified: every entry balances and every running balance equals its postings")

    @app.cli.group("sellers")
    def sellers() -> None:
        """Sellers."""

    @sellers.command("release-earnings")
    def release_seller_earnings() -> None:
        """Release to sellers' available balances the earnings past their return window (hourly
        on Celery beat; cron it when no beat runs)."""
        from app.sellers.services.earnings import release_due

        click.echo(f"released the earnings of {release_due()} seller orders")

    @sellers.command("scheduled-payouts")
    def scheduled_seller_payouts() -> None:
        """Pay out every seller's available balance (PAYOUT_SCHEDULE on Celery beat; cron it
        weekly when no beat runs)."""
        from app.sellers.services.payouts import scheduled_payouts

        click.echo(f"paid out {scheduled_payouts()} sellers")

    @app.cli.group("payouts")
    def payouts() -> None:
        """Payouts by M-Pesa B2C."""

    @payouts.command("send-due")
    def send_due_payouts() -> None:
        """Send queued payouts (approved, resumed, past a new number's hold)."""
        from app.payouts.services.disbursement import send_due

        click.echo(f"sent {send_due()} payouts")

    @payouts.command("check")
    def check_payouts() -> None:
        """Ask Daraja (Transaction Status) about payouts with no result in time; never re-send."""
        from app.payouts.services.disbursement import check_unsettled

        click.echo(f"asked about {check_unsettled()} payouts")

    @app.cli.group("wallet")
    def wallet() -> None:
        """Wallets."""

    @wallet.command("reconcile")
    def reconcile_top_ups() -> None:
        """Ask M-Pesa about pending top-ups older than a minute (cron it when no beat runs)."""
        from app.wallet.services.topups import reconcile_pending

        click.echo(f"settled {reconcile_pending()} top-ups")

    @app.cli.group("payments")
    def payments() -> None:
        """Payments."""

    @payments.command("reconcile")
    def reconcile_payments() -> None:
        """Ask M-Pesa about pending payments older than a minute (cron it when no beat runs)."""
        from app.payments.services.settlement import reconcile_pending

        click.echo(f"settled {reconcile_pending()} pending payments")

    @payments.command("simulate-callback")
    @click.argument("payment_id", type=int)
    @click.option("--result", type=click.Choice(["success", "cancelled", "insufficient", "wrong-pin", "unreachable"]))
    @click.option("--base-url", default=None, help="Where the API runs [default: PUBLIC_BASE_URL, from PORT]")
    def simulate_callback(payment_id: int, result: str | None, base_url: str | None) -> None:
        """Post Safaricom's documented STK callback for a pending M-Pesa payment to our own
        callback URL (as Safaricom would), to try a payment end to end locally."""
        import requests
        from flask import url_for

        from app.payments.models import Payment
        from app.payments.simulate import callback_body

        payment = db.session.get(Payment, payment_id)
        if payment is None or payment.provider != "mpesa" or not payment.provider_reference:
            raise click.ClickException(f"no M-Pesa payment {payment_id}")
        body = callback_body(payment, result or "success")
        # End the read before the server writes: on SQLite every transaction takes the write
        # lock (BEGIN IMMEDIATE), so holding it would keep the server's callback waiting.
        # (Nothing was changed: the commit only ends the transaction.)
        db.session.commit()
        base = (base_url or app.config["PUBLIC_BASE_URL"]).rstrip("/")
        with app.test_request_context():
            path = url_for("payments.mpesa_callback", secret=app.config["MPESA_CALLBACK_SECRET"])
        try:
            response = requests.post(base + path, json=body, timeout=10)
        except requests.RequestException as exc:
            raise click.ClickException(
                f"The API did not answer at {base} ({type(exc).__name__}): start it with `make run`, "
                "or name where it runs with --base-url."
            ) from None
        click.echo(f"callback answered {response.status_code}: {response.text.strip()}")

    @app.cli.command("send-outbox")
    def send_outbox() -> None:
        """Send every pending email of the outbox (after an SMTP or broker outage)."""
        from app.notifications.delivery import send_pending

        sent, failed = send_pending()
        for email_id, error in failed:
            click.echo(f"email {email_id}: {error}", err=True)
        click.echo(f"sent {sent}, failed {len(failed)}")
