"""Demo supplies: a catalogue, the first street's warehouse and three community stores, a
month's worth of receipts (allocation, purchase, donation), transfers to the stores (one
short on arrival, one still in transit), issues to households and teams, an adjustment."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from shequ.core.models import User
from shequ.places.models import Place, PlaceKind
from shequ.supplies import services
from shequ.supplies.models import Category, Item, Warehouse

CATALOGUE = [
    ("防护服", "套", Category.MEDICAL, "6901000000011", True),
    ("N95口罩", "盒", Category.MEDICAL, "6901000000028", True),
    ("医用外科口罩", "盒", Category.MEDICAL, "6901000000035", True),
    ("医用手套", "盒", Category.MEDICAL, "6901000000042", True),
    ("消毒液", "桶", Category.MEDICAL, "6901000000059", True),
    ("采样管", "支", Category.MEDICAL, "6901000000066", True),
    ("采样拭子", "包", Category.MEDICAL, "6901000000073", True),
    ("面粉", "袋", Category.LIVING, "6902000000010", False),
    ("大米", "袋", Category.LIVING, "6902000000027", False),
    ("挂面", "箱", Category.LIVING, "6902000000034", False),
    ("食用油", "桶", Category.LIVING, "6902000000041", False),
    ("蔬菜包", "份", Category.LIVING, "", False),
    ("饮用水", "桶", Category.LIVING, "6902000000058", False),
    ("液化气罐", "罐", Category.LIVING, "", False),
]


def add_demo_supplies(*, hq: User) -> dict[str, int]:
    """The catalogue, warehouses and movements; nothing if there is a warehouse already."""
    if Warehouse.objects.exists():
        return {}
    street = Place.objects.filter(kind=PlaceKind.STREET).order_by("code").first()
    if street is None:
        return {}
    items = {
        name: Item.objects.get_or_create(
            name=name,
            defaults={"unit": unit, "category": cat, "barcode": code, "tracks_expiry": expiry},
        )[0]
        for name, unit, cat, code, expiry in CATALOGUE
    }
    depot = services.warehouse_create(actor=hq, place=street, name=f"{street.name}物资仓库")
    communities = list(
        Place.objects.filter(kind=PlaceKind.COMMUNITY, path__startswith=street.path).order_by(
            "code"
        )[:3]
    )
    stores = [
        services.warehouse_create(actor=hq, place=c, name=f"{c.name}物资站", low_stock=20)
        for c in communities
    ]
    today = timezone.localdate()
    received = {}
    for i, (name, item) in enumerate(items.items()):
        expires = today + dt.timedelta(days=60 + 30 * i) if item.tracks_expiry else None
        source = ("allocation", "purchase", "donation")[i % 3]
        received[name] = services.stock_receive(
            actor=hq, warehouse=depot, item=item, quantity=200 + 50 * i, source=source,
            batch_code=f"2026-{i + 1:02d}" if item.tracks_expiry else "", expires_on=expires,
        )  # fmt: skip
    # An older batch of masks that expires first: FEFO suggests it.
    services.stock_receive(
        actor=hq, warehouse=depot, item=items["N95口罩"], quantity=40, source="donation",
        batch_code="2025-12", expires_on=today + dt.timedelta(days=10), note="爱心企业捐赠",
    )  # fmt: skip
    moves = 0
    for n, store in enumerate(stores):
        for name in ("面粉", "N95口罩", "饮用水"):
            sent = services.transfer_send(
                actor=hq, source=depot, destination=store, batch=received[name].batch,
                quantity=30 + 10 * n,
            )  # fmt: skip
            moves += 1
            if n == 2 and name == "饮用水":
                continue  # still on the road: the store's keeper receives it
            short = 2 if (n, name) == (1, "面粉") else 0
            services.transfer_receive(
                actor=hq, transfer=sent, quantity_received=sent.quantity_sent - short,
                note="两袋破损" if short else "",
            )  # fmt: skip
        households = list(
            Place.objects.filter(
                kind=PlaceKind.HOUSEHOLD, path__startswith=store.place.path
            ).order_by("code")[:5]
        )
        flour = received["面粉"].batch
        for household in households:
            services.stock_issue(
                actor=hq, warehouse=store, batch=flour, quantity=1, household=household
            )
            moves += 1
        services.stock_issue(
            actor=hq, warehouse=store, batch=received["N95口罩"].batch, quantity=10,
            team="卡口值守组",
        )  # fmt: skip
        moves += 1
    services.stock_adjust(
        actor=hq, warehouse=depot, batch=received["消毒液"].batch, delta=-3, reason="damage",
        note="搬运时破损",
    )  # fmt: skip
    counts = {"warehouse": 1 + len(stores), "item": len(items), "movement": moves + len(items) + 2}
    if stores:  # the 5,450-yuan story and agencies' gifts in kind (supplies/donation_demo.py)
        from shequ.supplies.donation_demo import add_demo_donations

        for key, n in add_demo_donations(hq=hq, depot=depot, store=stores[0]).items():
            counts[key] = counts.get(key, 0) + n
    return counts
