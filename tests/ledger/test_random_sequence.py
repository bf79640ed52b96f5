"""A random sequence of everything that moves money, with real commits on PostgreSQL (the deferred
trigger checks every entry as it commits): orders across sellers and the house, paid by each
method (a PayPal one converted), paid twice, cancelled, partly cancelled by a seller, partly
refunded by hand, returned, delivered and released, paid out by M-Pesa B2C (paid, failing,
timing out, never answered). Afterwards the ledger verifies, and what it says agrees with what
the domains' own tables say: each seller's balance is its delivered net less returns and
payouts, and each cash account is what its payments brought in less what went back."""

from __future__ import annotations

import json
import random
import re
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from app.common.db import unit_of_work
from app.common.types import utcnow
from app.extensions import db
from app.ledger import chart
from app.ledger.chart import SellerBucket, WalletBucket
from app.ledger.services import balances, positions, verify
from app.sandbox.store import deliver_pending

STEPS = 150
RATE = Decimal("129.50")  # KES per USD for PayPal
# Payouts go to these in turn: paid, a number M-Pesa refuses, a queue timeout (the status query
# finds it paid), no result ever (the status query finds it failed).
PHONES = ["+254712345678", "+254700002040", "+254700000099", "+254700000098"]


def _setup() -> dict[str, Any]:
    from app.catalog.services.sellers import house_seller
    from app.sellers.models import CommissionRate
    from tests.factories import AddressFactory, DeliveryZoneFactory, ProductFactory, SellerAccountFactory, UserFactory

    DeliveryZoneFactory(counties=["Nairobi"], fee="250.00", free_over="20000.00")
    accounts = [SellerAccountFactory() for _ in range(3)]
    db.session.add(CommissionRate(scope="default", target_id=0, kind="percentage", rate_bps=1250))
    from app.catalog.models import Seller

    stores = [db.session.get(Seller, a.store_id) for a in accounts] + [house_seller()]
    products = [
        ProductFactory(seller=store, price=Decimal(price), stock=10_000)
        for store in stores
        for price in ("333.33", "1250.00", "99.99")
    ]
    customers = [UserFactory(role="customer") for _ in range(8)]
    addresses = {c.id: AddressFactory(user_id=c.id, county="Nairobi", town="Nairobi").id for c in customers}
    admin = UserFactory(role="admin")
    db.session.commit()
    return {
        "accounts": [a.id for a in accounts],
        "sellers": {a.store_id: a.user_id for a in accounts},
        "products": [p.id for p in products],
        "customers": [c.id for c in customers],
        "addresses": addresses,
        "admin": admin.id,
    }


class Run:
    """The steps, each in its own unit of work (a request's worth), committed for real."""

    def __init__(self, app: Any, world: dict[str, Any], rng: random.Random) -> None:
        self.app, self.world, self.rng = app, world, rng
        self.payouts = 0

    def user(self, user_id: int) -> Any:
        from app.auth.models import User

        return db.session.get(User, user_id)

    def orders(self, *statuses: str) -> list[Any]:
        from app.orders.models import Order

        return list(db.session.scalars(select(Order).where(Order.status.in_(statuses)).order_by(Order.id)))

    # The steps ---------------------------------------------------------------------------------

    def place(self) -> None:
        from app.cart.services import Owner, add_line
        from app.orders.services.checkout import place_order
        from app.orders.services.orders import unpaid_holdings

        customer = self.user(self.rng.choice(self.world["customers"]))
        if unpaid_holdings(customer.id)[0] >= 3:
            return
        for product_id in self.rng.sample(self.world["products"], self.rng.randint(1, 3)):
            add_line(Owner(user=customer), product_id, self.rng.randint(1, 3))
        method = self.rng.choice(["mpesa", "card", "paypal", "cash", "wallet"])
        data: dict[str, Any] = {"address_id": self.world["addresses"][customer.id], "payment_method": method}
        if method != "wallet" and self.rng.random() < 0.3:
            data["wallet_amount"] = Decimal(self.rng.choice(["100.00", "250.50"]))  # a part from the wallet
        place_order(customer, data)  # the wallet holding too little refuses it (a step refused)

    def top_up(self) -> None:
        from app.wallet.services.topups import start_top_up

        customer = self.user(self.rng.choice(self.world["customers"]))
        start_top_up(customer, Decimal(self.rng.choice(["500", "1500", "3000"])), "0708374149")

    def pay(self) -> None:
        from app.orders.services.fulfilment import amount_due
        from app.payments.gateways import Outcome
        from app.payments.models import Payment
        from app.payments.services.cash import confirm_cash
        from app.payments.services.settlement import settle

        waiting = [o for o in self.orders("pending_payment", "processing") if o.paid_at is None]
        if not waiting:
            return
        order = self.rng.choice(waiting)
        if order.payment_method == "cash":
            confirm_cash(self.user(self.world["admin"]), order.id, amount_due(order))
            return
        if order.status != "pending_payment":
            return
        provider = {"mpesa": "mpesa", "card": "paystack", "paypal": "paypal"}[order.payment_method]
        self._settled_payment(order, provider, Payment, settle, Outcome)
        if self.rng.random() < 0.15:  # the customer pays twice: the second is owed back
            second = self._settled_payment(order, "mpesa", Payment, settle, Outcome)
            self._refund_by_hand(second, None)

    def _settled_payment(self, order: Any, provider: str, payment_model: Any, settle: Any, outcome: Any) -> Any:
        """A payment as its provider's initiation makes it (for what the wallet does not pay),
        settled as its callback would."""
        from app.orders.services.fulfilment import amount_due

        due = amount_due(order)
        amount, currency, rate = due, "KES", None
        if provider == "mpesa":
            amount = due.quantize(Decimal(1), rounding="ROUND_CEILING")
        if provider == "paypal":
            amount, currency, rate = (due / RATE).quantize(Decimal("0.01"), ROUND_HALF_UP), "USD", RATE
        payment = payment_model(
            order_id=order.id,
            user_id=order.user_id,
            provider=provider,
            amount=amount,
            currency=currency,
            order_amount=due,
            exchange_rate=rate,
            provider_reference=f"{provider}-{order.id}-{self.rng.random()}",
        )
        db.session.add(payment)
        db.session.flush()
        settle(payment, outcome(payment.provider_reference, "succeeded", amount, f"R{payment.id:08d}"))
        return payment

    def _refund_by_hand(self, payment: Any, amount: Decimal | None) -> None:
        """M-Pesa and cash money is refunded by hand, then recorded (with its M-Pesa code)."""
        from app.payments.services.refunds import refund

        refund(self.user(self.world["admin"]), payment.id, amount, "Refunded by hand", f"REF{payment.id:07d}")

    def _owed_by_hand(self, order_id: int) -> None:
        """What an order owes back on a manual payment (cancelled, partly cancelled), recorded."""
        from app.payments.models import Payment

        owed = -positions(order_id, [chart.CUSTOMER_FUNDS]).get(chart.CUSTOMER_FUNDS.code, Decimal("0.00"))
        payment = db.session.scalar(
            select(Payment)
            .where(
                Payment.order_id == order_id,
                Payment.provider.in_(("mpesa", "cash")),
                Payment.status.in_(("succeeded", "partially_refunded")),
            )
            .order_by(Payment.id)
        )
        if payment is not None and owed > 0:
            self._refund_by_hand(payment, min(owed, payment.amount_paid))

    def cancel(self) -> None:
        from app.orders.services.orders import cancel

        candidates = self.orders("pending_payment", "paid")
        if candidates:
            order = self.rng.choice(candidates)
            cancel(self.user(order.user_id), order.id, "Changed my mind")
            self._owed_by_hand(order.id)

    def cancel_part(self) -> None:
        from app.sellers.models import SellerOrder
        from app.sellers.services.orders import cancel_part

        parts = list(
            db.session.scalars(
                select(SellerOrder).where(
                    SellerOrder.status == "to_fulfil", SellerOrder.seller_id.in_(self.world["sellers"])
                )
            )
        )
        if parts:
            part = self.rng.choice(parts)
            cancel_part(self.user(self.world["sellers"][part.seller_id]), part.id, "Out of stock")
            self._owed_by_hand(part.order_id)

    def deliver(self) -> None:
        from app.orders.services.orders import change_status
        from app.orders.status import OrderStatus

        paid = [o for o in self.orders("paid", "processing", "shipped", "out_for_delivery") if o.paid_at is not None]
        if paid:
            order = self.rng.choice(paid)
            steps = ["processing", "shipped", "out_for_delivery", "delivered"]
            for status in steps[steps.index(order.status) + 1 if order.status in steps else 0 :]:
                change_status(self.user(self.world["admin"]), order.id, OrderStatus(status), None)

    def give_back(self) -> None:
        """A goodwill refund by hand on a delivered order paid by M-Pesa or cash."""
        from app.orders.models import Order
        from app.payments.models import Payment

        payment = db.session.scalar(
            select(Payment)
            .join(Order, Order.id == Payment.order_id)
            .where(Payment.provider.in_(("mpesa", "cash")), Payment.status == "succeeded", Order.status == "delivered")
            .order_by(func.random())
            .limit(1)
        )
        if payment is not None:
            self._refund_by_hand(payment, Decimal("50.00"))

    def return_(self) -> None:
        from app.returns.services import approve_return, create_return, receive_return, refund_return

        delivered = self.orders("delivered")
        if not delivered:
            return
        order = self.rng.choice(delivered)
        line = self.rng.choice([line for line in order.lines if line.cancelled_at is None])
        admin = self.user(self.world["admin"])
        try:
            made = create_return(
                self.user(order.user_id),
                {"order_id": order.id, "lines": [{"order_line_id": line.id, "quantity": 1}], "reason": "damaged"},
            )
        except Exception:  # noqa: BLE001 - a line already returned in full: another step then
            return
        approve_return(admin, made.id)
        receive_return(admin, made.id, restock=True)
        manual = order.payment_method in ("mpesa", "cash")
        refund_return(admin, made.id, None, "RTN1234567" if manual else None)

    def release(self) -> None:
        from app.sellers.services.earnings import release_due

        release_due(utcnow() + timedelta(days=60))

    def payout(self) -> None:
        from app.sellers.models import SellerAccount
        from app.sellers.services.payouts import request_payout

        self.release()  # the weekly run comes after the hourly releases
        accounts = [db.session.get(SellerAccount, account_id) for account_id in self.world["accounts"]]
        richest = max(accounts, key=lambda a: balances([chart.seller(a.store_id, SellerBucket.AVAILABLE)]).popitem()[1])
        account = richest
        if balances([chart.seller(account.store_id, SellerBucket.AVAILABLE)]).popitem()[1] < 100:
            return
        account.contact_phone = PHONES[self.payouts % len(PHONES)]
        self.payouts += 1
        request_payout(self.user(account.user_id), None)

    STEPS = {
        "top_up": 3,
        "place": 6,
        "pay": 6,
        "cancel": 1,
        "cancel_part": 1,
        "deliver": 4,
        "give_back": 1,
        "return_": 2,
        "release": 2,
        "payout": 4,
    }

    def go(self, steps: int) -> list[str]:
        from app.errors import AppError
        from app.payouts.services.disbursement import check_unsettled

        done = []
        names, weights = zip(*self.STEPS.items(), strict=True)
        for _ in range(steps):
            name = self.rng.choices(names, weights)[0]
            try:
                with self.app.app_context(), unit_of_work():
                    getattr(self, name)()
            except AppError:  # a step the rules refuse (a part already shipped...): nothing changed
                continue
            with self.app.app_context():
                deliver_pending(self.app)  # Safaricom's results, if any
                check_unsettled(utcnow() + timedelta(days=1))
                deliver_pending(self.app)  # the status queries' answers
                db.session.remove()
            done.append(name)
        return done


def _cash_expected(provider: str) -> Decimal:
    """What the payments table says a provider's account holds: money in less money back."""
    from app.payments.models import Payment, Refund
    from app.payments.services.accounting import received

    total = Decimal("0.00")
    for payment in db.session.scalars(select(Payment).where(Payment.provider == provider)):
        if payment.amount_paid is None:
            continue
        brought = received(payment)
        total += brought
        taken, back = Decimal("0.00"), Decimal("0.00")  # in the payment's currency; in ours
        live = select(Refund).where(Refund.payment_id == payment.id, Refund.status != "failed").order_by(Refund.id)
        for refund in db.session.scalars(live):
            taken += refund.amount
            if refund.destination == "wallet":  # store credit: no money left the provider
                continue
            if not payment.exchange_rate:
                worth = refund.amount
            elif taken >= payment.amount_paid:  # the last of it: exactly what is left
                worth = brought - back
            else:  # at the payment's own rate, to the cent
                worth = (refund.amount * payment.exchange_rate).quantize(Decimal("0.01"), ROUND_HALF_UP)
            back += worth
        total -= back
    return total


def _topped_up(provider: str) -> Decimal:
    from app.wallet.models import TopUp

    if provider != "mpesa":
        return Decimal("0.00")
    return sum(db.session.scalars(select(TopUp.amount).where(TopUp.status == "succeeded")), Decimal("0.00"))


def _wallet_expected(user_id: int) -> Decimal:
    """What the tables say a wallet holds (spendable, held, being withdrawn): its top-ups and the
    refunds into it, less the wallet payments of orders that were paid."""
    from app.payments.models import Payment, Refund
    from app.wallet.models import TopUp

    topped = sum(
        db.session.scalars(select(TopUp.amount).where(TopUp.user_id == user_id, TopUp.status == "succeeded")),
        Decimal("0.00"),
    )
    spent = sum(
        db.session.scalars(
            select(Payment.amount_paid).where(
                Payment.user_id == user_id,
                Payment.provider == "wallet",
                Payment.status.in_(("succeeded", "partially_refunded", "refunded")),
            )
        ),
        Decimal("0.00"),
    )
    back = Decimal("0.00")
    for (refund,) in db.session.execute(
        select(Refund)
        .join(Payment, Payment.id == Refund.payment_id)
        .where(Payment.user_id == user_id, Refund.destination == "wallet", Refund.status != "failed")
    ).tuples():
        back += refund.store_amount if refund.store_amount is not None else refund.amount
    return topped + back - spent


def _seller_expected(store_id: int) -> Decimal:
    """What the domains' tables say a seller is owed (pending + available + in payout): the net of
    its live lines on paid orders that were not cancelled, less its returned units' worth net of
    their commission, less what payouts paid."""
    from app.orders.models import Order, OrderLine
    from app.payouts.models import Payout
    from app.sellers.models import CommissionLine, CommissionReversal, SellerOrder

    earned = sum(
        (
            total - commission
            for total, commission in db.session.execute(
                select(OrderLine.line_total, CommissionLine.amount)
                .join(CommissionLine, CommissionLine.order_line_id == OrderLine.id)
                .join(Order, Order.id == OrderLine.order_id)
                .where(
                    OrderLine.seller_id == store_id,
                    OrderLine.cancelled_at.is_(None),
                    Order.paid_at.is_not(None),
                    Order.status != "cancelled",
                )
            )
        ),
        Decimal("0.00"),
    )
    returned = sum(
        (
            gross - commission
            for gross, commission in db.session.execute(
                select(CommissionReversal.gross, CommissionReversal.amount)
                .join(SellerOrder, SellerOrder.id == CommissionReversal.seller_order_id)
                .where(SellerOrder.seller_id == store_id)
            )
        ),
        Decimal("0.00"),
    )
    paid_out = db.session.scalar(
        select(func.coalesce(func.sum(Payout.amount), 0)).where(Payout.seller_id == store_id, Payout.status == "paid")
    )
    return Decimal(earned) - Decimal(returned) - Decimal(paid_out)


def _providers_refund(app: Any, network: Any, monkeypatch: Any) -> None:
    """Paystack and PayPal at their own hosts, answering refunds as they document (the payments
    here are made as settling them would, so the sandbox, which refunds only what it took, does
    not know them); B2C stays with the sandbox."""
    from app.payments.gateways import tokens
    from tests.payments.conftest import PAYPAL, PAYPAL_TOKEN, PAYSTACK_SECRET_KEY
    from tests.sellers.test_part_cancellation import REFUNDED

    for name, value in {
        "PAYSTACK_BASE_URL": "https://api.paystack.co",
        "PAYSTACK_SECRET_KEY": PAYSTACK_SECRET_KEY,
        "PAYPAL_BASE_URL": PAYPAL,
        "PAYPAL_CLIENT_ID": "AeHNq-client-id",
        "PAYPAL_CLIENT_SECRET": "EGnHDxD-client-secret",
    }.items():
        monkeypatch.setitem(app.config, name, value)
    tokens.forget()
    network.post("https://api.paystack.co/refund", json=REFUNDED)
    network.post(f"{PAYPAL}/v1/oauth2/token", json=PAYPAL_TOKEN)
    counter = iter(range(10**6))
    network.add_callback(
        "POST",
        re.compile(re.escape(PAYPAL) + r"/v2/payments/captures/[^/]+/refund"),
        callback=lambda _: (201, {}, json.dumps({"id": f"REFUND{next(counter):011d}", "status": "COMPLETED"})),
    )


@pytest.mark.own_database
@pytest.mark.postgres
@pytest.mark.parametrize("seed", [2026, 7])
def test_a_random_sequence_leaves_the_books_true(app, committed, sandbox, monkeypatch, seed):
    _providers_refund(app, sandbox, monkeypatch)
    with app.app_context():
        world = _setup()
    done = Run(app, world, random.Random(seed)).go(STEPS)
    assert {"top_up", "place", "pay", "deliver", "return_", "payout", "release"} <= set(done), done

    with app.app_context():
        assert verify() == []
        result = app.test_cli_runner().invoke(args=["ledger", "verify"])
        assert result.exit_code == 0, result.output
        for store_id in world["sellers"]:
            owed = balances([chart.seller(store_id, bucket) for bucket in SellerBucket])
            assert sum(owed.values()) == _seller_expected(store_id), (store_id, owed)
        for provider in ("mpesa", "paystack", "paypal", "cash"):
            held = balances([chart.cash(provider)])[chart.cash(provider).code]
            assert held == _cash_expected(provider) + _topped_up(provider), provider
        for user_id in world["customers"]:
            wallet = balances([chart.wallet(user_id, bucket) for bucket in WalletBucket])
            assert sum(wallet.values()) == _wallet_expected(user_id), (user_id, wallet)
            assert all(amount >= 0 for amount in wallet.values()), wallet
        from app.payouts.models import Payout

        paid_out = db.session.scalar(select(func.coalesce(func.sum(Payout.amount), 0)).where(Payout.status == "paid"))
        assert balances([chart.B2C_FLOAT])[chart.B2C_FLOAT.code] == -Decimal(paid_out)
        from app.payments.models import Payment, Refund
        from app.returns.models import ReturnRequest

        # The sequence touched what it is about (a seed that did not would prove little).
        assert {status for (status,) in db.session.execute(select(Payout.status).distinct())} >= {"paid", "failed"}
        assert db.session.scalar(select(func.count(ReturnRequest.id)).where(ReturnRequest.status == "refunded"))
        assert {p for (p,) in db.session.execute(select(Payment.provider).distinct())} == {
            "mpesa",
            "paystack",
            "paypal",
            "cash",
            "wallet",
        }
        assert db.session.scalar(select(func.count(Refund.id)))
        # Every refund owed by hand was recorded: no customer's money is left held.
        assert balances([chart.CUSTOMER_FUNDS])[chart.CUSTOMER_FUNDS.code] == 0
