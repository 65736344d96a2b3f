"""Demo donations: the 5,450-yuan story and agencies' gifts in kind.

The first community receives 5,450 yuan from three donors (a company, a man, a resident),
buys surgical masks, gloves and disinfectant with it — three purchases that spend it to the
fen — and issues them to its duty posts (and one help request). Two agencies give protective
suits, camp beds and instant food to the street's warehouse, part of which goes on to the
community's store and out to its posts. All names, phones and ID numbers are synthetic."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from shequ.core.models import User
from shequ.supplies import donations as services
from shequ.supplies.models import Category, Item, Movement, Stock, Warehouse
from shequ.supplies.services import stock_issue, transfer_receive, transfer_send

CASH = [
    # donor, kind, contact, phone, ID number, yuan, channel, receipt no.
    ("星河科技有限公司", "organisation", "陈经理", "13900001111", "", 3000, "bank", "SJ-0001"),
    ("王建国", "person", "王建国", "13900002222", "110101198001010011", 1450, "wechat", "SJ-0002"),
    ("李秀英", "person", "李秀英", "13900003333", "", 1000, "cash", "SJ-0003"),
]
# What each donation bought: supplier, item, quantity, unit price (yuan) — 3000 + 1450 + 1000.
BOUGHT = [
    ("康安医疗器械商行", "医用外科口罩", 100, 30),
    ("康安医疗器械商行", "医用手套", 58, 25),
    ("洁净消毒用品店", "消毒液", 40, 25),
]
IN_KIND = [
    ("市红十字会", "张干事", "13900004444", [("防护服", 200), ("行军床", 50)]),
    ("爱心食品有限公司", "刘主任", "13900005555", [("方便食品", 120), ("饮用水", 80)]),
]


def add_demo_donations(*, hq: User, depot: Warehouse, store: Warehouse) -> dict[str, int]:
    """The story above; `store` is the first community's, `depot` the street's warehouse."""
    from shequ.assistance.models import HelpRequest
    from shequ.duty.models import Post

    today = timezone.localdate()
    community = store.place
    items = {i.name: i for i in Item.objects.all()}
    for name, unit in (("行军床", "张"), ("方便食品", "箱")):
        items[name] = Item.objects.get_or_create(
            name=name, defaults={"unit": unit, "category": Category.LIVING}
        )[0]
    posts = list(Post.objects.filter(community=community).order_by("pk")[:3])
    count = {"donor": 0, "donation": 0, "purchase": 0}
    for n, (name, kind, contact, phone, doc, yuan, channel, receipt) in enumerate(CASH):
        donor = services.donor_register(
            actor=hq, place=community, kind=kind, name=name, contact_name=contact, phone=phone,
            document_number=doc,
        )  # fmt: skip
        donation = services.donation_receive_cash(
            actor=hq, donor=donor, place=community, received_on=today - dt.timedelta(days=20 - n),
            amount_fen=yuan * 100, channel=channel, receipt_no=receipt,
        )  # fmt: skip
        supplier, item, quantity, price = BOUGHT[n]
        services.donation_purchase(
            actor=hq, donation=donation, warehouse=store, supplier=supplier,
            bought_on=today - dt.timedelta(days=18 - n), invoice_no=f"FP{2026_0000 + n + 1}",
            lines=[services.BoughtLine(items[item], quantity, price * 100,
                                       today + dt.timedelta(days=365))],
        )  # fmt: skip
        count["donor"] += 1
        count["donation"] += 1
        count["purchase"] += 1
    # Out to the posts: each post its share of each bought batch; one box to a help request.
    bought = Stock.objects.filter(warehouse=store, batch__code__startswith="CG").select_related(
        "batch", "item"
    )
    for stock in bought:
        share = stock.quantity // 4
        for post in posts:
            stock_issue(actor=hq, warehouse=store, batch=stock.batch, quantity=share, post=post)
        if not posts:
            stock_issue(actor=hq, warehouse=store, batch=stock.batch, quantity=share, team="卡口组")
    request = HelpRequest.objects.filter(community=community).order_by("pk").first()
    masks = next((s for s in bought if s.item.name == "医用外科口罩"), None)
    if request is not None and masks is not None:
        stock_issue(actor=hq, warehouse=store, batch=masks.batch, quantity=2, help_request=request)
    # Agencies' gifts in kind to the street's warehouse; suits and beds go on to the store.
    for name, contact, phone, given in IN_KIND:
        donor = services.donor_register(
            actor=hq, place=depot.place, kind="organisation", name=name, contact_name=contact,
            phone=phone,
        )  # fmt: skip
        donation = services.donation_receive_goods(
            actor=hq, donor=donor, warehouse=depot, received_on=today - dt.timedelta(days=15),
            lines=[
                services.GoodsLine(items[item], quantity,
                                   today + dt.timedelta(days=540) if items[item].tracks_expiry
                                   else None)
                for item, quantity in given
            ],
        )  # fmt: skip
        count["donor"] += 1
        count["donation"] += 1
        for line in donation.lines.select_related("movement__batch"):
            sent = transfer_send(
                actor=hq, source=depot, destination=store, batch=line.movement.batch,
                quantity=line.quantity // 5,
            )  # fmt: skip
            transfer_receive(actor=hq, transfer=sent, quantity_received=sent.quantity_sent)
            for post in posts[:2]:
                stock_issue(
                    actor=hq, warehouse=store, batch=line.movement.batch,
                    quantity=line.quantity // 20, post=post,
                )  # fmt: skip
    count["movement"] = Movement.objects.filter(batch__code__regex=r"^(CG|JZ)").count()
    return count
