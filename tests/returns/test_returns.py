"""Returns: the window, quantity limits across returns, the status machine, restocking once, and
refunds on the original payment against the provider's stub."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import select

from app.catalog.models import Product
from app.common.types import utcnow
from app.extensions import db
from app.orders.models import Order
from app.payments.models import Payment, Refund
from tests.helpers import assert_problem, deliver_to

RETURNS = "/api/v1/returns"
PAYSTACK = "https://api.paystack.co"


def lines_of(order) -> dict[str, int]:
    """Order line ids by product price: "500.00" (A, 3 units) and "1000.00" (B, 1 unit)."""
    return {str(line.unit_price): line.id for line in order.lines}


def ask(client, customer, order, *pairs, reason="changed_mind"):
    body = {
        "order_id": order.id,
        "lines": [{"order_line_id": line, "quantity": qty} for line, qty in pairs],
        "reason": reason,
    }
    return client.post(RETURNS, json=body, headers=customer.headers)


def act(client, admin, made, verb, **body):
    return client.post(f"{RETURNS}/{made['id']}/{verb}", json=body, headers=admin.headers)


def stock_of(product) -> int:
    return db.session.get(Product, product.id, populate_existing=True).stock


def _paystack_refund(api, status="processed"):
    api.post(
        f"{PAYSTACK}/refund",
        json={
            "status": True,
            "message": "Refund has been queued for processing",
            "data": {"id": 3018284, "status": status, "amount": 100000, "currency": "KES"},
        },
    )


def test_a_customer_asks_to_return_lines_of_a_delivered_order(client, customer, card_paid):
    order, _, _ = card_paid
    ids = lines_of(order)
    response = ask(client, customer, order, (ids["500.00"], 2), reason="damaged")
    assert response.status_code == 201, response.get_json()
    made = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/returns/{made['id']}")
    assert (made["status"], made["reason"], made["order_id"]) == ("requested", "damaged", order.id)
    line = next(line for line in order.lines if line.id == ids["500.00"])
    assert made["lines"] == [
        {
            "order_line_id": line.id,
            "product_id": line.product_id,
            "name": line.name,
            "unit_price": "500.00",
            "quantity": 2,
        }
    ]
    assert [(e["from_status"], e["to_status"], e["actor_kind"]) for e in made["history"]] == [
        (None, "requested", "customer")
    ]


def test_the_order_a_customer_reads_names_the_lines_a_return_needs(client, customer, card_paid):
    order, _, _ = card_paid
    shown = client.get(f"/api/v1/orders/{order.id}", headers=customer.headers).get_json()
    assert sorted(line["id"] for line in shown["lines"]) == sorted(line.id for line in order.lines)
    wanted = next(line for line in shown["lines"] if line["unit_price"] == "1000.00")
    made = ask(client, customer, order, (wanted["id"], 1)).get_json()
    assert [(line["order_line_id"], line["product_id"]) for line in made["lines"]] == [
        (wanted["id"], wanted["product_id"])
    ]


def _delivered_ago(order, ago: timedelta) -> None:
    from app.orders.models import OrderEvent

    event = db.session.scalar(
        select(OrderEvent).where(OrderEvent.order_id == order.id, OrderEvent.to_status == "delivered")
    )
    event.created_at = utcnow() - ago
    db.session.commit()


def test_the_window_closes_after_return_window_days(client, customer, card_paid):
    order, _, _ = card_paid
    ids = lines_of(order)
    _delivered_ago(order, timedelta(days=13, hours=23))
    assert ask(client, customer, order, (ids["1000.00"], 1)).status_code == 201
    _delivered_ago(order, timedelta(days=14, minutes=1))
    body = assert_problem(ask(client, customer, order, (ids["500.00"], 1)), 409, "return_window_closed")
    assert "14 days" in body["detail"]


def test_the_window_is_measured_with_the_clock(client, customer, card_paid):
    from app.returns.services import create_return

    order, _, _ = card_paid
    data = {"order_id": order.id, "lines": [{"order_line_id": order.lines[0].id, "quantity": 1}], "reason": "other"}
    with time_machine.travel(utcnow() + timedelta(days=15), tick=False):
        from app.returns.errors import ReturnWindowClosed

        with pytest.raises(ReturnWindowClosed):
            create_return(customer.user, data)
    assert create_return(customer.user, data).status == "requested"


def test_an_order_not_delivered_cannot_be_returned(client, customer, products):
    order = deliver_to(customer.user, products[0], until=_shipped())
    response = ask(client, customer, order, (order.lines[0].id, 1))
    assert_problem(response, 409, "order_not_returnable")


def _shipped():
    from app.orders.status import OrderStatus

    return OrderStatus.SHIPPED


def test_quantities_are_limited_across_returns(client, customer, admin, card_paid):
    order, _, _ = card_paid
    ids = lines_of(order)
    first = ask(client, customer, order, (ids["500.00"], 2)).get_json()
    too_many = ask(client, customer, order, (ids["500.00"], 2))
    body = assert_problem(too_many, 422, "validation_error")
    assert body["errors"] == {f"lines.{ids['500.00']}": [f"At most 1 of {order.lines[0].name} can still be returned."]}
    assert ask(client, customer, order, (ids["500.00"], 1)).status_code == 201  # the last one
    act(client, admin, first, "reject", reason="Used")  # a rejected return frees its units
    assert ask(client, customer, order, (ids["500.00"], 2)).status_code == 201
    split = ask(client, customer, order, (ids["1000.00"], 1), (ids["1000.00"], 1))  # the same line twice
    assert_problem(split, 422, "validation_error")


@pytest.mark.parametrize(
    "body",
    [
        {"lines": [], "reason": "damaged"},
        {"lines": [{"order_line_id": 1, "quantity": 0}], "reason": "damaged"},
        {"lines": [{"order_line_id": 1, "quantity": 1}], "reason": "bored"},
        {"lines": [{"order_line_id": 1, "quantity": "1"}], "reason": "damaged"},
        {"lines": [{"order_line_id": 1, "quantity": 1}]},
    ],
)
def test_bad_requests_are_422(client, customer, card_paid, body):
    order, _, _ = card_paid
    response = client.post(RETURNS, json={"order_id": order.id, **body}, headers=customer.headers)
    assert_problem(response, 422, "validation_error")


def test_a_line_of_another_order_is_422(client, customer, card_paid, products):
    order, _, _ = card_paid
    other = deliver_to(customer.user, products[1])
    response = ask(client, customer, order, (other.lines[0].id, 1))
    assert list(assert_problem(response, 422, "validation_error")["errors"]) == [f"lines.{other.lines[0].id}"]


def test_the_whole_way_refunds_on_paystack_restocks_once_and_returns_the_order(
    client, customer, admin, card_paid, products
):
    order, payment, api = card_paid
    ids = lines_of(order)
    a, b = products
    before = stock_of(a), stock_of(b)
    made = ask(client, customer, order, (ids["500.00"], 3), (ids["1000.00"], 1)).get_json()
    assert act(client, admin, made, "approve").get_json()["status"] == "approved"
    received = act(client, admin, made, "receive", restock=True).get_json()
    assert received["status"] == "received" and received["restocked"] is True
    assert (stock_of(a), stock_of(b)) == (before[0] + 3, before[1] + 1)
    _paystack_refund(api)
    refunded = act(client, admin, made, "refund")
    assert refunded.status_code == 200, refunded.get_json()
    body = refunded.get_json()
    assert body["status"] == "refunded" and body["refund_amount"] == "2750.00"  # every line: delivery too
    assert json.loads(api.calls[-1].request.body) == {"transaction": payment.provider_reference}  # the whole of it
    refund = db.session.get(Refund, body["refund_id"])
    assert refund.payment_id == payment.id and refund.amount == Decimal("2750.00")
    assert db.session.get(Order, order.id).status == "returned"
    assert db.session.get(Payment, payment.id).status == "refunded"
    assert [e["to_status"] for e in body["history"]] == ["requested", "approved", "received", "refunded"]
    assert (stock_of(a), stock_of(b)) == (before[0] + 3, before[1] + 1)  # still once


def test_a_partial_return_refunds_its_lines_only_and_never_more(client, customer, admin, card_paid):
    order, payment, api = card_paid
    ids = lines_of(order)
    made = ask(client, customer, order, (ids["500.00"], 1)).get_json()
    act(client, admin, made, "approve")
    act(client, admin, made, "receive", restock=False)
    too_much = act(client, admin, made, "refund", amount="750.00")
    assert assert_problem(too_much, 409, "refund_exceeds_payment")["refundable"] == "500.00"
    _paystack_refund(api, "pending")
    body = act(client, admin, made, "refund", amount="400.00").get_json()
    assert body["refund_amount"] == "400.00"
    assert json.loads(api.calls[-1].request.body) == {"transaction": payment.provider_reference, "amount": 40000}
    assert db.session.get(Order, order.id).status == "delivered"  # the rest of it stays with the customer
    assert db.session.get(Payment, payment.id).status == "partially_refunded"


def test_paystack_down_leaves_the_return_received(client, customer, admin, card_paid):
    import requests

    order, _, api = card_paid
    made = ask(client, customer, order, (lines_of(order)["500.00"], 1)).get_json()
    act(client, admin, made, "approve")
    act(client, admin, made, "receive", restock=False)
    api.post(f"{PAYSTACK}/refund", body=requests.exceptions.ConnectTimeout())
    assert_problem(act(client, admin, made, "refund"), 502, "provider_unavailable")
    again = client.get(f"{RETURNS}/{made['id']}", headers=admin.headers).get_json()
    assert again["status"] == "received" and again["refund_id"] is None
    assert db.session.scalar(select(Refund.id)) is None


def test_a_cash_order_is_refunded_by_hand_with_its_reference(client, customer, admin, products):
    from app.payments.services.cash import confirm_cash

    order = deliver_to(customer.user, products[1])
    confirm_cash(admin.user, order.id, order.total)
    db.session.flush()
    made = ask(client, customer, order, (order.lines[0].id, 1)).get_json()
    act(client, admin, made, "approve")
    act(client, admin, made, "receive", restock=True)
    assert_problem(act(client, admin, made, "refund"), 422, "validation_error")  # no reference
    done = act(client, admin, made, "refund", reference="MPESA-RVS-0001").get_json()
    assert done["status"] == "refunded" and done["refund_amount"] == "1250.00"
    assert db.session.get(Refund, done["refund_id"]).provider_reference == "MPESA-RVS-0001"


@pytest.mark.parametrize(
    "path,verb,body",
    [
        (["approve"], "approve", {}),
        (["reject"], "approve", {}),
        (["approve"], "reject", {"reason": "x"}),
        ([], "receive", {"restock": True}),
        ([], "refund", {}),
        (["approve"], "refund", {}),
        (["approve", "receive"], "approve", {}),
    ],
)
def test_illegal_moves_are_409_with_the_allowed_ones(client, customer, admin, card_paid, path, verb, body):
    order, _, _ = card_paid
    made = ask(client, customer, order, (lines_of(order)["500.00"], 1)).get_json()
    steps = {"approve": {}, "reject": {"reason": "no"}, "receive": {"restock": False}}
    for step in path:
        assert act(client, admin, made, step, **steps[step]).status_code == 200
    problem = assert_problem(act(client, admin, made, verb, **body), 409, "invalid_transition")
    assert "allowed" in problem


def test_customers_cancel_their_own_requested_returns_only(client, customer, other_customer, admin, card_paid):
    order, _, _ = card_paid
    made = ask(client, customer, order, (lines_of(order)["500.00"], 1)).get_json()
    url = f"{RETURNS}/{made['id']}"
    assert_problem(client.get(url, headers=other_customer.headers), 404, "return_not_found")
    assert_problem(client.post(f"{url}/cancel", headers=other_customer.headers), 404, "return_not_found")
    assert_problem(client.post(f"{url}/approve", json={}, headers=customer.headers), 403, "forbidden")
    assert client.post(f"{url}/cancel", headers=customer.headers).get_json()["status"] == "cancelled"
    assert_problem(client.post(f"{url}/cancel", headers=customer.headers), 409, "invalid_transition")
    assert client.get(RETURNS, headers=other_customer.headers).get_json()["meta"]["total"] == 0


def test_someone_elses_order_is_404(client, other_customer, card_paid):
    order, _, _ = card_paid
    assert_problem(ask(client, other_customer, order, (order.lines[0].id, 1)), 404, "order_not_found")


def test_admins_filter_returns(client, customer, admin, card_paid):
    order, _, _ = card_paid
    ids = lines_of(order)
    first = ask(client, customer, order, (ids["500.00"], 1)).get_json()
    ask(client, customer, order, (ids["1000.00"], 1))
    act(client, admin, first, "approve")
    approved = client.get(RETURNS, query_string={"status": "approved"}, headers=admin.headers).get_json()
    assert [r["id"] for r in approved["items"]] == [first["id"]]
    mine = client.get(RETURNS, query_string={"customer_id": customer.user.id}, headers=admin.headers).get_json()
    assert mine["meta"]["total"] == 2
    later = (utcnow() + timedelta(days=1)).isoformat()
    assert client.get(RETURNS, query_string={"created_from": later}, headers=admin.headers).get_json()["items"] == []


def _png(colour: str = "red") -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def _upload(client, actor, made, data: bytes, name: str = "photo.png"):
    import io

    return client.post(
        f"{RETURNS}/{made['id']}/images",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        headers=actor.headers,
    )


def test_evidence_photos_are_checked_capped_and_the_customers_own(client, customer, other_customer, admin, card_paid):
    order, _, _ = card_paid
    made = ask(client, customer, order, (lines_of(order)["500.00"], 1), reason="damaged").get_json()
    added = _upload(client, customer, made, _png())
    assert added.status_code == 201, added.get_json()
    # Location is the photo (its signed link, as in the body), not the return.
    assert added.headers["Location"] == added.get_json()["url"]
    with client.get(added.headers["Location"]) as photo:
        assert photo.status_code == 200 and photo.mimetype == "image/webp"
    from app.returns.models import ReturnImage

    assert db.session.get(ReturnImage, added.get_json()["id"]).path.endswith(".webp")  # re-encoded
    assert_problem(_upload(client, customer, made, b"GIF89a not really"), 422, "validation_error")
    assert_problem(_upload(client, other_customer, made, _png()), 404, "return_not_found")
    for _ in range(4):
        assert _upload(client, customer, made, _png("blue")).status_code == 201
    assert_problem(_upload(client, customer, made, _png()), 409, "too_many_images")
    shown = client.get(f"{RETURNS}/{made['id']}", headers=admin.headers).get_json()
    assert len(shown["images"]) == 5
    act(client, admin, made, "reject", reason="Not damaged")
    other = ask(client, customer, order, (lines_of(order)["500.00"], 1)).get_json()
    client.post(f"{RETURNS}/{other['id']}/cancel", headers=customer.headers)
    assert_problem(_upload(client, customer, other, _png()), 409, "invalid_transition")


def _open(client, url: str, **kwargs):
    response = client.get(url, **kwargs)
    body = response.get_data()  # a file response: read, then closed (ResourceWarning otherwise)
    response.close()
    return response, body


def test_return_photos_are_private_files_opened_by_signed_links_until_they_expire(
    client, app, customer, other_customer, admin, card_paid, monkeypatch
):
    from pathlib import Path
    from urllib.parse import parse_qs, urlsplit

    from app.returns.models import ReturnImage

    monkeypatch.setitem(app.config, "PRIVATE_MEDIA_LINK_MINUTES", 5)  # expiry within the login's 15 minutes
    order, _, _ = card_paid
    made = ask(client, customer, order, (lines_of(order)["500.00"], 1), reason="damaged").get_json()
    first, second = (_upload(client, customer, made, _png(colour)).get_json() for colour in ("red", "blue"))
    path = db.session.get(ReturnImage, first["id"]).path
    # Not under the public media root, so neither /media/ nor a web server in front serves it.
    assert (Path(app.config["PRIVATE_MEDIA_ROOT"]) / path).is_file()
    assert not (Path(app.config["MEDIA_ROOT"]) / path).exists()
    assert _open(client, f"/media/{path}")[0].status_code == 404

    # The link needs no token (an <img> has none), and the customer and an admin get the same one.
    shown = client.get(f"{RETURNS}/{made['id']}", headers=admin.headers).get_json()
    assert [image["url"] for image in shown["images"]] == [first["url"], second["url"]]
    response, body = _open(client, first["url"])
    assert response.status_code == 200 and response.mimetype == "image/webp"
    assert body[:4] == b"RIFF" and body[8:12] == b"WEBP"
    cache, max_age = response.headers["Cache-Control"].split("=")
    assert cache == "private, max-age" and 5 * 60 <= int(max_age) <= 10 * 60
    assert response.headers["Referrer-Policy"] == "no-referrer"

    # A link opens only the photo it was signed for.
    split = urlsplit(first["url"])
    query = parse_qs(split.query)
    signature = query["signature"][0]
    altered = "A" if signature[0] != "A" else "B"
    tampered = first["url"].replace(signature, altered + signature[1:])
    other_photo = f"{RETURNS}/{made['id']}/images/{second['id']}?{split.query}"
    other_return = split.path.replace(f"/returns/{made['id']}/", f"/returns/{made['id'] + 1}/") + "?" + split.query
    later = first["url"].replace(f"expires={query['expires'][0]}", f"expires={int(query['expires'][0]) + 300}")
    for url in (tampered, other_photo, other_return, later):
        response, body = _open(client, url)
        assert_problem(response, 404, "return_image_not_found")
    assert_problem(_open(client, split.path)[0], 422, "validation_error")
    for bad in ("expires=soon&signature=" + signature, f"expires={query['expires'][0]}&signature=short"):
        assert_problem(_open(client, f"{split.path}?{bad}")[0], 422, "validation_error")

    # Expired after its window: 403, and the return read again hands out a fresh link.
    with time_machine.travel(utcnow() + timedelta(minutes=11), tick=False):
        assert_problem(_open(client, first["url"])[0], 403, "media_link_expired")
        fresh = client.get(f"{RETURNS}/{made['id']}", headers=customer.headers).get_json()["images"][0]["url"]
        assert fresh != first["url"] and _open(client, fresh)[0].status_code == 200
    # A photo lost from the disk is the same 404, not a bare one.
    (Path(app.config["PRIVATE_MEDIA_ROOT"]) / db.session.get(ReturnImage, second["id"]).path).unlink()
    assert_problem(_open(client, second["url"])[0], 404, "return_image_not_found")
    # The return itself stays its customer's and the admins'.
    assert_problem(client.get(f"{RETURNS}/{made['id']}", headers=other_customer.headers), 404, "return_not_found")


def test_a_paypal_order_is_refunded_on_its_capture_in_dollars(client, app, customer, admin, products, monkeypatch):
    import responses

    from app.payments.gateways import tokens

    order = deliver_to(customer.user, products[0], quantity=3, payment_method="paypal")
    payment = Payment(
        order_id=order.id,
        user_id=customer.user.id,
        provider="paypal",
        status="succeeded",
        amount=Decimal("13.52"),  # KES 1,750.00 at 129.50, rounded up
        currency="USD",
        order_amount=order.total,
        exchange_rate=Decimal("129.50"),
        amount_paid=Decimal("13.52"),
        provider_reference="5O190127TN364715T",
        receipt="3C679366HH908993F",
    )
    db.session.add(payment)
    db.session.flush()
    made = ask(client, customer, order, (order.lines[0].id, 1)).get_json()
    act(client, admin, made, "approve")
    act(client, admin, made, "receive", restock=True)
    api_base = "https://api-m.sandbox.paypal.com"
    tokens.forget()
    with responses.RequestsMock() as api:
        api.post(f"{api_base}/v1/oauth2/token", json={"access_token": "A21", "expires_in": 32400})
        api.post(
            f"{api_base}/v2/payments/captures/3C679366HH908993F/refund",
            status=201,
            json={"id": "1JU08902781691411", "status": "COMPLETED"},
        )
        monkeypatch.setitem(app.config, "PAYPAL_BASE_URL", api_base)
        monkeypatch.setitem(app.config, "PAYPAL_CLIENT_ID", "id")
        monkeypatch.setitem(app.config, "PAYPAL_CLIENT_SECRET", "secret")
        body = act(client, admin, made, "refund").get_json()
        sent = json.loads(api.calls[-1].request.body)
    tokens.forget()
    assert body["refund_amount"] == "500.00"  # one unit, no delivery: the rest of the order stays
    assert sent == {"amount": {"currency_code": "USD", "value": "3.86"}}  # 500 / 129.50 = 3.861, half up
    assert db.session.get(Refund, body["refund_id"]).amount == Decimal("3.86")
