"""Delivery zones: admin CRUD, the public list, and quotes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.extensions import db
from app.orders.models import DeliveryZone
from tests.factories import AddressFactory, DeliveryZoneFactory, ProductFactory
from tests.helpers import add_to_cart, assert_problem, checkout

ZONES = "/api/v1/delivery-zones"
QUOTE = "/api/v1/delivery-zones/quote"


def test_an_admin_creates_changes_and_deletes_a_zone(client, admin):
    body = {
        "name": "Mount Kenya",
        "counties": ["nyeri", "Murang'a"],
        "towns": ["Karatina", " Othaya "],
        "fee": "400",
        "free_over": "8000.00",
        "days_min": 2,
        "days_max": 4,
    }
    response = client.post(ZONES, json=body, headers=admin.headers)
    assert response.status_code == 201, response.get_json()
    zone = response.get_json()
    assert response.headers["Location"].endswith(f"{ZONES}/{zone['id']}")
    assert zone == {
        "id": zone["id"],
        "name": "Mount Kenya",
        "counties": ["Murang'a", "Nyeri"],
        "towns": ["karatina", "othaya"],
        "fee": "400.00",
        "free_over": "8000.00",
        "days_min": 2,
        "days_max": 4,
        "is_active": True,
    }
    changed = client.patch(f"{ZONES}/{zone['id']}", json={"fee": "450.00", "is_active": False}, headers=admin.headers)
    assert changed.get_json()["fee"] == "450.00" and changed.get_json()["is_active"] is False
    assert_problem(client.get(f"{ZONES}/{zone['id']}"), 404, "delivery_zone_not_found")  # inactive: not public
    assert client.delete(f"{ZONES}/{zone['id']}", headers=admin.headers).status_code == 204
    assert db.session.get(DeliveryZone, zone["id"]) is None


@pytest.mark.parametrize(
    "change",
    [
        {"counties": ["Atlantis"]},
        {"counties": []},
        {"fee": "-1.00"},
        {"fee": 250.5},
        {"days_min": 5, "days_max": 2},
        {"name": ""},
    ],
)
def test_bad_zones_are_422(client, admin, change):
    body = {"name": "Z", "counties": ["Nairobi"], "fee": "100.00", "days_min": 1, "days_max": 2, **change}
    assert_problem(client.post(ZONES, json=body, headers=admin.headers), 422, "validation_error")


def test_a_patch_that_inverts_the_days_is_422(client, admin):
    zone = DeliveryZoneFactory(days_min=1, days_max=2)
    response = client.patch(f"{ZONES}/{zone.id}", json={"days_min": 3}, headers=admin.headers)
    assert_problem(response, 422, "validation_error")


def test_zone_names_are_unique(client, admin):
    DeliveryZoneFactory(name="Coast")
    other = DeliveryZoneFactory(name="Lake")
    body = {"name": "Coast", "counties": ["Mombasa"], "fee": "100.00", "days_min": 1, "days_max": 2}
    assert_problem(client.post(ZONES, json=body, headers=admin.headers), 409, "zone_name_taken")
    rename = client.patch(f"{ZONES}/{other.id}", json={"name": "Coast"}, headers=admin.headers)
    assert_problem(rename, 409, "zone_name_taken")
    assert client.patch(f"{ZONES}/{other.id}", json={"name": "Lake"}, headers=admin.headers).status_code == 200


def test_the_public_sees_active_zones_only(client):
    DeliveryZoneFactory(name="B zone")
    DeliveryZoneFactory(name="A zone")
    DeliveryZoneFactory(name="Hidden", is_active=False)
    page = client.get(ZONES).get_json()
    assert [zone["name"] for zone in page["items"]] == ["A zone", "B zone"] and page["meta"]["total"] == 2


def test_a_quote_by_place_picks_the_town_zone_over_the_county_zone(client):
    DeliveryZoneFactory(name="Kiambu county", counties=["Kiambu"], fee="500.00")
    DeliveryZoneFactory(name="Thika town", counties=["Kiambu"], towns=["thika"], fee="300.00", days_min=0, days_max=1)
    quote = client.post(QUOTE, json={"county": "kiambu", "town": "THIKA"}).get_json()
    assert quote["zone"]["name"] == "Thika town" and quote["fee"] == "300.00" and quote["free_delivery"] is False
    assert (quote["days_min"], quote["days_max"], quote["currency"]) == (0, 1, "KES")
    other = client.post(QUOTE, json={"county": "Kiambu", "town": "Ruiru"}).get_json()
    assert other["zone"]["name"] == "Kiambu county"


def test_free_delivery_from_the_threshold(client, zone):
    below = client.post(QUOTE, json={"county": "Nairobi", "town": "Nairobi", "subtotal": "4999.99"}).get_json()
    at = client.post(QUOTE, json={"county": "Nairobi", "town": "Nairobi", "subtotal": "5000.00"}).get_json()
    assert (below["fee"], below["free_delivery"]) == ("250.00", False)
    assert (at["fee"], at["free_delivery"]) == ("0.00", True)


def test_a_quote_for_a_saved_address_needs_its_owner(client, customer, other_customer, address, zone):
    assert_problem(client.post(QUOTE, json={"address_id": address.id}), 401, "unauthorized")
    theirs = client.post(QUOTE, json={"address_id": address.id}, headers=other_customer.headers)
    assert_problem(theirs, 404, "address_not_found")
    mine = client.post(QUOTE, json={"address_id": address.id}, headers=customer.headers)
    assert mine.status_code == 200 and mine.get_json()["zone"]["name"] == "Nairobi Metro"


def test_nowhere_is_409_not_deliverable(client, customer, zone):
    far = AddressFactory(user_id=customer.user.id, county="Mandera", town="Mandera")
    assert_problem(client.post(QUOTE, json={"address_id": far.id}, headers=customer.headers), 409, "not_deliverable")
    coast = DeliveryZoneFactory(name="Coast", counties=["Mombasa"])
    body = {"county": "Nairobi", "town": "Nairobi", "delivery_zone_id": coast.id}
    assert_problem(client.post(QUOTE, json=body), 409, "not_deliverable")


@pytest.mark.parametrize(
    "body",
    [{}, {"county": "Nairobi"}, {"county": "Gotham", "town": "X"}, {"address_id": 1, "county": "Nairobi", "town": "X"}],
)
def test_bad_quote_bodies_are_422(client, body):
    assert_problem(client.post(QUOTE, json=body), 422, "validation_error")


def test_without_a_subtotal_the_callers_cart_is_quoted_so_the_fee_quoted_is_the_fee_charged(client, customer, address):
    """A cart over the free threshold was quoted 250 and charged 0."""
    DeliveryZoneFactory(name="Nairobi free", counties=["Nairobi"], fee="250.00", free_over="3000.00")
    add_to_cart(client, customer, ProductFactory(price=Decimal("3500.00"), stock=5))
    quoted = client.post(QUOTE, json={"address_id": address.id}, headers=customer.headers).get_json()
    assert (quoted["fee"], quoted["free_delivery"], quoted["subtotal"]) == ("0.00", True, "3500.00")
    order = checkout(client, customer, address).get_json()
    assert order["delivery_fee"] == quoted["fee"]


def test_a_guest_is_quoted_for_the_guest_cart(client):
    DeliveryZoneFactory(name="Nairobi free", counties=["Nairobi"], fee="250.00", free_over="3000.00")
    place = {"county": "Nairobi", "town": "Nairobi"}
    assert client.post(QUOTE, json=place).get_json()["fee"] == "250.00"  # no cart: an empty one
    token = client.post(
        "/api/v1/cart/lines", json={"product_id": ProductFactory(price=Decimal("3500.00"), stock=5).id, "quantity": 1}
    ).get_json()["cart_token"]
    quoted = client.post(QUOTE, json=place, headers={"X-Cart-Token": token}).get_json()
    assert (quoted["fee"], quoted["subtotal"]) == ("0.00", "3500.00")
    assert (
        client.post(QUOTE, json={**place, "subtotal": "100.00"}, headers={"X-Cart-Token": token}).get_json()["fee"]
        == "250.00"
    )  # a subtotal sent is the one quoted
    assert client.post(QUOTE, json=place, headers={"X-Cart-Token": "unknown"}).status_code == 404
