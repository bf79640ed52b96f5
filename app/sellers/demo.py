"""Demo sellers for `flask seed-demo`: the demo supplier's approved store (idempotent)."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import User
from app.catalog.models import Seller
from app.catalog.services.sellers import open_store, seller_of
from app.common.types import utcnow
from app.extensions import db
from app.orders.models import Order
from app.sellers.models import CommissionRate, SellerAccount, SellerEvent, SellerOrder
from app.sellers.status import SellerKind, SellerStatus


def demo_store(owner: User) -> Seller:
    """Sami Electronics, approved, with its seller account: made once, found after."""
    store = seller_of(owner) or open_store(owner, "Sami Electronics", "Phones, laptops and crafts from Nairobi.")
    if db.session.scalar(select(SellerAccount.id).where(SellerAccount.store_id == store.id)) is None:
        now = utcnow()
        account = SellerAccount(
            user_id=owner.id,
            store_id=store.id,
            status=SellerStatus.APPROVED.value,
            kind=SellerKind.BUSINESS.value,
            store_name=store.name,
            about=store.about,
            contact_phone="+254712000001",
            contact_email=owner.email,
            pickup_county="Nairobi",
            pickup_town="Westlands",
            social_links={"website": "https://sami.example.co.ke"},
            kra_pin="P051234567K",
            registration_number="PVT-DEMO-0001",
            approved_at=now,
        )
        db.session.add(account)
        db.session.flush()
        db.session.add(SellerEvent(account_id=account.id, to_status="approved", actor_kind="admin", reason="Demo data"))
    return store


KIKAPU_PRODUCTS = [
    ("Sisal basket, large", "2450.00", 12),
    ("Kiondo with leather straps", "3200.00", 6),
    ("Soapstone bowl", "1800.00", 9),
    ("Kikoi beach wrap", "1500.00", 20),
]


def seed_marketplace(customer: User, applicant: User, artisan: User) -> dict[str, int]:
    """The marketplace's demo (idempotent): a second approved seller (an artisan) with products,
    a pending application, and two orders of the demo customer: one spanning both demo sellers,
    to be paid on delivery, and one of baskets paid by M-Pesa and delivered (so the artisan has
    earnings available to pay out). Runs after the demo catalog and zones."""
    from decimal import Decimal

    from app.cart.services import Owner, add_line
    from app.catalog.models import Category, Product
    from app.orders.services.checkout import place_order
    from app.users.models import Address

    made = {"sellers": 0, "products": 0, "applications": 0, "orders": 0}
    kikapu = seller_of(artisan)
    if kikapu is None:
        kikapu = _approved_store(artisan, "Kikapu Crafts", "Baskets and kiondos woven by hand in Machakos.", "Machakos")
        made["sellers"] += 1
    crafts = db.session.scalar(select(Category).where(Category.slug.like("%craft%")).order_by(Category.id)) or (
        db.session.scalar(select(Category).where(Category.parent_id.is_not(None)).order_by(Category.id))
    )
    assert crafts is not None, "seed the demo catalog first"
    for n, (name, price, stock) in enumerate(KIKAPU_PRODUCTS, 1):
        sku = f"KIKAPU-{n:03d}"
        if db.session.scalar(select(Product.id).where(Product.seller_id == kikapu.id, Product.sku == sku)) is None:
            db.session.add(
                Product(
                    seller_id=kikapu.id,
                    category_id=crafts.id,
                    name=name,
                    slug=f"kikapu-{n}-{name.lower().replace(' ', '-').replace(',', '')}",
                    description=f"{name}, handmade in Machakos.",
                    sku=sku,
                    price=Decimal(price),
                    stock=stock,
                    specifications={"Made in": "Machakos"},
                )
            )
            made["products"] += 1
    db.session.flush()
    if db.session.scalar(select(SellerAccount.id).where(SellerAccount.user_id == applicant.id)) is None:
        db.session.add(
            SellerAccount(
                user_id=applicant.id,
                status=SellerStatus.PENDING.value,
                kind=SellerKind.INDIVIDUAL.value,
                store_name="Mama Mboga Fresh",
                about="Fresh vegetables from Limuru.",
                contact_phone="+254712000003",
                contact_email=applicant.email,
                pickup_county="Kiambu",
                pickup_town="Limuru",
                social_links={},
                events=[SellerEvent(to_status="pending", actor_kind="seller")],
            )
        )
        made["applications"] += 1
    if db.session.scalar(select(CommissionRate.id).where(CommissionRate.scope == "default")) is None:
        db.session.add(CommissionRate(scope="default", target_id=0, kind="percentage", rate_bps=1000))  # 10 %
        db.session.add(  # crafts keep more: 6 %
            CommissionRate(scope="seller", target_id=kikapu.id, kind="percentage", rate_bps=600)
        )
        db.session.flush()
    if db.session.scalar(select(Order.id).where(Order.user_id == customer.id)) is None:
        address = db.session.scalar(select(Address).where(Address.user_id == customer.id))
        if address is None:
            address = Address(
                user_id=customer.id,
                label="Home",
                recipient=customer.name,
                phone="+254712000002",
                county="Nairobi",
                town="Westlands",
                street="Woodvale Grove 4",
                is_default=True,
            )
            db.session.add(address)
            db.session.flush()
        sami_product = db.session.scalar(
            select(Product.id)
            .join(Seller, Seller.id == Product.seller_id)
            .where(Seller.is_house.is_(False), Seller.id != kikapu.id, Product.is_active, Product.stock > 0)
            .order_by(Product.id)
        )
        basket = db.session.scalar(select(Product.id).where(Product.seller_id == kikapu.id).order_by(Product.id))
        if sami_product is not None and basket is not None:
            for product_id in (sami_product, basket):
                add_line(Owner(user=customer), product_id, 1)
            place_order(customer, {"address_id": address.id, "payment_method": "cash"})
            add_line(Owner(user=customer), basket, 2)
            _paid_by_mpesa(place_order(customer, {"address_id": address.id, "payment_method": "mpesa"}))
            made["orders"] += 2
    return made


def _paid_by_mpesa(order: Order) -> None:
    """Settle a demo order as Daraja's success callback would (the payment, the order paid, the
    sale in the ledger), then deliver it and release its earnings at once, as the return window
    would: the artisan has money available to pay out when `make run` starts."""
    from app.payments.gateways import Outcome
    from app.payments.models import Payment
    from app.payments.services.settlement import settle

    payment = Payment(
        order_id=order.id,
        user_id=order.user_id,
        provider="mpesa",
        amount=order.total,
        currency=order.currency,
        order_amount=order.total,
        provider_reference=f"ws_CO_DEMO_{order.reference}",
        phone="254712000002",
    )
    db.session.add(payment)
    db.session.flush()
    settle(payment, Outcome(payment.provider_reference or "", "succeeded", order.total, f"SDEMO{order.id:05d}"))
    from app.orders.services.orders import Actor, transition
    from app.orders.status import ActorKind, OrderStatus
    from app.sellers.services.earnings import release

    for status in (OrderStatus.PROCESSING, OrderStatus.SHIPPED, OrderStatus.OUT_FOR_DELIVERY, OrderStatus.DELIVERED):
        transition(order, status, Actor(ActorKind.ADMIN), "Demo data")
    for part in db.session.scalars(select(SellerOrder).where(SellerOrder.order_id == order.id)):
        release(part)


def _approved_store(owner: User, name: str, about: str, county: str) -> Seller:
    store = open_store(owner, name, about)
    now = utcnow()
    db.session.add(
        SellerAccount(
            user_id=owner.id,
            store_id=store.id,
            status=SellerStatus.APPROVED.value,
            kind=SellerKind.INDIVIDUAL.value,
            store_name=name,
            about=about,
            contact_phone="+254712000004",
            contact_email=owner.email,
            pickup_county=county,
            pickup_town=county,
            social_links={},
            approved_at=now,
            events=[
                SellerEvent(to_status="pending", actor_kind="seller"),
                SellerEvent(from_status="pending", to_status="approved", actor_kind="admin", reason="Demo data"),
            ],
        )
    )
    return store
