"""Meta-tests walking app.url_map, so a new route cannot skip its guards:

- every API route outside PUBLIC answers 401 without a token;
- every admin route answers 403 to a customer and a supplier;
- every route taking another object's id is listed in OWNED with a way to make such an object,
  and answers 404 when a second user asks for the first user's object.
"""
from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.factories import AddressFactory
from tests.helpers import assert_problem

PUBLIC = {
    "/api/v1/health",
    "/api/v1/openapi.json",
    "/api/v1/docs",
    "/api/v1/auth/register",
    "/api/v1/auth/login",
    "/api/v1/auth/verify-email",
    "/api/v1/auth/resend-verification",
    "/api/v1/auth/forgot-password",
    "/api/v1/auth/reset-password",
}

# rule -> function(owner User) returning the id of an object that owner holds.
OWNED: dict[str, Callable] = {
    "/api/v1/me/addresses/<int:address_id>": lambda owner: AddressFactory(user_id=owner.id).id,
}

CALLABLE_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def api_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            for method in sorted((rule.methods or set()) & CALLABLE_METHODS):
                yield rule, method


def concrete(rule, value: int = 1) -> str:
    path = rule.rule
    for argument in rule.arguments:
        path = path.replace(f"<int:{argument}>", str(value)).replace(f"<{argument}>", str(value))
    return path


def test_every_private_route_needs_a_token(app, client):
    checked = 0
    for rule, method in api_rules(app):
        if rule.rule in PUBLIC:
            continue
        response = client.open(concrete(rule), method=method, json={})
        assert response.status_code == 401, f"{method} {rule.rule} answered {response.status_code} without a token"
        checked += 1
    assert checked >= 15


@pytest.mark.parametrize("who", ["customer", "supplier"])
def test_every_admin_route_is_403_for_non_admins(app, client, request, who):
    actor = request.getfixturevalue(who)
    admin_rules = [(r, m) for r, m in api_rules(app) if r.rule.startswith("/api/v1/admin/")]
    assert admin_rules
    for rule, method in admin_rules:
        response = client.open(concrete(rule, actor.user.id), method=method, json={}, headers=actor.headers)
        assert_problem(response, 403, "forbidden")


def test_every_id_route_is_listed_in_owned(app):
    id_rules = {r.rule for r, _ in api_rules(app) if r.arguments and not r.rule.startswith("/api/v1/admin/")}
    assert id_rules == set(OWNED), "list new id-taking routes in OWNED with a factory"


def test_second_user_gets_404_for_every_owned_route(app, client, customer, other_customer):
    for rule, method in api_rules(app):
        if rule.rule not in OWNED:
            continue
        object_id = OWNED[rule.rule](customer.user)
        response = client.open(concrete(rule, object_id), method=method, json={}, headers=other_customer.headers)
        assert_problem(response, 404, "not_found")
        # The owner still reaches it (the 404 is about ownership, not a broken route).
        if method == "GET":
            assert client.get(concrete(rule, object_id), headers=customer.headers).status_code == 200


def test_ids_out_of_range_are_404_not_database_errors(client, customer, admin):
    for bad in ("0", "2147483648", "1846981367093494808576", "-1"):
        assert_problem(client.get(f"/api/v1/me/addresses/{bad}", headers=customer.headers), 404, "not_found")
        response = client.patch(f"/api/v1/admin/users/{bad}", json={"role": "admin"}, headers=admin.headers)
        assert_problem(response, 404, "not_found")


def test_id_parameters_are_documented_with_bounds(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    [param] = spec["paths"]["/api/v1/me/addresses/{address_id}"]["parameters"]
    assert param["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
