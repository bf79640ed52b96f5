"""Profile, picture, addresses, consents, data export and account deletion."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import FileStorage

from app.auth.errors import UsernameTaken, WrongPassword
from app.auth.models import Role, User
from app.auth.passwords import verify_password
from app.auth.sessions import forget_devices, revoke_user_sessions, sessions_of
from app.auth.signals import account_deleted
from app.auth.tokens import void_one_time_tokens
from app.auth.totp import forget_two_factor
from app.common.db import after_commit
from app.common.matching import LIKE_ESCAPE, contains_pattern
from app.common.pagination import paginate
from app.common.storage import delete_media, replace_image
from app.common.types import utcnow
from app.extensions import db
from app.notifications.services import forget_recipient
from app.users.errors import AddressNotFound, DefaultAddressRequired, LastAdmin, UserNotFound
from app.users.models import Address, ConsentEvent


def record_consent(user: User, kind: str, granted: bool) -> None:
    """Append a consent grant or withdrawal to the user's log (part of the caller's transaction)."""
    db.session.add(ConsentEvent(user_id=user.id, kind=kind, granted=granted))


def update_profile(user: User, data: dict[str, Any]) -> User:
    """Change the editable profile fields; a marketing-consent change is logged with its time."""
    if "username" in data and data["username"] and data["username"] != user.username:
        if db.session.scalar(select(User.id).where(User.username == data["username"], User.id != user.id)):
            raise UsernameTaken("This username is taken.")
    if "marketing_opt_in" in data and data["marketing_opt_in"] != user.marketing_opt_in:
        user.marketing_opt_in_changed_at = utcnow()
        record_consent(user, "marketing", data["marketing_opt_in"])
    for field in ("name", "username", "phone", "location", "date_of_birth", "marketing_opt_in"):
        if field in data:
            setattr(user, field, data[field])
    return user


def set_picture(user: User, upload: FileStorage) -> User:
    """Store a new profile picture (checked and re-encoded); the old file goes."""
    replace_image(user, "picture_path", upload, "avatars", max_side=512)
    return user


def export_data(user: User) -> dict[str, Any]:
    """Everything the shop holds about the user (data-protection right of access)."""
    return {
        "exported_at": utcnow(),
        "profile": user,
        "terms_accepted_at": user.terms_accepted_at,
        "addresses": list(db.session.scalars(_addresses_of(user))),
        "consents": db.session.scalars(
            select(ConsentEvent).where(ConsentEvent.user_id == user.id).order_by(ConsentEvent.id)
        ).all(),
        "sessions": sessions_of(user.id),
    }


def delete_account(user: User, password: str) -> None:
    """Anonymise the account and sign it out everywhere; order records keep the (anonymous) row."""
    if not verify_password(password, user.password_hash):
        raise WrongPassword("The password is incorrect.", errors={"password": ["Incorrect."]})
    picture = user.picture_path
    forget_recipient(user.email)  # the outbox held the address, the name and (unsent) links
    user.email = f"deleted-{user.id}@deleted.invalid"
    user.username = None
    user.name = "Deleted user"
    user.phone = None
    user.location = None
    user.date_of_birth = None
    user.picture_path = None
    user.password_hash = "!"  # matches no password
    forget_two_factor(user)
    user.marketing_opt_in = False
    user.marketing_opt_in_changed_at = utcnow()
    user.is_active = False
    user.deleted_at = utcnow()
    record_consent(user, "marketing", False)
    for address in db.session.scalars(_addresses_of(user)).all():
        db.session.delete(address)
    void_one_time_tokens(user.id)
    forget_devices(user.id)
    revoke_user_sessions(user.id, "account_deleted")
    account_deleted.send(user, user_id=user.id)
    if picture:
        after_commit(delete_media, picture)


# Addresses ---------------------------------------------------------------------------------------


def list_addresses(user: User, page: int, per_page: int) -> dict[str, Any]:
    """One page of the user's addresses, the default first."""
    return paginate(_addresses_of(user), page, per_page)


def _addresses_of(user: User) -> Select[tuple[Address]]:
    return select(Address).where(Address.user_id == user.id).order_by(Address.is_default.desc(), Address.id)


def get_address(user: User, address_id: int) -> Address:
    """The user's address; someone else's is indistinguishable from a missing one (404)."""
    address = db.session.scalar(select(Address).where(Address.id == address_id, Address.user_id == user.id))
    if address is None:
        raise AddressNotFound("No such address.")
    return address


def _clear_default(user: User, keep_id: int | None = None) -> None:
    stmt = update(Address).where(Address.user_id == user.id, Address.is_default.is_(True))
    if keep_id is not None:
        stmt = stmt.where(Address.id != keep_id)
    db.session.execute(stmt.values(is_default=False).execution_options(synchronize_session="fetch"))


def create_address(user: User, data: dict[str, Any]) -> Address:
    """Add an address; the first one, or one marked default, becomes the default."""
    has_default = db.session.scalar(select(Address.id).where(Address.user_id == user.id, Address.is_default.is_(True)))
    make_default = bool(data.get("is_default")) or has_default is None
    if make_default:
        _clear_default(user)
    address = Address(user_id=user.id, **{**data, "is_default": make_default})
    db.session.add(address)
    return address


def update_address(user: User, address_id: int, data: dict[str, Any]) -> Address:
    """Change an address; setting `is_default` moves the default here."""
    address = get_address(user, address_id)
    if data.get("is_default") is True and not address.is_default:
        _clear_default(user, keep_id=address.id)
        db.session.flush()
    if data.get("is_default") is False and address.is_default:
        # One address is always the default: it moves when another is made the default.
        raise DefaultAddressRequired(
            "This is the default address: make another address the default instead.",
            errors={"is_default": ["The default moves when another address is made the default."]},
        )
    for field, value in data.items():
        setattr(address, field, value)
    return address


def delete_address(user: User, address_id: int) -> None:
    """Remove an address; if it was the default, the oldest remaining one takes over."""
    address = get_address(user, address_id)
    was_default = address.is_default
    db.session.delete(address)
    db.session.flush()
    if was_default:
        successor = db.session.scalar(select(Address).where(Address.user_id == user.id).order_by(Address.id).limit(1))
        if successor is not None:
            successor.is_default = True


# Back office -------------------------------------------------------------------------------------


def users_query(role: str | None = None, email: str | None = None) -> Select:
    """Users for the admin list, newest first, filtered by role and by a part of the email."""
    stmt = select(User).options(selectinload(User.invited_by)).order_by(User.id.desc())
    if role:
        stmt = stmt.where(User.role == role)
    if email:
        stmt = stmt.where(User.email.like(contains_pattern(email.lower()), escape=LIKE_ESCAPE))
    return stmt


def set_role(actor: User, user_id: int, role: str) -> User:
    """Change a user's role; the last active admin cannot be demoted."""
    user = db.session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise UserNotFound("No such user.")
    if user.role == Role.ADMIN.value and role != Role.ADMIN.value:
        admins = db.session.scalars(
            select(User.id).where(User.role == Role.ADMIN.value, User.is_active.is_(True))
        ).all()
        if len(admins) <= 1:
            raise LastAdmin("At least one admin must remain.")
    user.role = role
    return user
