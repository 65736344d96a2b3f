"""Requisitions: each step and each refused one, partial approval, shipping short refused with
nothing half-written, who sees what (a sibling community sees nothing), the board and its
Excel, the API; and a help request fulfilled from stock in one tap."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from shequ.assistance import services as help_services
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.models import AuditEvent
from shequ.core.roles import Role
from shequ.core.scopes import forget_scope
from shequ.places.models import PlaceKind
from shequ.supplies import help_stock, selectors, services
from shequ.supplies import requisitions as reqs
from shequ.supplies.models import (
    Movement,
    Requisition,
    RequisitionStatus,
    Stock,
    Transfer,
    TransferStatus,
    Warehouse,
)
from tests.conftest import make_place, make_user

pytestmark = pytest.mark.usefixtures("english")
S = RequisitionStatus


@pytest.fixture
def ask(depot, personas):
    """Community A asks its street for 10 bags of flour and 5 boxes of masks (submitted)."""
    return reqs.requisition_create(
        actor=personas.staff_a, place=depot.store_a.place,
        lines=[(depot.flour, 10), (depot.mask, 5)], reason="隔离户生活物资", submit=True,
    )  # fmt: skip


def _stock_street(depot, flour=100, masks=100):
    if flour:
        services.stock_receive(
            actor=depot.keeper, warehouse=depot.street, item=depot.flour, quantity=flour,
            source="allocation",
        )  # fmt: skip
    if masks:
        import datetime as dt

        for code, expiry, n in (
            ("OLD", dt.date(2027, 1, 31), 3),
            ("NEW", dt.date(2027, 6, 30), masks),
        ):
            services.stock_receive(
                actor=depot.keeper, warehouse=depot.street, item=depot.mask, quantity=n,
                source="allocation", batch_code=code, expires_on=expiry,
            )  # fmt: skip


def _lines(r):
    return {line.item.name: line for line in r.lines.select_related("item")}


def test_the_whole_way_draft_to_received(depot, personas) -> None:
    _stock_street(depot)
    r = reqs.requisition_create(
        actor=personas.staff_a, place=depot.store_a.place, lines=[(depot.flour, 10)]
    )
    assert r.status == S.DRAFT
    assert r.supplier == depot.street.place
    assert r.destination == depot.store_a
    reqs.requisition_submit(actor=personas.staff_a, requisition=r)
    assert r.status == S.SUBMITTED
    assert r.submitted_by == personas.staff_a
    reqs.requisition_decide(actor=personas.street, requisition=r, approved={})
    assert r.status == S.APPROVED
    assert _lines(r)["面粉"].quantity_approved == 10
    reqs.requisition_ship(actor=depot.keeper, requisition=r)
    assert r.status == S.SHIPPED
    assert r.source == depot.street
    assert r.shipped_by == depot.keeper
    assert selectors.stock_total(depot.street, depot.flour) == 90
    transfer = Transfer.objects.get()
    assert transfer.status == TransferStatus.IN_TRANSIT
    assert transfer.destination == depot.store_a
    reqs.requisition_receive(
        actor=depot.keeper_a, requisition=r, counts={transfer.pk: 9}, note="一袋破损"
    )
    r.refresh_from_db()
    assert r.status == S.RECEIVED
    assert r.received_by == depot.keeper_a
    transfer.refresh_from_db()
    assert transfer.discrepancy == 1
    assert selectors.stock_total(depot.store_a, depot.flour) == 9
    actions = list(
        AuditEvent.objects.filter(action__startswith="supplies.requisition.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "supplies.requisition.create",
        "supplies.requisition.submit",
        "supplies.requisition.decide",
        "supplies.requisition.ship",
        "supplies.requisition.receive",
    ]


def test_partial_approval_needs_a_reason_and_ships_the_approved_part(depot, personas, ask):
    _stock_street(depot)
    flour = _lines(ask)["面粉"]
    with pytest.raises(ValidationError) as exc:
        reqs.requisition_decide(actor=personas.street, requisition=ask, approved={flour.pk: 4})
    assert "say why less than the 10 袋" in exc.value.errors[f"line_{flour.pk}"]
    with pytest.raises(ValidationError) as exc:
        reqs.requisition_decide(actor=personas.street, requisition=ask, approved={flour.pk: 11})
    assert "at most the 10 袋" in exc.value.errors[f"line_{flour.pk}"]
    ask.refresh_from_db()
    assert ask.status == S.SUBMITTED
    reqs.requisition_decide(
        actor=personas.street, requisition=ask, approved={flour.pk: 4}, notes={flour.pk: "库存紧张"}
    )
    assert ask.status == S.PARTLY_APPROVED
    assert _lines(ask)["面粉"].approve_note == "库存紧张"
    reqs.requisition_ship(actor=depot.keeper, requisition=ask)
    assert selectors.stock_total(depot.street, depot.flour) == 96
    # Masks go first-expiry-first-out: the 3 old ones, then 2 new ones: two transfers.
    masks = Transfer.objects.filter(item=depot.mask).order_by("pk")
    assert [(t.batch.code, t.quantity_sent) for t in masks] == [("OLD", 3), ("NEW", 2)]


def test_rejecting_needs_a_note(depot, personas, ask) -> None:
    zero = {line.pk: 0 for line in ask.lines.all()}
    why = dict.fromkeys(zero, "无")
    with pytest.raises(ValidationError) as exc:
        reqs.requisition_decide(actor=personas.street, requisition=ask, approved=zero, notes=why)
    assert "note" in exc.value.errors
    reqs.requisition_decide(
        actor=personas.street, requisition=ask, approved=zero, notes=why, note="区里已直接配送"
    )
    assert ask.status == S.REJECTED
    with pytest.raises(ValidationError) as exc:
        reqs.requisition_ship(actor=depot.keeper, requisition=ask)
    assert "Rejected" in exc.value.errors["status"]


def test_shipping_more_than_the_street_has_is_refused_and_nothing_moves(depot, personas, ask):
    _stock_street(depot, flour=6)  # 6 of the 10 bags; masks enough
    reqs.requisition_decide(actor=personas.street, requisition=ask, approved={})
    before = list(Stock.objects.order_by("pk").values_list("quantity", flat=True))
    with pytest.raises(ValidationError) as exc:
        reqs.requisition_ship(actor=depot.keeper, requisition=ask)
    message = exc.value.errors["quantity"]
    assert "Not enough in 一街道仓库" in message
    assert "nothing was sent" in message
    assert "面粉: 10 袋 approved, 6 in stock" in message
    ask.refresh_from_db()
    assert ask.status == S.APPROVED
    assert ask.source is None
    assert not Transfer.objects.exists()
    assert list(Stock.objects.order_by("pk").values_list("quantity", flat=True)) == before
    assert not AuditEvent.objects.filter(action="supplies.requisition.ship").exists()


def test_steps_out_of_order_are_refused_naming_the_status(depot, personas, ask) -> None:
    with pytest.raises(ValidationError) as exc:
        reqs.requisition_submit(actor=personas.staff_a, requisition=ask)
    assert "Submitted" in exc.value.errors["status"]
    with pytest.raises(ValidationError):
        reqs.requisition_ship(actor=depot.keeper, requisition=ask)
    with pytest.raises(ValidationError):
        reqs.requisition_receive(actor=depot.keeper_a, requisition=ask)
    reqs.requisition_cancel(actor=personas.staff_a, requisition=ask, reason="已自行采购")
    assert ask.status == S.CANCELLED
    assert ask.cancelled_by == personas.staff_a
    with pytest.raises(ValidationError):
        reqs.requisition_decide(actor=personas.street, requisition=ask, approved={})
    with pytest.raises(ValidationError):
        reqs.requisition_cancel(actor=personas.staff_a, requisition=ask)


def test_a_shipped_requisition_cannot_be_cancelled(depot, personas, ask) -> None:
    _stock_street(depot)
    reqs.requisition_decide(actor=personas.street, requisition=ask, approved={})
    reqs.requisition_ship(actor=depot.keeper, requisition=ask)
    with pytest.raises(ValidationError):
        reqs.requisition_cancel(actor=personas.staff_a, requisition=ask)


@pytest.mark.parametrize(
    ("lines", "error"),
    [
        ([], "at least one item"),
        ([("flour", 0)], "at least 1"),
        ([("flour", 2), ("flour", 3)], "listed twice"),
    ],
)
def test_bad_requisitions_are_refused(depot, personas, lines, error) -> None:
    items = {"flour": depot.flour}
    with pytest.raises(ValidationError) as exc:
        reqs.requisition_create(
            actor=personas.staff_a, place=depot.store_a.place,
            lines=[(items[n], q) for n, q in lines],
        )  # fmt: skip
    assert error in exc.value.errors["lines"]
    assert not Requisition.objects.exists()


def test_a_place_without_a_store_is_told_so(depot, personas, city) -> None:
    bare = make_place(PlaceKind.COMMUNITY, "A3", "丙社区", city.s1)
    staff = make_user("staff_a3", Role.COMMUNITY_STAFF, bare)
    with pytest.raises(ValidationError) as exc:
        reqs.requisition_create(actor=staff, place=bare, lines=[(depot.flour, 1)])
    assert "no store" in exc.value.errors["destination"]


def test_who_may_take_each_step(depot, personas, ask, city) -> None:
    # Another street's community staff may not ask for A; A's staff may not approve its own.
    with pytest.raises(PermissionDenied):
        reqs.requisition_create(actor=personas.staff_b, place=city.a, lines=[(depot.flour, 1)])
    with pytest.raises(PermissionDenied):
        reqs.requisition_decide(actor=personas.staff_a, requisition=ask, approved={})
    with pytest.raises(PermissionDenied):  # another street's officer
        reqs.requisition_decide(actor=personas.other_street, requisition=ask, approved={})
    with pytest.raises(PermissionDenied):  # a community keeper does not approve
        reqs.requisition_decide(actor=depot.keeper_a, requisition=ask, approved={})
    reqs.requisition_decide(actor=personas.street, requisition=ask, approved={})
    _stock_street(depot)
    with pytest.raises(PermissionDenied):  # the street officer approves; the keeper ships
        reqs.requisition_ship(actor=personas.street, requisition=ask)
    with pytest.raises(PermissionDenied):  # the community's keeper may not ship the street's
        reqs.requisition_ship(actor=depot.keeper_a, requisition=ask)
    reqs.requisition_ship(actor=depot.keeper, requisition=ask)
    with pytest.raises(PermissionDenied):  # staff without the store's keys
        reqs.requisition_receive(actor=personas.staff_a, requisition=ask)
    with pytest.raises(PermissionDenied):
        reqs.requisition_receive(actor=depot.keeper_b, requisition=ask)
    reqs.requisition_receive(actor=depot.keeper_a, requisition=ask)
    assert ask.status == S.RECEIVED


def test_a_sibling_community_cannot_see_it(depot, personas, ask, city, login, api) -> None:
    sibling = make_place(PlaceKind.COMMUNITY, "A2", "甲二社区", city.s1)
    Warehouse.objects.create(place=sibling, name="甲二物资站")
    neighbour = make_user("staff_a2", Role.COMMUNITY_STAFF, sibling)
    assert not reqs.requisitions_for(neighbour).exists()
    assert login(neighbour).get(f"/supplies/requisitions/{ask.pk}/").status_code == 404
    assert api(neighbour).get(f"/api/v1/supplies/requisitions/{ask.pk}").status_code == 404
    board = login(neighbour).get("/supplies/requisitions/")
    assert board.status_code == 200
    assert "甲社区 →" not in board.content.decode()
    # The street sees it (incoming), the district too, the other street not.
    assert reqs.requisitions_for(personas.street).filter(pk=ask.pk).exists()
    assert reqs.requisitions_for(personas.district).filter(pk=ask.pk).exists()
    assert not reqs.requisitions_for(personas.other_street).exists()


def test_a_draft_is_not_shown_to_the_level_above_as_incoming(depot, personas) -> None:
    reqs.requisition_create(
        actor=personas.staff_a, place=depot.store_a.place, lines=[(depot.flour, 1)]
    )
    incoming = reqs.board(personas.street, reqs.BoardFilter(direction="incoming"))
    assert not incoming.exists()


def test_the_same_from_a_street_to_its_district(depot, personas, city) -> None:
    district_store = Warehouse.objects.create(place=city.d1, name="东区仓库")
    district_keeper = make_user("keeper_d1", Role.WAREHOUSE_KEEPER, city.d1)
    services.stock_receive(
        actor=district_keeper, warehouse=district_store, item=depot.flour, quantity=50,
        source="allocation",
    )  # fmt: skip
    r = reqs.requisition_create(
        actor=personas.street, place=city.s1, lines=[(depot.flour, 30)], submit=True
    )
    assert r.supplier == city.d1
    assert r.destination == depot.street
    with pytest.raises(PermissionDenied):  # the street does not approve its own
        reqs.requisition_decide(actor=personas.street, requisition=r, approved={})
    reqs.requisition_decide(actor=personas.district, requisition=r, approved={})
    reqs.requisition_ship(actor=district_keeper, requisition=r)
    reqs.requisition_receive(actor=depot.keeper, requisition=r)
    assert selectors.stock_total(depot.street, depot.flour) == 30
    # The street sees it as its own (outgoing), not as incoming.
    mine = reqs.board(personas.street, reqs.BoardFilter(direction="outgoing"))
    assert list(mine) == [r]


def test_board_totals_per_item_and_the_excel(depot, personas, ask, city, login) -> None:
    a2 = make_place(PlaceKind.COMMUNITY, "A2", "甲二社区", city.s1)
    Warehouse.objects.create(place=a2, name="甲二物资站")
    staff2 = make_user("staff_a2", Role.COMMUNITY_STAFF, a2)
    reqs.requisition_create(actor=staff2, place=a2, lines=[(depot.flour, 7)], submit=True)
    totals = {t.item: t for t in reqs.item_totals(reqs.board(personas.street))}
    assert totals["面粉"].asked == 17
    assert totals["面粉"].requisitions == 2
    assert totals["N95口罩"].asked == 5
    page = login(personas.street).get("/supplies/requisitions/?direction=incoming&status=open")
    assert page.status_code == 200
    assert "甲二社区" in page.content.decode()
    sheet = login(personas.street).get("/supplies/requisitions/?format=xlsx")
    book = load_workbook(io.BytesIO(sheet.content))
    per_item = {row[0]: row for row in book.worksheets[1].iter_rows(min_row=2, values_only=True)}
    assert per_item["面粉"][3] == 17
    assert book.worksheets[0].max_row == 4  # the header and three lines


def test_the_pages_take_each_step(depot, personas, login, city) -> None:
    _stock_street(depot)
    page = login(personas.staff_a).post(
        "/supplies/requisitions/new/",
        {"place": city.a.pk, "reason": "缺面粉", "item_1": depot.flour.pk, "quantity_1": 8,
         "do": "submit"},
    )  # fmt: skip
    r = Requisition.objects.get()
    assert page.status_code == 302
    assert r.status == S.SUBMITTED
    line = r.lines.get()
    url = f"/supplies/requisitions/{r.pk}/"
    shown = login(personas.street).get(url).content.decode()
    assert 'data-testid="decide"' in shown
    bad = login(personas.street).post(url, {"do": "decide", f"approved_{line.pk}": 5})
    assert bad.status_code == 200
    assert "say why less" in bad.content.decode()
    login(personas.street).post(
        url, {"do": "decide", f"approved_{line.pk}": 5, f"why_{line.pk}": "分批"}
    )
    login(depot.keeper).post(url, {"do": "ship", "source": depot.street.pk})
    transfer = Transfer.objects.get()
    login(depot.keeper_a).post(url, {"do": "receive", f"count_{transfer.pk}": 5})
    r.refresh_from_db()
    assert r.status == S.RECEIVED
    assert selectors.stock_total(depot.store_a, depot.flour) == 5


def test_the_api_takes_each_step(depot, personas, api, city) -> None:
    _stock_street(depot)
    made = api(personas.staff_a).post(
        "/api/v1/supplies/requisitions",
        {"place_id": city.a.pk, "lines": [{"item_id": depot.flour.pk, "quantity": 20}]},
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["status"] == "draft"
    rid, line = body["id"], body["lines"][0]["id"]
    base = f"/api/v1/supplies/requisitions/{rid}"
    assert api(personas.staff_a).post(f"{base}/submit", {}).json()["status"] == "submitted"
    decided = api(personas.street).post(
        f"{base}/decide", {"lines": [{"line_id": line, "approved": 15, "why": "留备用"}]}
    )
    assert decided.json()["status"] == "partly"
    short = api(depot.keeper).post(f"{base}/ship", {"source_id": depot.store_a.pk})
    assert short.status_code == 400
    assert short.json()["errors"][0]["field"] == "source"
    assert api(depot.keeper).post(f"{base}/ship", {}).json()["status"] == "shipped"
    assert api(depot.keeper_a).post(f"{base}/receive", {}).json()["status"] == "received"
    totals = api(personas.street).get("/api/v1/supplies/requisitions/totals").json()
    assert totals == [
        {"item": "面粉", "unit": "袋", "requisitions": 1, "asked": 20, "approved": 15}
    ]
    listed = api(personas.street).get("/api/v1/supplies/requisitions?status=received").json()
    assert [r["id"] for r in listed["items"]] == [rid]


# --- a help request fulfilled from stock in one tap -----------------------------------------


@pytest.fixture
def water(depot, personas, city):
    from shequ.supplies.models import Category, Item

    item = Item.objects.create(name="饮用水", unit="桶", category=Category.LIVING)
    services.stock_receive(
        actor=depot.keeper_a, warehouse=depot.store_a, item=item, quantity=5, source="donation"
    )
    request = help_services.help_open(
        actor=personas.staff_a, household=city.ha1, kind="water", details="两桶水",
        channel="hotline",
    )  # fmt: skip
    # Community staff who also keeps the community's store.
    from shequ.core import services as core_services

    core_services.role_grant(
        actor=None, user=personas.staff_a, role=Role.WAREHOUSE_KEEPER, place=city.a
    )
    forget_scope(personas.staff_a)
    return item, request


def test_one_tap_issues_against_the_request_and_marks_it_delivered(
    depot, personas, water, login
) -> None:
    item, request = water
    stock = Stock.objects.get(warehouse=depot.store_a, item=item)
    page = login(personas.staff_a).get(f"/help/{request.pk}/")
    assert 'data-testid="issue-from-stock"' in page.content.decode()
    done = login(personas.staff_a).post(
        f"/supplies/help/{request.pk}/issue/",
        {"stock": stock.pk, "quantity": 2, "deliver": "on"},
    )
    assert done.status_code == 302
    assert done["Location"] == f"/help/{request.pk}/"
    movement = Movement.objects.get(kind="issue")
    assert movement.help_request == request
    assert movement.household == request.household
    assert movement.delta == -2
    request.refresh_from_db()
    assert request.status == "delivered"
    assert request.claimed_by == personas.staff_a
    assert selectors.stock_total(depot.store_a, item) == 3
    assert AuditEvent.objects.filter(action="supplies.help_request.issue").count() == 1


def test_one_tap_without_enough_stock_changes_nothing(depot, personas, water) -> None:
    item, request = water
    stock = Stock.objects.get(warehouse=depot.store_a, item=item)
    with pytest.raises(ValidationError) as exc:
        help_stock.help_issue_from_stock(
            actor=personas.staff_a, help_request=request, stock=stock, quantity=9, deliver=True
        )
    assert "Only 5 桶 of 饮用水 left" in exc.value.errors["quantity"]
    request.refresh_from_db()
    assert request.status == "new"
    assert not Movement.objects.filter(kind="issue").exists()


def test_one_tap_is_for_keepers_of_a_store_serving_the_community(
    depot, personas, water, login, api
) -> None:
    item, request = water
    stock = Stock.objects.get(warehouse=depot.store_a, item=item)
    # The cadre sees the request but keeps no store: no form, 403.
    assert (
        "issue-from-stock" not in login(personas.cadre).get(f"/help/{request.pk}/").content.decode()
    )
    assert login(personas.cadre).get(f"/supplies/help/{request.pk}/issue/").status_code == 403
    refused = api(personas.cadre).post(
        f"/api/v1/supplies/help-requests/{request.pk}/issue", {"stock_id": stock.pk, "quantity": 1}
    )
    assert refused.status_code == 403
    # A keeper who is not of the community's cadres may issue, but not mark it delivered.
    with pytest.raises(ValidationError) as exc:
        help_stock.help_issue_from_stock(
            actor=depot.keeper_a, help_request=request, stock=stock, quantity=1, deliver=True
        )
    assert "deliver" in exc.value.errors
    ok = api(personas.staff_a).post(
        f"/api/v1/supplies/help-requests/{request.pk}/issue",
        {"stock_id": stock.pk, "quantity": 1},
    )
    assert ok.status_code == 201
    assert ok.json()["help_request_id"] == request.pk
