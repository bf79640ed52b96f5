"""Meta-tests walking app.url_map, so a new route cannot skip its guards:

- a route without `login_required` must be listed in PUBLIC (being public is a decision);
- every other route answers 401 without a token;
- admin-only routes answer 403 to customers and suppliers; seller routes 403 to customers;
- every private route taking an object's id is listed in OWNED with a way to make such an
  object, and answers 404 when another user of the owner's role asks for it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pytest

from app.extensions import db
from tests.conftest import Actor
from tests.factories import (
    AddressFactory,
    DeliveryZoneFactory,
    ProductFactory,
    ProductImageFactory,
    UserFactory,
)
from tests.helpers import assert_problem

PUBLIC = {
    ("/api/v1/health", "GET"),
    ("/api/v1/openapi.json", "GET"),
    ("/api/v1/docs", "GET"),
    ("/api/v1/auth/register", "POST"),
    ("/api/v1/auth/login", "POST"),
    ("/api/v1/auth/refresh", "POST"),  # guarded by the refresh token itself
    ("/api/v1/auth/verify-email", "POST"),
    ("/api/v1/auth/email-code", "POST"),
    ("/api/v1/auth/google", "POST"),
    ("/api/v1/auth/google/start", "GET"),
    ("/api/v1/auth/google/callback", "GET"),
    ("/api/v1/auth/google/handoff", "POST"),
    ("/api/v1/auth/methods", "GET"),
    ("/api/v1/auth/email-code/verify", "POST"),
    ("/api/v1/auth/resend-verification", "POST"),
    ("/api/v1/auth/forgot-password", "POST"),
    ("/api/v1/auth/reset-password", "POST"),
    ("/api/v1/categories", "GET"),
    ("/api/v1/categories/by-slug/<slug>", "GET"),
    ("/api/v1/docs/assets/<path:filename>", "GET"),
    ("/api/v1/brands", "GET"),
    ("/api/v1/products", "GET"),
    ("/api/v1/products/<int:product_id>", "GET"),
    ("/api/v1/products/by-slug/<slug>", "GET"),
    # The cart: a guest's (X-Cart-Token) or, with a token, the user's (login_optional).
    ("/api/v1/cart", "GET"),
    ("/api/v1/cart", "DELETE"),
    ("/api/v1/cart/count", "GET"),
    ("/api/v1/cart/validate", "GET"),
    ("/api/v1/cart/lines", "POST"),
    ("/api/v1/cart/lines/<int:line_id>", "PATCH"),
    ("/api/v1/cart/lines/<int:line_id>", "DELETE"),
    ("/api/v1/cart/lines/<int:line_id>/save-for-later", "POST"),
    ("/api/v1/cart/lines/<int:line_id>/move-to-cart", "POST"),
    ("/api/v1/delivery-zones", "GET"),
    ("/api/v1/delivery-zones/<int:zone_id>", "GET"),
    ("/api/v1/delivery-zones/quote", "POST"),  # login_optional: a saved address needs a login
    ("/api/v1/payments/methods", "GET"),
    ("/api/v1/returns/<int:return_id>/images/<int:image_id>", "GET"),  # the signed link is the guard
    ("/api/v1/payments/mpesa/callback/<secret>", "POST"),  # Safaricom's: the secret in the path is the guard
    ("/api/v1/payouts/mpesa/<kind>/result/<secret>", "POST"),  # Safaricom's B2C results: likewise
    ("/api/v1/payouts/mpesa/<kind>/timeout/<secret>", "POST"),
    ("/api/v1/wallet/mpesa/callback/<secret>", "POST"),
    ("/api/v1/products/<int:product_id>/questions", "GET"),
    ("/api/v1/questions/<int:question_id>", "GET"),  # Safaricom's top-up results: likewise
    ("/api/v1/payments/paystack/webhook", "POST"),  # Paystack's: its HMAC signature is the guard
    ("/api/v1/payments/paypal/webhook", "POST"),  # PayPal's: PayPal verifies its signature
    ("/api/v1/products/<int:product_id>/reviews", "GET"),
    ("/api/v1/reviews/<int:review_id>", "GET"),  # login_optional: a hidden review, for its author
    ("/api/v1/sellers/<slug>", "GET"),  # a store's public page
    ("/api/v1/terms/current", "GET"),  # the seller terms in effect
    # The signed link is the guard, as for return photos.
    ("/api/v1/seller-accounts/<int:account_id>/documents/<int:document_id>", "GET"),
}

# Id routes whose id names a public object, not one of the caller's: whoever received a product
# reviews it.
NOT_OWNED = {
    "/api/v1/products/<int:product_id>/reviews",
    "/api/v1/products/<int:product_id>/questions",  # anyone signed in asks about any product
    "/api/v1/questions/<int:question_id>/helpful",  # anyone signed in finds any question helpful
    "/api/v1/questions/<int:question_id>/answers",  # another seller is 403 not_the_seller (tested)
}


def _product(owner) -> dict[str, int]:
    return {"product_id": ProductFactory(supplier=owner).id}


def _cart_line(owner) -> dict[str, int]:
    from app.cart.services import Owner, add_line

    return {"line_id": add_line(Owner(user=owner), ProductFactory(stock=5).id, 1).lines[0].id}


def _order(owner) -> dict[str, Any]:
    from app.cart.services import Owner, add_line
    from app.orders.services.checkout import place_order

    zone = DeliveryZoneFactory(counties=["Nairobi"])
    address = AddressFactory(user_id=owner.id, county="Nairobi", town="Nairobi")
    add_line(Owner(user=owner), ProductFactory(stock=5).id, 1)
    order = place_order(owner, {"address_id": address.id, "payment_method": "mpesa", "delivery_zone_id": zone.id})
    db.session.commit()
    return {"order_id": order.id, "reference": order.reference}


def _payment(owner, provider: str = "mpesa") -> dict[str, Any]:
    from app.payments.models import Payment

    made = _order(owner)
    payment = Payment(
        order_id=made["order_id"],
        user_id=owner.id,
        provider=provider,
        provider_reference=f"{made['reference']}-TEST",
        status="failed",
        amount="10.00",
        currency="KES",
        order_amount="10.00",
    )
    db.session.add(payment)
    db.session.commit()
    return {**made, "payment_id": payment.id, "reference": payment.provider_reference}


def _review(owner) -> dict[str, int]:
    from app.reviews.models import Review

    # Hidden: a visible review is anyone's to read, so only a hidden one tells owners apart on GET.
    review = Review(product_id=ProductFactory().id, user_id=owner.id, rating=4, hidden=True, hidden_reason="test")
    db.session.add(review)
    db.session.commit()
    return {"review_id": review.id}


def _return(owner) -> dict[str, int]:
    from app.returns.services import create_return
    from tests.helpers import deliver_to

    order = deliver_to(owner, ProductFactory(stock=5))
    lines = [{"order_line_id": order.lines[0].id, "quantity": 1}]
    request = create_return(owner, {"order_id": order.id, "lines": lines, "reason": "other"})
    db.session.commit()
    return {"return_id": request.id}


def _notification(owner) -> dict[str, int]:
    from app.notifications.inbox import Kind, notify
    from app.notifications.models import Notification

    notify(owner.id, Kind.ORDER_PLACED, "Order placed", "We have it.")
    db.session.commit()
    return {"notification_id": db.session.scalar(db.select(Notification.id).where(Notification.user_id == owner.id))}


def _seller_account(owner) -> dict[str, int]:
    from app.sellers.services.accounts import apply

    account = apply(
        owner,
        {
            "store_name": f"Store of {owner.id}",
            "kind": "individual",
            "about": "",
            "contact_phone": "+254712345678",
            "contact_email": owner.email,
            "pickup_county": "Nairobi",
            "pickup_town": "Nairobi",
        },
    )
    db.session.commit()
    return {"account_id": account.id}


def _seller_order(owner) -> dict[str, int]:
    from app.cart.services import Owner, add_line
    from app.orders.services.checkout import place_order
    from app.sellers.models import SellerOrder
    from tests.factories import store_of

    buyer = UserFactory(role="customer")
    zone = DeliveryZoneFactory(counties=["Nairobi"])
    address = AddressFactory(user_id=buyer.id, county="Nairobi", town="Nairobi")
    add_line(Owner(user=buyer), ProductFactory(seller=store_of(owner), stock=5).id, 1)
    order = place_order(buyer, {"address_id": address.id, "payment_method": "cash", "delivery_zone_id": zone.id})
    db.session.commit()
    return {"seller_order_id": db.session.scalar(db.select(SellerOrder.id).where(SellerOrder.order_id == order.id))}


def _payout(owner, payee: str = "seller") -> dict[str, int]:
    """A payout of `owner`'s store, or a withdrawal from their wallet (made as a row: what it pays
    is beside the point here)."""
    from decimal import Decimal

    from app.payouts.models import Payout
    from tests.factories import store_of

    payout = Payout(
        originator_id=f"DUKA-guard-{payee}-{owner.id}",
        payee=payee,
        seller_id=store_of(owner).id if payee == "seller" else None,
        user_id=owner.id,
        phone="254712345678",
        amount=Decimal("100.00"),
        currency="KES",
        status="queued",
        origin="request",
        batch="guard",
        details={},
    )
    db.session.add(payout)
    db.session.commit()
    return {"payout_id": payout.id}


def _question(owner) -> dict[str, int]:
    from app.questions.models import Question

    made = Question(product_id=ProductFactory().id, user_id=owner.id, body="Does it come in blue?")
    db.session.add(made)
    db.session.commit()
    return {"question_id": made.id}


def _top_up(owner) -> dict[str, int]:
    from decimal import Decimal

    from app.wallet.models import TopUp

    made = TopUp(user_id=owner.id, phone="254712345678", amount=Decimal("500.00"), status="pending")
    db.session.add(made)
    db.session.commit()
    return {"top_up_id": made.id}


def _seller_return(owner) -> dict[str, int]:
    """A return holding a line of `owner`'s store."""
    from app.returns.services import create_return
    from tests.factories import store_of
    from tests.helpers import deliver_to

    buyer = UserFactory(role="customer")
    order = deliver_to(buyer, ProductFactory(seller=store_of(owner), stock=5))
    lines = [{"order_line_id": order.lines[0].id, "quantity": 1}]
    request = create_return(buyer, {"order_id": order.id, "lines": lines, "reason": "other"})
    db.session.commit()
    return {"return_id": request.id}


def _image(owner) -> dict[str, int]:
    image = ProductImageFactory(product=ProductFactory(supplier=owner))
    return {"product_id": image.product_id, "image_id": image.id}


# rule -> (owner's role, function(owner User) returning the URL arguments of an object they hold,
#          the problem code another user gets: the entity's own not-found code)
OWNED: dict[str, tuple[str, Callable[[Any], dict[str, Any]], str]] = {
    "/api/v1/me/addresses/<int:address_id>": (
        "customer",
        lambda owner: {"address_id": AddressFactory(user_id=owner.id).id},
        "address_not_found",
    ),
    "/api/v1/products/<int:product_id>": ("supplier", _product, "product_not_found"),
    "/api/v1/cart/lines/<int:line_id>": ("customer", _cart_line, "cart_line_not_found"),
    "/api/v1/orders/<int:order_id>": ("customer", _order, "order_not_found"),
    "/api/v1/orders/by-reference/<reference>": ("customer", _order, "order_not_found"),
    "/api/v1/orders/<int:order_id>/cancel": ("customer", _order, "order_not_found"),
    "/api/v1/orders/<int:order_id>/payments": ("customer", _order, "order_not_found"),
    "/api/v1/payments/<int:payment_id>": ("customer", _payment, "payment_not_found"),
    "/api/v1/payments/<int:payment_id>/refresh": ("customer", _payment, "payment_not_found"),
    "/api/v1/payments/paystack/verify/<reference>": (
        "customer",
        lambda owner: _payment(owner, "paystack"),
        "payment_not_found",
    ),
    "/api/v1/payments/paypal/orders/<paypal_order_id>/capture": (
        "customer",
        lambda owner: {"paypal_order_id": _payment(owner, "paypal")["reference"]},
        "payment_not_found",
    ),
    "/api/v1/reviews/<int:review_id>": ("customer", _review, "review_not_found"),
    "/api/v1/notifications/<int:notification_id>/read": ("customer", _notification, "notification_not_found"),
    "/api/v1/returns/<int:return_id>": ("customer", _return, "return_not_found"),
    "/api/v1/returns/<int:return_id>/cancel": ("customer", _return, "return_not_found"),
    "/api/v1/returns/<int:return_id>/images": ("customer", _return, "return_not_found"),
    "/api/v1/cart/lines/<int:line_id>/save-for-later": ("customer", _cart_line, "cart_line_not_found"),
    "/api/v1/cart/lines/<int:line_id>/move-to-cart": ("customer", _cart_line, "cart_line_not_found"),
    "/api/v1/products/<int:product_id>/images": ("supplier", _product, "product_not_found"),
    "/api/v1/products/<int:product_id>/images/<int:image_id>": ("supplier", _image, "product_not_found"),
    "/api/v1/seller/orders/<int:seller_order_id>": ("supplier", _seller_order, "seller_order_not_found"),
    "/api/v1/seller/payouts/<int:payout_id>": ("supplier", _payout, "payout_not_found"),
    "/api/v1/wallet/top-ups/<int:top_up_id>": ("customer", _top_up, "top_up_not_found"),
    "/api/v1/questions/<int:question_id>": ("customer", _question, "question_not_found"),
    "/api/v1/wallet/withdrawals/<int:payout_id>": ("customer", partial(_payout, payee="wallet"), "payout_not_found"),
    "/api/v1/wallet/top-ups/<int:top_up_id>/refresh": ("customer", _top_up, "top_up_not_found"),
    "/api/v1/seller/orders/<int:seller_order_id>/pack": ("supplier", _seller_order, "seller_order_not_found"),
    "/api/v1/seller/orders/<int:seller_order_id>/ship": ("supplier", _seller_order, "seller_order_not_found"),
    "/api/v1/seller/orders/<int:seller_order_id>/cancel": ("supplier", _seller_order, "seller_order_not_found"),
    "/api/v1/products/<int:product_id>/commission": ("supplier", _product, "product_not_found"),
    "/api/v1/seller/returns/<int:return_id>": ("supplier", _seller_return, "seller_return_not_found"),
    "/api/v1/seller/returns/<int:return_id>/acknowledge": ("supplier", _seller_return, "seller_return_not_found"),
    "/api/v1/seller/returns/<int:return_id>/respond": ("supplier", _seller_return, "seller_return_not_found"),
    "/api/v1/seller-accounts/<int:account_id>": ("customer", _seller_account, "seller_account_not_found"),
    "/api/v1/seller-accounts/<int:account_id>/documents": ("customer", _seller_account, "seller_account_not_found"),
}

CALLABLE_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, format="PNG")
    return buffer.getvalue()


def valid_request(rule: str, method: str) -> dict[str, Any]:
    """A body that passes validation, so only ownership can refuse it."""
    if rule.endswith(("/images", "/documents")) and method == "POST":
        import io

        return {"data": {"file": (io.BytesIO(_png()), "a.png")}, "content_type": "multipart/form-data"}
    if rule.startswith("/api/v1/cart/lines/") and method == "PATCH":
        return {"json": {"quantity": 1}}
    if rule.startswith("/api/v1/reviews/") and method == "PATCH":
        return {"json": {"rating": 1}}
    if rule.startswith("/api/v1/seller/returns/") and rule.endswith("/respond"):
        return {"json": {"response": "accept"}}
    if rule.startswith("/api/v1/seller/orders/") and rule.endswith("/cancel"):
        return {"json": {"reason": "Out of stock"}}
    return {"json": {}}


def roles_of(app, rule, method: str) -> tuple[str, ...] | None:
    """The roles `login_required` demands of (rule, method): None when the view is public."""
    view = app.view_functions[rule.endpoint]
    handler = getattr(view.view_class, method.lower()) if hasattr(view, "view_class") else view
    return getattr(handler, "_duka_roles", None)


def optional_login(app, rule, method: str) -> bool:
    """Whether (rule, method) is `login_optional`: public, but a token makes it the user's."""
    view = app.view_functions[rule.endpoint]
    handler = getattr(view.view_class, method.lower()) if hasattr(view, "view_class") else view
    return getattr(handler, "_duka_optional", False)


def api_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            for method in sorted((rule.methods or set()) & CALLABLE_METHODS):
                yield rule, method, roles_of(app, rule, method)


def concrete(rule, values: dict[str, Any] | None = None) -> str:
    path = rule.rule
    for argument in rule.arguments:
        value = str((values or {}).get(argument, 1))
        path = path.replace(f"<int:{argument}>", value).replace(f"<{argument}>", value)
    return path


def test_public_routes_are_exactly_the_listed_ones(app):
    public = {(rule.rule, method) for rule, method, roles in api_routes(app) if roles is None}
    assert public == PUBLIC


def test_every_private_route_needs_a_token(app, client):
    private = [(r, m) for r, m, roles in api_routes(app) if roles is not None]
    assert len(private) >= 25
    for rule, method in private:
        response = client.open(concrete(rule), method=method, json={})
        assert response.status_code == 401, f"{method} {rule.rule} answered {response.status_code} without a token"


@pytest.mark.parametrize("who", ["customer", "supplier"])
def test_role_guarded_routes_are_403_for_other_roles(app, client, request, who):
    actor = request.getfixturevalue(who)
    checked = 0
    for rule, method, roles in api_routes(app):
        if roles and who not in roles:
            response = client.open(concrete(rule), method=method, json={}, headers=actor.headers)
            assert_problem(response, 403, "forbidden")
            checked += 1
    assert checked


def _owned_kind(app, rule, method, roles) -> bool:
    """Routes whose id names something of the caller's: private ones (not admin-only), and
    login-optional ones (a token makes them the user's)."""
    if roles is None:
        return optional_login(app, rule, method)
    return roles != ("admin",)


def test_every_private_id_route_is_listed_in_owned(app):
    id_routes = {
        rule.rule for rule, method, roles in api_routes(app) if rule.arguments and _owned_kind(app, rule, method, roles)
    }
    assert id_routes - NOT_OWNED == set(OWNED), "list new id-taking routes in OWNED with a factory"


def test_another_user_gets_404_for_every_owned_object(app, client):
    for rule, method, roles in api_routes(app):
        if rule.rule not in OWNED or not _owned_kind(app, rule, method, roles):
            continue
        role, make, code = OWNED[rule.rule]
        owner, intruder = UserFactory(role=role), Actor(UserFactory(role=role))
        url = concrete(rule, make(owner))
        response = client.open(url, method=method, headers=intruder.headers, **valid_request(rule.rule, method))
        assert response.status_code == 404, f"{method} {url} answered {response.status_code} to another {role}"
        assert response.get_json()["code"] == code, f"{method} {url}"


def test_ids_out_of_range_are_404_not_database_errors(client, customer, admin):
    for bad in ("0", "2147483648", "1846981367093494808576", "-1"):
        assert_problem(client.get(f"/api/v1/me/addresses/{bad}", headers=customer.headers), 404, "not_found")
        response = client.patch(f"/api/v1/admin/users/{bad}", json={"role": "admin"}, headers=admin.headers)
        assert_problem(response, 404, "not_found")
        assert_problem(client.get(f"/api/v1/products/{bad}"), 404, "not_found")


def test_id_parameters_are_documented_with_bounds(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    [param] = spec["paths"]["/api/v1/me/addresses/{address_id}"]["parameters"]
    assert param["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
