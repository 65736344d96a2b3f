"""The supplies pages and API as a keeper uses them; what another store's keeper cannot see."""

from __future__ import annotations

import pytest

from shequ.supplies import services
from shequ.supplies.models import Stock, TransferStatus
from tests.assistance.conftest import open_request
from tests.conftest import make_user

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def flour(depot):
    return services.stock_receive(
        actor=depot.keeper, warehouse=depot.street, item=depot.flour, quantity=40,
        source="allocation",
    )  # fmt: skip


def test_a_keeper_receives_by_scanned_barcode(client, depot) -> None:
    client.force_login(depot.keeper)
    response = client.post(
        "/supplies/receive/",
        {"warehouse": depot.street.pk, "barcode": "690001", "quantity": "12",
         "source": "donation", "batch_code": "M7", "expires_on": "2027-03-01", "note": ""},
    )  # fmt: skip
    assert response.status_code == 302
    stock = Stock.objects.get(warehouse=depot.street, item=depot.mask)
    assert (stock.quantity, str(stock.batch.expires_on)) == (12, "2027-03-01")
    page = client.get("/supplies/").content.decode()
    assert "N95口罩" in page
    assert "2027-03-01" in page


def test_a_wrong_issue_keeps_the_input_and_names_the_field(client, depot, flour) -> None:
    client.force_login(depot.keeper)
    stock = Stock.objects.get(warehouse=depot.street)
    response = client.post(
        "/supplies/issue/",
        {"stock": stock.pk, "quantity": "41", "team": "转运二组", "household": ""},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Only 40 袋 of 面粉 left" in html
    assert 'value="转运二组"' in html
    assert 'value="41"' in html
    response = client.post(
        "/supplies/issue/", {"stock": stock.pk, "quantity": "1", "household": "NOPE-1"}
    )
    assert "No household with this code" in response.content.decode()
    assert Stock.objects.get(pk=stock.pk).quantity == 40


def test_an_adjustment_without_a_reason_is_refused_on_the_page(client, depot, flour) -> None:
    client.force_login(depot.keeper)
    stock = Stock.objects.get(warehouse=depot.street)
    response = client.post(
        "/supplies/adjust/", {"stock": stock.pk, "delta": "-2", "reason": "damage", "note": ""}
    )
    assert "Say why" in response.content.decode()
    assert Stock.objects.get(pk=stock.pk).quantity == 40


def test_the_store_keeper_receives_a_transfer_short_and_sees_the_discrepancy(
    client, depot, flour
) -> None:
    sent = services.transfer_send(
        actor=depot.keeper, source=depot.street, destination=depot.store_a,
        batch=flour.batch, quantity=10,
    )  # fmt: skip
    client.force_login(depot.keeper_a)
    home = client.get("/").content.decode()
    assert "In transit to you" in home
    response = client.post(f"/supplies/transfers/{sent.pk}/", {"quantity_received": "9"})
    assert response.status_code == 302
    sent.refresh_from_db()
    assert (sent.status, sent.discrepancy) == (TransferStatus.RECEIVED, 1)
    assert "discrepancy 1" in client.get(f"/supplies/transfers/{sent.pk}/").content.decode()


def test_a_community_keeper_sees_only_their_store(client, depot, flour) -> None:
    other = services.stock_receive(
        actor=depot.keeper_b, warehouse=depot.store_b, item=depot.flour, quantity=5,
        source="purchase",
    )  # fmt: skip
    client.force_login(depot.keeper_a)
    assert client.get(f"/supplies/warehouses/{depot.store_b.pk}/").status_code == 404
    assert client.get(f"/supplies/warehouses/{depot.street.pk}/").status_code == 404
    assert client.get(f"/supplies/warehouses/{depot.store_a.pk}/").status_code == 200
    assert "乙社区物资站" not in client.get("/supplies/").content.decode()
    stock_b = Stock.objects.get(warehouse=depot.store_b)
    answer = client.post(
        "/api/v1/supplies/issue",
        {"stock_id": stock_b.pk, "quantity": 1, "team": "x"},
        content_type="application/json",
    )
    assert answer.status_code == 404
    assert Stock.objects.get(pk=stock_b.pk).quantity == 5
    assert other.delta == 5


def test_the_api_issues_to_a_help_request_and_refuses_too_many(client, depot, flour, city) -> None:
    staff = make_user("staff_s", "community_staff", city.a)
    help_request = open_request(staff, city.ha1)
    client.force_login(depot.keeper)
    stock = Stock.objects.get(warehouse=depot.street)
    body = {"stock_id": stock.pk, "quantity": 3, "help_request_id": help_request.pk}
    answer = client.post("/api/v1/supplies/issue", body, content_type="application/json")
    assert answer.status_code == 201
    assert answer.json()["household_id"] == city.ha1.pk
    body["quantity"] = 100
    answer = client.post("/api/v1/supplies/issue", body, content_type="application/json")
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == "quantity"
    assert Stock.objects.get(pk=stock.pk).quantity == 37


def test_a_role_without_supplies_is_refused_the_pages(client, personas) -> None:
    client.force_login(personas.cadre)
    assert client.get("/supplies/").status_code == 403
    assert client.get("/supplies/receive/").status_code == 403
