"""Donations (docs/supplies.md, "Donations"): donors' contacts encrypted at rest and masked on
the page; a cash donation → purchases → issues traced to the movements; overspending refused;
a community keeper sees only their community's donations; the thank-you receipt."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import timezone
from pypdf import PdfReader

from shequ.core.errors import ValidationError
from shequ.core.models import AuditEvent
from shequ.supplies import donation_reads as reads
from shequ.supplies import donations, services
from shequ.supplies.donation_pdf import rmb_upper
from shequ.supplies.models import (
    Category,
    Donation,
    Donor,
    Item,
    Movement,
    MovementKind,
    Source,
    Stock,
)
from tests.assistance.conftest import open_request

pytestmark = pytest.mark.usefixtures("english")

PHONE = "13912345678"
ID_NUMBER = "110101198001010011"
TODAY = dt.date(2026, 12, 1)


@pytest.fixture
def gear(depot):
    """Gloves and disinfectant besides the conftest's masks and flour."""
    depot.gloves = Item.objects.create(name="医用手套", unit="盒", category=Category.MEDICAL)
    depot.spray = Item.objects.create(
        name="消毒液", unit="桶", category=Category.MEDICAL, tracks_expiry=True
    )
    return depot


def _donor(depot, place, name="星河科技有限公司", **kw):
    return donations.donor_register(
        actor=depot.hq, place=place, kind=kw.pop("kind", "organisation"), name=name,
        contact_name=kw.pop("contact_name", "陈经理"), phone=kw.pop("phone", PHONE),
        document_number=kw.pop("document_number", ID_NUMBER),
    )  # fmt: skip


def _cash(depot, donor, place, yuan, receipt):
    return donations.donation_receive_cash(
        actor=depot.hq, donor=donor, place=place, received_on=TODAY, amount_fen=yuan * 100,
        channel="bank", receipt_no=receipt,
    )  # fmt: skip


def _buy(depot, donation, warehouse, *lines, actor=None):
    return donations.donation_purchase(
        actor=actor or depot.hq, donation=donation, warehouse=warehouse, supplier="康安商行",
        bought_on=TODAY,
        lines=[donations.BoughtLine(item, n, yuan * 100, dt.date(2027, 12, 1))
               for item, n, yuan in lines],
    )  # fmt: skip


def test_a_donors_phone_and_id_number_are_encrypted_at_rest(depot) -> None:
    donor = _donor(depot, depot.store_a.place)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT contact_name, phone, document_number, phone_hmac FROM supplies_donor "
            "WHERE id = %s",
            [donor.pk],
        )
        raw = cursor.fetchone()
    assert all(col.startswith("v1:") for col in raw[:3])
    assert PHONE not in " ".join(raw)
    assert ID_NUMBER not in " ".join(raw)
    assert "陈经理" not in raw[0]
    assert Donor.objects.get(pk=donor.pk).phone == PHONE  # decrypted in Python
    assert Donor.objects.filter(phone_hmac=donor.phone_hmac).count() == 1  # blind index
    # The audit row says a phone was given, never which.
    event = AuditEvent.objects.get(action="supplies.donor.register")
    assert PHONE not in str(event.changes)
    assert ID_NUMBER not in str(event.changes)


def test_a_keeper_sees_the_contact_masked_and_the_hq_in_full_audited(client, depot) -> None:
    donor = _donor(depot, depot.store_a.place)
    donation = _cash(depot, donor, depot.store_a.place, 100, "SJ-1")
    client.force_login(depot.keeper_a)
    page = client.get(f"/supplies/donations/{donation.pk}/").content.decode()
    assert "139****5678" in page
    assert "**************0011" in page
    assert "陈**" in page
    assert PHONE not in page
    assert ID_NUMBER not in page
    assert "陈经理" not in page
    assert not AuditEvent.objects.filter(action="supplies.donor.pii.view").exists()
    client.force_login(depot.hq)
    page = client.get(f"/supplies/donations/{donation.pk}/").content.decode()
    assert PHONE in page
    assert ID_NUMBER in page
    seen = AuditEvent.objects.get(action="supplies.donor.pii.view")
    assert seen.actor == depot.hq
    assert seen.changes["donors"] == [donor.pk]


def test_the_api_masks_the_contact_for_a_keeper(api, depot) -> None:
    _donor(depot, depot.store_a.place)
    body = api(depot.keeper_a).get("/api/v1/supplies/donations/donors").json()
    assert body["items"][0]["phone"] == "139****5678"
    assert body["items"][0]["masked"] is True


def test_donation_to_purchase_to_issue_the_trace_equals_the_movements(
    depot, gear, city, personas
) -> None:
    from shequ.duty import services as duty_services

    place = depot.store_a.place
    gate = duty_services.post_create(
        actor=depot.hq, community=place, name="南门", kind="checkpoint"
    )
    gifts = [
        _cash(depot, _donor(depot, place, "星河科技"), place, 3000, "SJ-1"),
        _cash(depot, _donor(depot, place, "王建国", kind="person"), place, 1450, "SJ-2"),
        _cash(depot, _donor(depot, place, "李秀英", kind="person"), place, 1000, "SJ-3"),
    ]
    # Bought into the street's depot? No: the community's own store (under the donation's place).
    _buy(depot, gifts[0], depot.store_a, (depot.mask, 100, 30))
    _buy(depot, gifts[1], depot.store_a, (depot.gloves, 58, 25))
    _buy(depot, gifts[2], depot.store_a, (depot.spray, 40, 25))
    assert sum(d.remaining_fen for d in Donation.objects.all()) == 0
    received = Movement.objects.filter(kind=MovementKind.RECEIVE)
    assert set(received.values_list("source", flat=True)) == {Source.PURCHASE}
    # Issues: to the gate post, a household, a help request; one box damaged; an issue of
    # another batch of masks (not from the donations) must not be traced.
    stock = {s.item.name: s for s in Stock.objects.filter(warehouse=depot.store_a)}
    keeper = depot.keeper_a
    services.stock_issue(actor=keeper, warehouse=depot.store_a, batch=stock["N95口罩"].batch,
                         quantity=30, post=gate)  # fmt: skip
    services.stock_issue(actor=keeper, warehouse=depot.store_a, batch=stock["医用手套"].batch,
                         quantity=8, household=city.ha1)  # fmt: skip
    request = open_request(personas.staff_a, city.ha2)
    services.stock_issue(actor=keeper, warehouse=depot.store_a, batch=stock["消毒液"].batch,
                         quantity=2, help_request=request)  # fmt: skip
    services.stock_adjust(actor=keeper, warehouse=depot.store_a, batch=stock["消毒液"].batch,
                          delta=-1, reason="damage", note="漏了")  # fmt: skip
    other = services.stock_receive(
        actor=keeper, warehouse=depot.store_a, item=depot.mask, quantity=5, source="allocation",
        batch_code="M1", expires_on=dt.date(2027, 1, 1),
    )  # fmt: skip
    services.stock_issue(actor=keeper, warehouse=depot.store_a, batch=other.batch, quantity=5,
                         post=gate)  # fmt: skip

    trace = reads.trace(keeper, gifts)
    assert (trace.amount_fen, trace.spent_fen) == (545000, 545000)
    batches = [line.batch for line in trace.lines]
    expected = Movement.objects.filter(kind=MovementKind.ISSUE, batch__in=batches)
    assert sorted(m.pk for m in trace.movements) == sorted(expected.values_list("pk", flat=True))
    assert other.batch not in batches
    assert [
        (ln.item.name, ln.received, ln.issued, ln.adjusted, ln.in_stock) for ln in trace.lines
    ] == [
        ("N95口罩", 100, 30, 0, 70),
        ("医用手套", 58, 8, 0, 50),
        ("消毒液", 40, 2, -1, 37),
    ]
    assert all(line.balanced for line in trace.lines)
    assert sum(line.cost_fen for line in trace.lines) == 545000
    issued = {(r.kind, r.name): r.items for r in trace.recipients}
    assert issued[("post", "南门")] == {"N95口罩（盒）": 30}
    assert issued[("household", "101室")] == {"医用手套（盒）": 8}
    # The one page: money → items → recipients.
    totals = Movement.objects.filter(pk__in=[m.pk for m in trace.movements]).aggregate(
        n=Sum("delta")
    )
    assert totals["n"] == -40


def test_the_trace_page_shows_the_money_the_items_and_the_posts(client, depot, gear) -> None:
    from shequ.duty import services as duty_services

    place = depot.store_a.place
    gate = duty_services.post_create(
        actor=depot.hq, community=place, name="南门", kind="checkpoint"
    )
    gift = _cash(depot, _donor(depot, place), place, 5450, "SJ-9")
    _buy(depot, gift, depot.store_a, (depot.mask, 100, 30), (depot.gloves, 98, 25))
    batch = Stock.objects.get(warehouse=depot.store_a, item=depot.mask).batch
    services.stock_issue(
        actor=depot.hq, warehouse=depot.store_a, batch=batch, quantity=12, post=gate
    )
    client.force_login(depot.keeper_a)
    page = client.get("/supplies/donations/trace/").content.decode()
    assert "¥5,450.00" in page
    assert "N95口罩" in page
    assert "医用手套" in page
    assert "南门" in page
    assert "N95口罩（盒） 12" in page
    page = client.get(f"/supplies/donations/{gift.pk}/").content.decode()
    assert "南门" in page
    assert 'data-testid="left">¥0.00' in page


def test_a_purchase_costing_more_than_is_left_is_refused(client, depot, gear) -> None:
    place = depot.store_a.place
    gift = _cash(depot, _donor(depot, place), place, 1000, "SJ-1")
    _buy(depot, gift, depot.store_a, (depot.gloves, 20, 25))  # 500 spent
    with pytest.raises(ValidationError) as refused:
        _buy(depot, gift, depot.store_a, (depot.gloves, 10, 25), (depot.mask, 1, 251))
    assert "costs 501.00 yuan" in refused.value.errors["total"]
    assert "500.00 yuan of this donation is left" in refused.value.errors["total"]
    gift.refresh_from_db()
    assert (gift.spent_fen, gift.purchases.count()) == (50000, 1)
    assert Stock.objects.filter(warehouse=depot.store_a).count() == 1  # nothing received
    # On the page: the message is on the form, what was typed is kept.
    client.force_login(depot.keeper_a)
    response = client.post(
        f"/supplies/donations/{gift.pk}/purchase/",
        {"warehouse": depot.store_a.pk, "supplier": "康安商行", "bought_on": "2026-12-01",
         "item_1": depot.gloves.pk, "quantity_1": "21", "unit_price_1": "25.00"},
    )  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 200
    assert "only 500.00 yuan of this donation is left" in html
    assert 'value="康安商行"' in html
    # Exactly what is left goes through; the database refuses any overspend behind it.
    _buy(depot, gift, depot.store_a, (depot.gloves, 20, 25))
    gift.refresh_from_db()
    assert gift.remaining_fen == 0


def test_a_community_keeper_cannot_see_another_communitys_donations(
    client, api, depot, gear
) -> None:
    gift_b = _cash(depot, _donor(depot, depot.store_b.place, "乙方捐赠人"), depot.store_b.place,
                   800, "SJ-B")  # fmt: skip
    gift_a = _cash(depot, _donor(depot, depot.store_a.place, "甲方捐赠人"), depot.store_a.place,
                   500, "SJ-A")  # fmt: skip
    keeper = depot.keeper_a
    assert list(reads.donations_for(keeper)) == [gift_a]
    client.force_login(keeper)
    page = client.get("/supplies/donations/").content.decode()
    assert "甲方捐赠人" in page
    assert "乙方捐赠人" not in page
    for url in (f"/supplies/donations/{gift_b.pk}/", f"/supplies/donations/{gift_b.pk}/receipt.pdf",
                f"/supplies/donations/{gift_b.pk}/purchase/"):  # fmt: skip
        assert client.get(url).status_code == 404
    assert client.get(f"/api/v1/supplies/donations/{gift_b.pk}").status_code == 404
    body = api(keeper).get("/api/v1/supplies/donations").json()
    assert [d["id"] for d in body["items"]] == [gift_a.pk]
    answer = api(keeper).post(
        f"/api/v1/supplies/donations/{gift_b.pk}/purchases",
        {"warehouse_id": depot.store_a.pk, "supplier": "x", "bought_on": "2026-12-01",
         "lines": [{"item_id": depot.gloves.pk, "quantity": 1, "unit_price": "1.00"}]},
    )  # fmt: skip
    assert answer.status_code == 404
    # The street's keeper sees both; the Excel export holds what the page holds.
    client.force_login(depot.keeper)
    export = client.get("/supplies/donations/export/")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    client.force_login(keeper)
    export = client.get("/supplies/donations/export/")
    import openpyxl

    cells = [c for row in openpyxl.load_workbook(io.BytesIO(export.content)).active.iter_rows(
        values_only=True) for c in row]  # fmt: skip
    assert "甲方捐赠人" in cells
    assert "乙方捐赠人" not in cells
    assert "合计" in cells
    assert 500 in cells


def test_the_thank_you_receipt_is_a_pdf_with_the_donors_name_in_chinese(client, depot) -> None:
    place = depot.store_a.place
    gift = _cash(depot, _donor(depot, place, "星河科技有限公司"), place, 5450, "SJ-1")
    client.force_login(depot.keeper_a)
    response = client.get(f"/supplies/donations/{gift.pk}/receipt.pdf")
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages).replace("\n", "")
    assert len(reader.pages) == 1
    assert "星河科技有限公司" in text
    assert "捐赠感谢收据" in text
    assert "伍仟肆佰伍拾元整" in text
    assert PHONE not in text


def test_goods_in_kind_become_receipts_of_their_own_batch(api, depot, gear) -> None:
    donor = _donor(depot, depot.street.place, "市红十字会")
    answer = api(depot.keeper).post(
        "/api/v1/supplies/donations/goods",
        {"donor_id": donor.pk, "warehouse_id": depot.street.pk, "received_on": "2026-12-01",
         "lines": [{"item_id": depot.flour.pk, "quantity": 50},
                   {"item_id": depot.mask.pk, "quantity": 20, "expires_on": "2027-06-01"}]},
    )  # fmt: skip
    assert answer.status_code == 201, answer.json()
    donation = Donation.objects.get(pk=answer.json()["id"])
    moves = [line.movement for line in donation.lines.all()]
    assert [(m.source, m.delta, m.batch.code) for m in moves] == [
        ("donation", 50, f"JZ{donation.pk}-1"),
        ("donation", 20, f"JZ{donation.pk}-2"),
    ]
    # A keeper cannot type a donation's batch code into a plain receipt.
    with pytest.raises(ValidationError) as refused:
        services.stock_receive(
            actor=depot.keeper, warehouse=depot.street, item=depot.flour, quantity=1,
            source="allocation", batch_code=f"JZ{donation.pk}-1",
        )  # fmt: skip
    assert "batch_code" in refused.value.errors


def test_cash_by_the_api_and_a_purchase_refused_over_the_amount(api, depot, gear) -> None:
    donor = _donor(depot, depot.store_a.place)
    keeper = api(depot.keeper_a)
    answer = keeper.post(
        "/api/v1/supplies/donations/cash",
        {"donor_id": donor.pk, "place_id": depot.store_a.place.pk, "received_on": "2026-12-01",
         "amount": "1450.50", "channel": "wechat", "receipt_no": "SJ-7"},
    )  # fmt: skip
    assert answer.status_code == 201, answer.json()
    gift = answer.json()
    assert (gift["amount"], gift["remaining"]) == ("1450.50", "1450.50")
    over = keeper.post(
        f"/api/v1/supplies/donations/{gift['id']}/purchases",
        {"warehouse_id": depot.store_a.pk, "supplier": "康安", "bought_on": "2026-12-01",
         "lines": [{"item_id": depot.gloves.pk, "quantity": 59, "unit_price": "25.00"}]},
    )  # fmt: skip
    assert over.status_code == 400
    assert [e["field"] for e in over.json()["errors"]] == ["total"]
    ok = keeper.post(
        f"/api/v1/supplies/donations/{gift['id']}/purchases",
        {"warehouse_id": depot.store_a.pk, "supplier": "康安", "bought_on": "2026-12-01",
         "lines": [{"item_id": depot.gloves.pk, "quantity": 58, "unit_price": "25.00"}]},
    )  # fmt: skip
    assert ok.status_code == 201
    trace = keeper.get(f"/api/v1/supplies/donations/{gift['id']}/trace").json()
    assert (trace["spent"], trace["remaining"]) == ("1450.00", "0.50")
    assert trace["lines"][0]["received"] == 58


def test_the_forms_record_a_donor_and_a_cash_donation(client, depot) -> None:
    client.force_login(depot.keeper_a)
    place = depot.store_a.place
    response = client.post(
        "/supplies/donors/new/",
        {"place": place.pk, "kind": "person", "name": "王建国", "contact_name": "王建国",
         "phone": "139 0000 2222", "document_number": ""},
    )  # fmt: skip
    assert response.status_code == 302
    donor = Donor.objects.get(name="王建国")
    assert donor.phone == "13900002222"
    response = client.post(
        "/supplies/donations/cash/",
        {"donor": donor.pk, "place": place.pk, "received_on": "2026-12-01", "amount": "1450",
         "channel": "wechat", "receipt_no": "SJ-2"},
    )  # fmt: skip
    assert response.status_code == 302
    assert Donation.objects.get().amount_fen == 145000
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = client.post(
        "/supplies/donations/cash/",
        {"donor": donor.pk, "place": place.pk, "received_on": future, "amount": "10",
         "channel": "wechat", "receipt_no": "SJ-3"},
    )  # fmt: skip
    assert "cannot be in the future" in response.content.decode()


def test_amounts_in_capitals() -> None:
    assert rmb_upper(Decimal("5450")) == "伍仟肆佰伍拾元整"
    assert rmb_upper(Decimal("10005")) == "壹万零伍元整"
    assert rmb_upper(Decimal("1200.50")) == "壹仟贰佰元伍角整"
    assert donations.yuan_to_fen("5,450.5") == 545050
    assert donations.yuan_to_fen("1.234") is None


def test_the_goods_form_receives_each_line_and_the_register_filters(client, depot, gear) -> None:
    donor = _donor(depot, depot.street.place, "市红十字会")
    client.force_login(depot.keeper)
    response = client.post(
        "/supplies/donations/goods/",
        {"donor": donor.pk, "warehouse": depot.street.pk, "received_on": "2026-12-01",
         "item_1": depot.flour.pk, "quantity_1": "50",
         "item_2": depot.mask.pk, "quantity_2": "20"},
    )  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 200  # masks need their expiry date: kept, named
    assert "Give the expiry date printed on the box." in html
    assert not Donation.objects.exists()
    response = client.post(
        "/supplies/donations/goods/",
        {"donor": donor.pk, "warehouse": depot.street.pk, "received_on": "2026-12-01",
         "item_1": depot.flour.pk, "quantity_1": "50",
         "item_2": depot.mask.pk, "quantity_2": "20", "expires_on_2": "2027-06-01"},
    )  # fmt: skip
    assert response.status_code == 302
    stock = {s.item.name: s.quantity for s in Stock.objects.filter(warehouse=depot.street)}
    assert stock == {"面粉": 50, "N95口罩": 20}
    _cash(depot, _donor(depot, depot.store_a.place, "王建国", kind="person"),
          depot.store_a.place, 10, "SJ-1")  # fmt: skip
    page = client.get("/supplies/donations/", {"kind": "goods"}).content.decode()
    assert "市红十字会" in page
    assert "王建国" not in page
    assert "面粉 ×50袋" in page
    page = client.get("/supplies/donations/", {"q": "SJ-1"}).content.decode()
    assert "王建国" in page
    assert "市红十字会" not in page
