"""factory_boy factories for the models tests need."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Any

import factory
from factory.alchemy import SQLAlchemyModelFactory
from sqlalchemy import select

from app.auth.models import User
from app.catalog.models import Brand, Category, Product, ProductImage, Seller
from app.common.slugs import slugify
from app.common.types import utcnow
from app.extensions import db
from app.orders.models import DeliveryZone
from app.sellers.models import SellerAccount
from app.users.models import Address

DEFAULT_PASSWORD = "Correct-Horse-42"


@cache
def _default_hash() -> str:
    from app.auth.passwords import hash_password

    return hash_password(DEFAULT_PASSWORD)


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731 - the test's session
        sqlalchemy_session_persistence = "commit"


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Faker("name")
    role = "customer"
    password_hash = factory.LazyFunction(_default_hash)
    invite_code = factory.Sequence(lambda n: f"INV{n:05d}")
    terms_accepted_at = factory.LazyFunction(utcnow)
    email_verified_at = factory.LazyFunction(utcnow)
    marketing_opt_in = False


class AddressFactory(BaseFactory):
    class Meta:
        model = Address

    user_id = None
    label = "Home"
    recipient = factory.Faker("name")
    phone = "+254712345678"
    county = "Nairobi"
    town = "Nairobi"
    street = factory.Faker("street_address")
    postal_code = "00100"
    is_default = False


class CategoryFactory(BaseFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    parent_id = None
    is_active = True


class BrandFactory(BaseFactory):
    class Meta:
        model = Brand

    name = factory.Sequence(lambda n: f"Brand {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))


class SellerFactory(BaseFactory):
    """A store, managed by a new supplier unless `owner_id` is given."""

    class Meta:
        model = Seller

    owner_id = factory.LazyFunction(lambda: UserFactory(role="supplier").id)
    name = factory.Sequence(lambda n: f"Store {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    about = "We sell fine things."


class SellerAccountFactory(BaseFactory):
    """An approved seller account for `store` (a new one unless given), its owner's."""

    class Meta:
        model = SellerAccount

    class Params:
        store = factory.SubFactory(SellerFactory)

    store_id = factory.LazyAttribute(lambda o: o.store.id)
    user_id = factory.LazyAttribute(lambda o: o.store.owner_id)
    status = "approved"
    kind = "individual"
    store_name = factory.LazyAttribute(lambda o: o.store.name)
    contact_phone = "+254712345678"
    contact_email = factory.Sequence(lambda n: f"seller{n}@example.com")
    pickup_county = "Nairobi"
    pickup_town = "Nairobi"
    social_links: dict[str, str] = {}
    approved_at = factory.LazyFunction(utcnow)


def store_of(user: Any) -> Seller:
    """`user`'s store, made for them when they have none."""
    found = db.session.scalar(select(Seller).where(Seller.owner_id == user.id))
    return found if found is not None else SellerFactory(owner_id=user.id)


class ProductFactory(BaseFactory):
    """A product; its search document and facet cells follow on flush (app/catalog/events.py).
    `supplier=user` puts it in that user's store (made when they have none)."""

    class Meta:
        model = Product

    class Params:
        supplier = None

    seller = factory.LazyAttribute(lambda o: store_of(o.supplier) if o.supplier is not None else SellerFactory())
    category = factory.SubFactory(CategoryFactory)
    brand = None
    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    description = "A fine thing."
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    price = Decimal("1000.00")
    stock = 10
    condition = "new"
    specifications = factory.LazyFunction(dict)
    is_active = True


class ProductImageFactory(BaseFactory):
    class Meta:
        model = ProductImage

    product = factory.SubFactory(ProductFactory)
    path = factory.Sequence(lambda n: f"products/test-{n}.webp")
    thumbnail_path = factory.Sequence(lambda n: f"products/thumbs/test-{n}.webp")
    alt = ""
    position = 0
    is_primary = True


class DeliveryZoneFactory(BaseFactory):
    class Meta:
        model = DeliveryZone

    name = factory.Sequence(lambda n: f"Zone {n}")
    counties = factory.LazyFunction(lambda: ["Nairobi"])
    towns = factory.LazyFunction(list)
    fee = Decimal("250.00")
    free_over = None
    days_min = 1
    days_max = 2
    is_active = True
