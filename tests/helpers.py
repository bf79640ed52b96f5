"""Helpers the tests share: tokens, problem assertions, reading the email outbox, SQL counting."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event

from app.auth import sessions
from app.auth.models import User
from app.common.schemas import PROBLEM_MIMETYPE
from app.extensions import db
from app.notifications.models import OutboxEmail


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    """Assert an RFC 9457 problem response with `status` and machine `code`; return its body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM_MIMETYPE
    body = response.get_json(force=True)
    assert body["status"] == status
    assert body["code"] == code, body
    assert {"type", "title", "detail"} <= body.keys()
    return body


def tokens_for(user: User) -> dict[str, Any]:
    """Log `user` in through the session service (no HTTP, no rate limit) and return the token pair."""
    session = sessions.start_session(user, ip_address="127.0.0.1", user_agent="pytest")
    pair = sessions.issue_tokens(user, session)
    db.session.commit()
    return pair


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def emails_to(address: str) -> list[OutboxEmail]:
    return list(
        db.session.scalars(db.select(OutboxEmail).where(OutboxEmail.to == address.lower()).order_by(OutboxEmail.id))
    )


def token_from_email(email: OutboxEmail) -> str:
    """The token in the link of an email as its recipient got it (the .eml the file backend
    wrote): the outbox row itself no longer holds it once sent."""
    from email import message_from_bytes

    from flask import current_app

    siblings = [
        row.id
        for row in db.session.scalars(
            db.select(OutboxEmail).where(OutboxEmail.to == email.to, OutboxEmail.subject == email.subject)
        )
    ]
    delivered = []
    for path in Path(current_app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"):
        message = message_from_bytes(path.read_bytes())
        if message["To"] == email.to and message["Subject"] == email.subject:
            delivered.append((path.stat().st_mtime_ns, message.get_payload(decode=True).decode()))
    delivered.sort()  # (the outbox folder is emptied before each test: conftest.py)
    body = delivered[sorted(siblings).index(email.id)][1]
    match = re.search(r"token=([A-Za-z0-9_\-]+)", body)
    assert match, f"no token link in: {body}"
    return match.group(1)


@contextmanager
def _cursor_listener(record: Any) -> Iterator[None]:
    engine = db.session.get_bind().engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", record)


@contextmanager
def sql_statements() -> Iterator[list[str]]:
    """Collect the SQL statements sent to the database inside the block."""
    statements: list[str] = []
    with _cursor_listener(lambda _conn, _cursor, statement, *_args: statements.append(statement)):
        yield statements


@contextmanager
def sql_sent() -> Iterator[list[tuple[str, Any]]]:
    """Collect the SQL statements sent to the database inside the block, with their parameters."""
    sent: list[tuple[str, Any]] = []
    with _cursor_listener(lambda _conn, _cursor, statement, parameters, *_args: sent.append((statement, parameters))):
        yield sent


def query_plan(statement: str, parameters: Any) -> str:
    """PostgreSQL's plan (EXPLAIN) for a statement the app sent. A test's table is a few rows,
    which a sequential scan and a sort always win: the planner is asked what it would do where
    they do not (it still sorts where no index gives the order)."""
    connection = db.session.connection()
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    connection.exec_driver_sql("SET LOCAL enable_sort = off")
    found = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters).scalars().all()
    connection.exec_driver_sql("RESET enable_seqscan")
    connection.exec_driver_sql("RESET enable_sort")
    return "\n".join(found)


def multipart(**fields: Any) -> dict[str, Any]:
    """Keyword arguments for a test-client request with a multipart body built in memory
    (`file=(bytes, "name.png")`, `alt="..."`). The client's own encoder spools large bodies to a
    temporary file it never closes (a ResourceWarning)."""
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    values = {
        name: FileStorage(io.BytesIO(value[0]), filename=value[1]) if isinstance(value, tuple) else value
        for name, value in fields.items()
    }
    boundary, body = encode_multipart(values)
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def fetch(client: Any, url: str) -> tuple[int, bytes]:
    """GET a file (a media URL) and close the response: files are served as open file streams."""
    with client.get(url) as response:
        return response.status_code, response.get_data()


def run_together(app: Any, jobs: list[Any]) -> list[BaseException]:
    """Run each job in its own thread, app context and unit of work (a request's worth of work),
    all released at once; return their errors. For PostgreSQL tests with real commits."""
    import threading

    from app.common.db import unit_of_work

    errors: list[BaseException] = []
    start = threading.Barrier(len(jobs))

    def run(job: Any) -> None:
        try:
            with app.app_context():
                start.wait()
                with unit_of_work():
                    job()
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported by the caller
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


ORDERS = "/api/v1/orders"


def add_to_cart(client: Any, actor: Any, product: Any, quantity: int = 1) -> None:
    """Put `quantity` of `product` in the actor's cart over HTTP."""
    response = client.post(
        "/api/v1/cart/lines", json={"product_id": product.id, "quantity": quantity}, headers=actor.headers
    )
    assert response.status_code == 200, response.get_json()


def checkout(client: Any, actor: Any, address: Any, key: str | None = None, **body: Any) -> Any:
    """POST /orders for the actor's cart to `address` (M-Pesa unless told), with a fresh
    Idempotency-Key unless one is given."""
    import uuid

    payload = {"address_id": address.id, "payment_method": "mpesa", **body}
    headers = {**actor.headers, "Idempotency-Key": key or str(uuid.uuid4())}
    return client.post(ORDERS, json=payload, headers=headers)


def deliver_to(user: User, product: Any, until: Any = None, quantity: int = 1, payment_method: str = "cash") -> Any:
    """Order `product` for `user` and move the order along (as an admin) up to `until`
    (delivered by default). An order not paid in cash is marked paid first, through the orders
    domain (no payment row: callers that need one add it)."""
    from app.cart.services import Owner, add_line
    from app.orders.services.checkout import place_order
    from app.orders.services.orders import Actor, mark_paid, transition
    from app.orders.status import ActorKind, OrderStatus
    from tests.factories import AddressFactory, DeliveryZoneFactory

    until = until or OrderStatus.DELIVERED
    steps = (OrderStatus.PROCESSING, OrderStatus.SHIPPED, OrderStatus.OUT_FOR_DELIVERY, OrderStatus.DELIVERED)
    if db.session.scalar(db.select(DeliveryZoneFactory._meta.model).limit(1)) is None:
        DeliveryZoneFactory(counties=["Nairobi"], fee="250.00")
    address = AddressFactory(user_id=user.id, county="Nairobi", town="Nairobi")
    add_line(Owner(user=user), product.id, quantity)
    order = place_order(user, {"address_id": address.id, "payment_method": payment_method})
    if payment_method != "cash":
        mark_paid(order.id, "paid (test)")
    for status in steps[: steps.index(until) + 1]:
        transition(order, status, Actor(ActorKind.ADMIN))
    db.session.flush()
    return order
