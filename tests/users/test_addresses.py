"""/me/addresses CRUD and the one-default rule."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.users.models import Address
from tests.factories import AddressFactory
from tests.helpers import assert_problem

URL = "/api/v1/me/addresses"


def address(**overrides):
    body = {
        "label": "Home",
        "recipient": "Amani Mwangi",
        "phone": "0722000111",
        "county": "nairobi",
        "town": "Nairobi",
        "street": "Moi Avenue 12",
        "postal_code": "00100",
    }
    body.update(overrides)
    return body


def defaults(user_id: int) -> list[int]:
    return list(
        db.session.scalars(db.select(Address.id).where(Address.user_id == user_id, Address.is_default.is_(True)))
    )


def test_create_first_address_becomes_default(client, customer):
    response = client.post(URL, json=address(), headers=customer.headers)
    assert response.status_code == 201
    body = response.get_json()
    assert body["is_default"] is True
    assert body["county"] == "Nairobi"
    assert body["phone"] == "+254722000111"


def test_new_default_moves_the_default(client, customer):
    first = client.post(URL, json=address(), headers=customer.headers).get_json()
    second = client.post(URL, json=address(label="Work", is_default=True), headers=customer.headers).get_json()
    assert defaults(customer.user.id) == [second["id"]]
    listed = client.get(URL, headers=customer.headers).get_json()
    assert [a["id"] for a in listed["items"]] == [second["id"], first["id"]]
    assert listed["meta"] == {"page": 1, "per_page": 20, "total": 2, "pages": 1}


def test_patch_can_make_an_address_default(client, customer):
    first = client.post(URL, json=address(), headers=customer.headers).get_json()
    second = client.post(URL, json=address(label="Work"), headers=customer.headers).get_json()
    assert second["is_default"] is False
    response = client.patch(
        f"{URL}/{second['id']}", json={"is_default": True, "town": "Thika"}, headers=customer.headers
    )
    assert response.status_code == 200
    assert response.get_json()["town"] == "Thika"
    assert defaults(customer.user.id) == [second["id"]]
    assert client.get(f"{URL}/{first['id']}", headers=customer.headers).get_json()["is_default"] is False


def test_the_default_address_cannot_be_unset_without_choosing_another(client, customer):
    first = client.post(URL, json=address(), headers=customer.headers).get_json()
    client.post(URL, json=address(label="Work"), headers=customer.headers)
    response = client.patch(
        f"{URL}/{first['id']}", json={"is_default": False, "town": "Thika"}, headers=customer.headers
    )
    body = assert_problem(response, 409, "default_address_required")
    assert "is_default" in body["errors"]
    assert defaults(customer.user.id) == [first["id"]]
    assert client.get(f"{URL}/{first['id']}", headers=customer.headers).get_json()["town"] != "Thika"  # nothing changed
    # Saying false about an address that is not the default is fine (it is already so).
    assert client.patch(f"{URL}/{first['id']}", json={"is_default": True}, headers=customer.headers).status_code == 200


def test_deleting_the_default_promotes_another(client, customer):
    first = client.post(URL, json=address(), headers=customer.headers).get_json()
    second = client.post(URL, json=address(label="Work"), headers=customer.headers).get_json()
    assert client.delete(f"{URL}/{first['id']}", headers=customer.headers).status_code == 204
    assert defaults(customer.user.id) == [second["id"]]
    assert_problem(client.get(f"{URL}/{first['id']}", headers=customer.headers), 404, "address_not_found")


@pytest.mark.parametrize(
    "field,value",
    [("county", "Atlantis"), ("phone", "12"), ("postal_code", "ABC"), ("label", ""), ("user_id", 5), ("id", 3)],
)
def test_bad_address_is_422(client, customer, field, value):
    body = assert_problem(
        client.post(URL, json=address(**{field: value}), headers=customer.headers), 422, "validation_error"
    )
    assert field in body["errors"]


def test_missing_fields_are_422(client, customer):
    body = assert_problem(client.post(URL, json={"label": "x"}, headers=customer.headers), 422, "validation_error")
    assert {"recipient", "phone", "county", "town", "street"} <= set(body["errors"])


def test_another_users_address_is_404(client, customer, other_customer):
    theirs = AddressFactory(user_id=other_customer.user.id)
    for method in ("get", "patch", "delete"):
        kwargs = {"json": {"town": "Hacked"}} if method == "patch" else {}
        response = getattr(client, method)(f"{URL}/{theirs.id}", headers=customer.headers, **kwargs)
        assert_problem(response, 404, "address_not_found")
    db.session.refresh(theirs)
    assert theirs.town != "Hacked"
    assert client.get(URL, headers=customer.headers).get_json()["items"] == []


def test_addresses_need_a_token(client):
    assert_problem(client.get(URL), 401, "missing_token")
    assert_problem(client.post(URL, json=address()), 401, "missing_token")
