"""Schemas of the ledger's API (names unique across the apps: StockLedger…)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema


class StockLedgerLineOut(Schema):
    item_id: int
    item: str
    unit: str
    category: str
    batch: str
    expires_on: dt.date | None
    opening: int
    received: int
    issued: int
    transfer_in: int
    transfer_out: int
    adjusted: int
    closing: int


class StockLedgerOut(Schema):
    warehouse_id: int
    start: dt.date
    end: dt.date
    lines: list[StockLedgerLineOut]
    totals: dict[str, int]
