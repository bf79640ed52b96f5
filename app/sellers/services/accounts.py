"""Seller accounts: applying, the documents, the admins' decisions, suspension and closing.

The store itself (name, page, products) is the catalog's: approval opens it through
`catalog.services.sellers.open_store`, suspension and closing close it (its products are
withheld) through `set_store_open`. Orders are asked whether a seller still has open ones.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from werkzeug.datastructures import FileStorage

from app.auth.models import Role, User
from app.catalog.services.sellers import name_taken, open_store, set_store_open
from app.common.db import changed_rows, insert_unless_exists, on_rollback
from app.common.pagination import paginate
from app.common.storage import check_link, delete_media, media_root, save_image
from app.common.types import utcnow
from app.errors import Forbidden, ValidationFailed
from app.extensions import db
from app.orders.errors import InvalidTransition
from app.orders.services.fulfilment import open_orders_of_seller
from app.sellers import notices
from app.sellers.errors import (
    ApplicationExists,
    OrdersStillOpen,
    SellerAccountNotFound,
    SellerDocumentNotFound,
    StoreNameTaken,
    TooManyDocuments,
)
from app.sellers.models import SellerAccount, SellerDocument, SellerEvent
from app.sellers.status import NEEDS_REASON, OPEN, TRANSITIONS, Decider, SellerKind, SellerStatus, allowed_next
from app.users.services import set_role

MAX_DOCUMENTS = 5


def apply(user: User, data: dict[str, Any]) -> SellerAccount:
    """A customer applies to sell: a `pending` seller account, for an admin to decide. One open
    account per user (409 `application_exists`, also when two applications race); the store name
    must be free (409 `store_name_taken`)."""
    if user.role != Role.CUSTOMER.value:
        raise Forbidden("Only customers apply to sell (a supplier already has a store).")
    if data["kind"] == SellerKind.BUSINESS.value and not (data.get("kra_pin") and data.get("registration_number")):
        message = "A business gives its KRA PIN and registration number."
        raise ValidationFailed(
            message,
            errors={name: [message] for name in ("kra_pin", "registration_number") if not data.get(name)},
        )
    if name_taken(data["store_name"]) or _name_applied_for(data["store_name"]):
        raise StoreNameTaken(f"A store is already called {data['store_name']!r}: choose another name.")
    now = utcnow()
    # One statement decides between two racing applications: the partial unique index on open
    # accounts lets one row in (ON CONFLICT DO NOTHING); the other finds it taken.
    account_id = insert_unless_exists(
        SellerAccount,
        {
            **data,
            "user_id": user.id,
            "status": SellerStatus.PENDING.value,
            "social_links": data.get("social_links") or {},
            "created_at": now,
            "updated_at": now,
        },
        ["user_id"],
        where=SellerAccount.status.in_(OPEN),
    )
    if account_id is None:
        raise ApplicationExists("You have an application or a store already.")
    account = db.session.get(SellerAccount, account_id)
    assert account is not None
    _record(account, None, SellerStatus.PENDING.value, user, Decider.SELLER, None)
    notices.application_received(account)
    return account


def _name_applied_for(name: str) -> bool:
    stmt = select(SellerAccount.id).where(
        func.lower(SellerAccount.store_name) == name.lower(), SellerAccount.status == SellerStatus.PENDING.value
    )
    return db.session.scalar(stmt.limit(1)) is not None


def _visible_to(user: User, stmt: Any) -> Any:
    return stmt if user.role == Role.ADMIN.value else stmt.where(SellerAccount.user_id == user.id)


def get_account(user: User, account_id: int, *, for_update: bool = False) -> SellerAccount:
    """A seller account its user (or an admin) may see; anyone else's is 404."""
    stmt = _visible_to(user, select(SellerAccount).where(SellerAccount.id == account_id))
    account = db.session.scalar(stmt.with_for_update() if for_update else stmt)
    if account is None:
        raise SellerAccountNotFound("No such seller account.")
    return account


def my_account(user: User) -> SellerAccount:
    """The user's newest seller account (the open one if any); 404 when they never applied."""
    account = db.session.scalar(
        select(SellerAccount)
        .where(SellerAccount.user_id == user.id)
        .order_by(SellerAccount.status.in_(OPEN).desc(), SellerAccount.id.desc())
        .limit(1)
    )
    if account is None:
        raise SellerAccountNotFound("You have not applied to sell.")
    return account


def list_accounts(query: dict[str, Any]) -> dict[str, Any]:
    """Admins: seller accounts oldest first (a queue), by status and a name or town search."""
    stmt = select(SellerAccount).order_by(SellerAccount.created_at, SellerAccount.id)
    if query.get("status"):
        stmt = stmt.where(SellerAccount.status.in_(query["status"]))
    if query.get("kind"):
        stmt = stmt.where(SellerAccount.kind == query["kind"])
    if query.get("q"):
        from app.common.matching import LIKE_ESCAPE, contains_pattern

        pattern = contains_pattern(query["q"].lower())
        stmt = stmt.where(
            func.lower(SellerAccount.store_name).like(pattern, escape=LIKE_ESCAPE)
            | func.lower(SellerAccount.pickup_town).like(pattern, escape=LIKE_ESCAPE)
        )
    return paginate(stmt, query["page"], query["per_page"])


# Documents ---------------------------------------------------------------------------------------


def add_document(user: User, account_id: int, upload: FileStorage, label: str) -> SellerDocument:
    """The applicant adds a verification document (a photo, checked and re-encoded, private)
    while the application is pending; at most MAX_DOCUMENTS."""
    account = get_account(user, account_id, for_update=True)
    if account.user_id != user.id:
        raise SellerAccountNotFound("No such seller account.")
    if account.status != SellerStatus.PENDING.value:
        raise InvalidTransition(
            f"This account is {account.status}: documents go with a pending application.", allowed=[]
        )
    count = db.session.scalar(select(func.count()).where(SellerDocument.account_id == account.id)) or 0
    if count >= MAX_DOCUMENTS:
        raise TooManyDocuments(f"An application has at most {MAX_DOCUMENTS} documents.")
    path = save_image(upload, "sellers", max_side=2000, private=True)
    on_rollback(partial(delete_media, path, private=True))
    document = SellerDocument(account_id=account.id, path=path, label=label)
    db.session.add(document)
    db.session.flush()
    return document


def document_file(account_id: int, document_id: int, expires: int, signature: str) -> Path:
    """A document's file, opened by the signed link an account's response carries."""
    document = db.session.scalar(
        select(SellerDocument).where(SellerDocument.id == document_id, SellerDocument.account_id == account_id)
    )
    if document is None or not check_link(document.path, expires, signature):
        raise SellerDocumentNotFound("No such document.")
    path = media_root(private=True) / document.path
    if not path.is_file():
        raise SellerDocumentNotFound("No such document.")
    return path


# Decisions ---------------------------------------------------------------------------------------


def decide(admin: User, account_id: int, frm: SellerStatus, to: SellerStatus, reason: str | None) -> SellerAccount:
    """An admin approves or rejects (from pending), suspends (from approved) or reinstates (from
    suspended): anything else is 409. Approval opens the store and makes the user a supplier;
    suspension closes the store (its products withheld), reinstatement opens it again."""
    account = get_account(admin, account_id, for_update=True)
    if account.status != frm.value:
        raise InvalidTransition(
            f"This seller account is {account.status}, not {frm.value}.",
            allowed=[state.value for state in allowed_next(account.status, Decider.ADMIN)],
        )
    previous = _move(account, to, admin, Decider.ADMIN, reason)
    if to is SellerStatus.APPROVED:
        if account.store_id is None:
            store = open_store(_user(account), account.store_name, account.about)
            account.store_id = store.id
            account.approved_at = utcnow()
        else:
            set_store_open(account.store_id, True)
        set_role(admin, account.user_id, Role.SUPPLIER.value)
    elif to is SellerStatus.SUSPENDED and account.store_id is not None:
        set_store_open(account.store_id, False)
    notices.status_changed(account, previous, reason)
    return account


def close(user: User) -> SellerAccount:
    """The seller closes their store: only with no order of theirs still open (409
    `orders_still_open`); its products leave the shop, the user is a customer again."""
    account = my_account(user)
    account = get_account(user, account.id, for_update=True)
    if account.store_id is not None and (still := open_orders_of_seller(account.store_id)):
        raise OrdersStillOpen(f"{still} order(s) with your products are still open: finish them first.", orders=still)
    previous = _move(account, SellerStatus.CLOSED, user, Decider.SELLER, None)
    if account.store_id is not None:
        set_store_open(account.store_id, False)
    set_role(user, user.id, Role.CUSTOMER.value)
    notices.status_changed(account, previous, None)
    return account


def _move(account: SellerAccount, to: SellerStatus, actor: User, decider: Decider, reason: str | None) -> str:
    """Take the transition if the table allows it for `decider`: a conditional UPDATE on the
    state it was read in, so of two racing decisions one wins and the other is 409. Returns the
    state it left."""
    current = account.status
    if TRANSITIONS.get((SellerStatus(current), to)) is not decider:
        allowed = [state.value for state in allowed_next(current, decider)]
        raise InvalidTransition(
            f"A seller account that is {current} cannot become {to.value}"
            + (f"; it can become: {', '.join(allowed)}." if allowed else "."),
            allowed=allowed,
        )
    if to in NEEDS_REASON and not reason:
        raise ValidationFailed.field("reason", f"Say why the account is {to.value}: the seller is told.")
    moved = changed_rows(
        update(SellerAccount)
        .where(SellerAccount.id == account.id, SellerAccount.status == current)
        .values(status=to.value, status_reason=reason if to in NEEDS_REASON else None, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if moved != 1:
        db.session.refresh(account)
        raise InvalidTransition(f"The account changed meanwhile: it is now {account.status}.", allowed=[])
    db.session.refresh(account, ["status", "status_reason", "updated_at"])
    _record(account, current, to.value, actor, decider, reason)
    return current


def _record(
    account: SellerAccount, frm: str | None, to: str, actor: User, decider: Decider, reason: str | None
) -> None:
    db.session.add(
        SellerEvent(
            account_id=account.id,
            from_status=frm,
            to_status=to,
            actor_id=actor.id,
            actor_kind=decider.value,
            reason=reason,
        )
    )


def _user(account: SellerAccount) -> User:
    user = db.session.get(User, account.user_id)
    assert user is not None
    return user
