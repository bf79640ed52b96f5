"""GET /admin/users and PATCH /admin/users/{id}."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory
from tests.helpers import assert_problem

URL = "/api/v1/admin/users"


def test_admin_lists_users_paginated(client, admin):
    for i in range(5):
        UserFactory(email=f"shopper{i}@example.com")
    response = client.get(f"{URL}?per_page=2&page=2", headers=admin.headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["meta"] == {"page": 2, "per_page": 2, "total": 6, "pages": 3}
    assert len(body["items"]) == 2


def test_filter_by_role_and_email(client, admin):
    UserFactory(email="seller@shop.co.ke", role="supplier")
    UserFactory(email="buyer@shop.co.ke")
    suppliers = client.get(f"{URL}?role=supplier", headers=admin.headers).get_json()
    assert [u["email"] for u in suppliers["items"]] == ["seller@shop.co.ke"]
    by_email = client.get(f"{URL}?email=SHOP.co", headers=admin.headers).get_json()
    assert {u["email"] for u in by_email["items"]} == {"seller@shop.co.ke", "buyer@shop.co.ke"}
    wildcard = client.get(f"{URL}?email=%25", headers=admin.headers).get_json()
    assert wildcard["items"] == []


@pytest.mark.parametrize("query", ["per_page=101", "per_page=0", "page=0", "role=king", "page=abc", "bogus=1"])
def test_bad_query_is_422(client, admin, query):
    assert_problem(client.get(f"{URL}?{query}", headers=admin.headers), 422, "validation_error")


def test_admin_changes_role_effective_at_once(client, admin, customer):
    response = client.patch(f"{URL}/{customer.user.id}", json={"role": "supplier"}, headers=admin.headers)
    assert response.status_code == 200
    assert response.get_json()["role"] == "supplier"
    assert client.get("/api/v1/me", headers=customer.headers).get_json()["role"] == "supplier"


def test_last_admin_cannot_be_demoted(client, admin):
    response = client.patch(f"{URL}/{admin.user.id}", json={"role": "customer"}, headers=admin.headers)
    assert_problem(response, 409, "last_admin")


def test_unknown_user_and_bad_role(client, admin):
    assert_problem(
        client.patch(f"{URL}/999999", json={"role": "supplier"}, headers=admin.headers), 404, "user_not_found"
    )
    assert_problem(
        client.patch(f"{URL}/{admin.user.id}", json={"role": "god"}, headers=admin.headers), 422, "validation_error"
    )


@pytest.mark.parametrize("who", ["customer", "supplier"])
def test_non_admins_get_403(client, request, who):
    actor = request.getfixturevalue(who)
    assert_problem(client.get(URL, headers=actor.headers), 403, "forbidden")
    response = client.patch(f"{URL}/{actor.user.id}", json={"role": "admin"}, headers=actor.headers)
    assert_problem(response, 403, "forbidden")
    assert actor.user.role == who


def test_admin_routes_need_a_token(client):
    assert_problem(client.get(URL), 401, "missing_token")
