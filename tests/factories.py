"""factory_boy factories for the models tests need."""
from __future__ import annotations

from functools import cache

import factory
from factory.alchemy import SQLAlchemyModelFactory

from app.auth.models import User
from app.common.types import utcnow
from app.extensions import db
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
