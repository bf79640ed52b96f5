"""Templated emails: HTML with a plain-text part, in the store's name, listing the order's
reference, lines and totals; queued with the change, delivered after commit."""

from __future__ import annotations

from decimal import Decimal
from email import message_from_bytes, policy

from app.extensions import db
from app.notifications.emails import render
from app.returns.services import approve_return, create_return, reject_return
from tests.factories import ProductFactory
from tests.helpers import add_to_cart, checkout, deliver_to, emails_to


def _eml(outbox_dir) -> list:
    return [message_from_bytes(path.read_bytes(), policy=policy.default) for path in sorted(outbox_dir.glob("*.eml"))]


def test_the_order_confirmation_lists_lines_and_totals_as_html_and_text(client, customer, address, zone, outbox_dir):
    add_to_cart(client, customer, ProductFactory(name="Kikoy <towel> & wrap", price=Decimal("1250.00"), stock=5), 2)
    order = checkout(client, customer, address, payment_method="cash").get_json()
    [email] = [e for e in emails_to(customer.user.email) if e.subject == f"Your order {order['reference']}"]
    for part in (email.body, email.html):
        assert order["reference"] in part and "KES 2500.00" in part and "KES 2750.00" in part  # line, total
        assert "Duka" in part and "cash on delivery" in part
    assert "Kikoy &lt;towel&gt; &amp; wrap" in email.html and "<towel>" not in email.html  # escaped in HTML
    assert "2 x Kikoy <towel> & wrap: KES 2500.00" in email.body  # as written in text
    [sent] = [m for m in _eml(outbox_dir) if m["Subject"] == email.subject]
    assert sent.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in sent.iter_parts()] == ["text/plain", "text/html"]


def test_shipped_delivered_and_cancelled_are_emailed(client, customer, admin, address, zone):
    add_to_cart(client, customer, ProductFactory(stock=5))
    order = checkout(client, customer, address, payment_method="cash").get_json()
    for status in ("processing", "shipped", "out_for_delivery", "delivered"):
        client.patch(f"/api/v1/orders/{order['id']}/status", json={"status": status}, headers=admin.headers)
    subjects = [e.subject for e in emails_to(customer.user.email)]
    ref = order["reference"]
    assert subjects == [f"Your order {ref}", f"Order shipped: {ref}", f"Order delivered: {ref}"]
    add_to_cart(client, customer, ProductFactory(stock=5))
    other = checkout(client, customer, address, payment_method="cash").get_json()
    client.post(f"/api/v1/orders/{other['id']}/cancel", json={}, headers=customer.headers)
    assert emails_to(customer.user.email)[-1].subject == f"Order cancelled: {other['reference']}"


def test_return_decisions_are_emailed_with_their_lines(customer, admin):
    order = deliver_to(customer.user, ProductFactory(name="Sufuria", stock=5), quantity=2)
    lines = [{"order_line_id": order.lines[0].id, "quantity": 1}]
    first = create_return(customer.user, {"order_id": order.id, "lines": lines, "reason": "damaged"})
    second = create_return(customer.user, {"order_id": order.id, "lines": lines, "reason": "other"})
    approve_return(admin.user, first.id)
    reject_return(admin.user, second.id, "Opened and used")
    db.session.flush()
    approved, rejected = emails_to(customer.user.email)[-2:]
    assert approved.subject == f"Return approved (return {first.id})" and "1 x Sufuria" in approved.body
    assert rejected.subject == f"Return declined (return {second.id})" and "Opened and used" in rejected.html
    assert order.reference in rejected.body


def test_every_template_renders_in_both_parts(app):
    order = {
        "reference": "DKTEST1234",
        "currency": "KES",
        "lines": [{"name": "A", "quantity": 1, "line_total": Decimal("10.00")}],
        "subtotal": Decimal("10.00"),
        "delivery_fee": Decimal("0.00"),
        "total": Decimal("10.00"),
        "link": "http://localhost/orders?reference=DKTEST1234",
    }
    contexts = {
        "order_confirmation": {"payment_note": "Pay now."},
        "payment_received": {"paid": "KES 10.00", "provider": "mpesa", "receipt": "R1"},
        "order_status": {"message": "On its way."},
        "return_update": {"message": "Approved.", "return_lines": [{"name": "A", "quantity": 1}]},
    }
    for template, context in contexts.items():
        text, html = render(template, subject="s", order=order, **context)
        assert "DKTEST1234" in text and "DKTEST1234" in html and html.lstrip().startswith("<!doctype html>")
