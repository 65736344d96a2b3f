"""Recording passages: from a gate page, an offline device's queue, or the batch API.

The batch contract is `core.batches`'s: each item carries the device's client UUID and is
recorded at most once (a resent UUID gets "duplicate" with the first recording's decision);
invalid items are answered with the field and the fix (`passage_items.parse_item`); valid
items land even when others in the batch fail. The server re-decides every passage with the
community's rules (`decisions.decide`), and flags a passage where the device's own (offline)
decision differs.

No audit row per passage: the passage row itself records who (`recorded_by`), where, and
when (device and server time), and it can never change.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.checkpoints.decisions import ALERTS, decide, reason_text
from shequ.checkpoints.models import (
    Decision,
    Direction,
    EntryPass,
    Passage,
    Subject,
)
from shequ.checkpoints.passage_items import Item, parse_item
from shequ.checkpoints.passes import read_pass_token
from shequ.checkpoints.selectors import gates_for
from shequ.checkpoints.services import rules_in_force
from shequ.core.batches import (
    CREATED,
    DUPLICATE,
    REJECTED,
    ItemAnswer,
    insert_each,
    read_batch,
    refused_message,
    retried,
)
from shequ.core.device_items import (
    BadItem,
)
from shequ.core.roles import Capability
from shequ.core.scopes import users_with_by_place
from shequ.notify import Message, notify_many
from shequ.places.models import ZONE_STRICTNESS, ZoneDesignation
from shequ.residents.models import Resident

if TYPE_CHECKING:
    from shequ.core.models import User
    from shequ.duty.models import Post

QUOTA_LOOKBACK = dt.timedelta(days=15)  # exit quotas count at most 14 days back

__all__ = ["CREATED", "DUPLICATE", "REJECTED", "PassageResult", "passages_batch"]

FIELDS = [
    "client_uuid", "gate", "community", "direction", "device_time", "server_time",
    "recorded_by", "subject", "resident", "entry_pass", "pass_version", "visitor_name",
    "visitor_phone", "plate", "temperature", "health_code", "travel_star", "decision",
    "reasons", "alert", "device_decision", "disagrees", "rules_version", "corrects", "note",
]  # fmt: skip


# What a decision (and an alert) needs to know of a resident picked at the gate.
_RESIDENT = ("pk", "name", "health_status", "household_id", "household__path")


@dataclass
class PassageResult(ItemAnswer):
    """The batch's answer (`ItemAnswer`) with the server's decision."""

    decision: str = ""
    reasons: list[str] = field(default_factory=list)
    alert: bool = False
    disagrees: bool = False


# A row the database refused: the item's field that names what it refers to.
_ITEM_FIELD = {
    "gate": "gate_id", "community": "gate_id", "resident": "resident_id",
    "entry_pass": "pass_code", "corrects": "corrects",
}  # fmt: skip


class _Batch:
    """Everything the items refer to, loaded with a few queries, then decided in memory.

    Plain rows, not model instances: a batch refers to hundreds of passes and residents.
    """

    def __init__(
        self, actor: User, items: list[Item], tokens: dict[str, tuple[int, int] | None]
    ) -> None:
        self.actor = actor
        self.tz = timezone.get_current_timezone()
        gate_ids = {i.gate_id for i in items}
        self.gates: dict[int, Post] = {
            g.pk: g for g in gates_for(actor).filter(pk__any=list(gate_ids)).order_by()
        }
        communities = {g.community_id: g.community for g in self.gates.values()}
        self.rules = rules_in_force(communities)

        self.token = tokens  # QR text → (pass id, version), or None for no valid code
        pass_ids = {t[0] for t in tokens.values() if t}
        resident_ids = {i.resident_id for i in items if i.resident_id}
        self.residents: dict[int, dict[str, Any]] = {}
        if resident_ids:
            self.residents = {
                r["pk"]: r
                for r in Resident.objects.filter(pk__any=list(resident_ids))
                .order_by()
                .values(*_RESIDENT)
            }
        households = {r["household_id"] for r in self.residents.values()}
        self.passes: dict[int, dict[str, Any]] = {}
        if (pass_ids or households) and communities:
            wanted = Q(pk__any=list(pass_ids))  # an empty list drops out of the OR
            if households:
                wanted |= Q(household__pk__any=list(households))
            found = EntryPass.objects.filter(wanted, community__pk__any=list(communities))
            for p in found.order_by().values(
                "pk", "household_id", "household__path", "version", "status", "valid_from",
                "valid_until",
            ):  # fmt: skip
                p["valid_from"] = p["valid_from"].isoformat()
                p["valid_until"] = p["valid_until"].isoformat()
                self.passes[p["pk"]] = p
        self.pass_of_household = {p["household_id"]: p for p in self.passes.values()}
        # Whether a resident picked by name holds the pass scanned with them: only those pairs.
        self.holders: dict[int, set[int]] = defaultdict(set)
        pairs: set[tuple[int, int]] = set()
        for i in items:
            token = tokens.get(i.pass_code) if i.pass_code else None
            if token and i.resident_id:
                pairs.add((token[0], i.resident_id))
        if pairs and self.passes:
            for pass_id, resident_id in EntryPass.holders.through.objects.filter(
                entrypass__pk__any=list({p for p, _r in pairs if p in self.passes}),
                resident__pk__any=list({r for _p, r in pairs}),
            ).values_list("entrypass_id", "resident_id"):
                self.holders[pass_id].add(resident_id)

        times = [i.device_time for i in items]
        start, end = min(times), max(times)
        # Earlier exits only count against an exit quota: load them only where one is set, and
        # only as far back as its days reach (plus a day for the time zone).
        self.exits: dict[int, list[str]] = defaultdict(list)
        quotas = [r["exit_quota"] for _v, r in self.rules.values() if r.get("exit_quota")]
        if quotas and self.passes:
            days = min(max(q["days"] for q in quotas) + 1, QUOTA_LOOKBACK.days)
            for pass_id, when in (
                Passage.objects.filter(
                    entry_pass__pk__any=list(self.passes),
                    direction=Direction.OUT,
                    decision=Decision.ALLOW,
                    device_time__gte=start - dt.timedelta(days=days),
                    device_time__lte=end,
                )
                .order_by()
                .values_list("entry_pass_id", "device_time")
            ):
                self.exits[pass_id].append(self.local_day(when))
        in_communities = Q(pk__in=[])
        for community in communities.values():
            in_communities |= Q(place__path__startswith=community.path)
        self.zones = list(
            ZoneDesignation.objects.filter(in_communities, starts_at__lte=end)
            .exclude(ends_at__lte=start)
            .values_list("place__path", "level", "starts_at", "ends_at")
        )
        corrects = [i.corrects for i in items if i.corrects]
        self.corrected = (
            {
                p["client_uuid"]: p
                for p in Passage.objects.filter(client_uuid__any=corrects).values(
                    "pk", "client_uuid", "community_id"
                )
            }
            if corrects
            else {}
        )

    def local_day(self, when: dt.datetime) -> str:
        """`timezone.localdate(when).isoformat()`, with the zone looked up once per batch."""
        return when.astimezone(self.tz).date().isoformat()

    def zone_at(self, path: str, when: dt.datetime) -> str:
        best, rank = "", 0
        for place_path, level, starts, ends in self.zones:
            in_force = starts <= when and (ends is None or ends > when)
            if in_force and path.startswith(place_path) and ZONE_STRICTNESS[level] > rank:
                best, rank = level, ZONE_STRICTNESS[level]
        return best


def _decide_item(batch: _Batch, item: Item, gate: Post) -> tuple[dict[str, Any], dict]:
    """The server's decision for one item, and the row values it adds."""
    version, rules = batch.rules[gate.community_id]
    day = batch.local_day(item.device_time)
    facts = {
        "direction": item.direction,
        "subject": item.subject,
        "temperature": item.temperature,
        "health_code": item.health_code,
        "travel_star": item.travel_star,
        "date": day,
    }
    entry_pass = None
    pass_state = None
    token = batch.token.get(item.pass_code) if item.pass_code else None
    resident = batch.residents.get(item.resident_id) if item.resident_id else None
    path = gate.place.path
    if item.subject == Subject.RESIDENT:
        if item.resident_id and resident is None:
            raise BadItem("resident_id", _("Unknown resident: choose them again from the list."))
        if item.pass_code:
            entry_pass = batch.passes.get(token[0]) if token else None
            if entry_pass is None:
                pass_state = {"status": "unknown"}
            elif resident is not None and resident["pk"] not in batch.holders[entry_pass["pk"]]:
                raise BadItem("resident_id", _("This person is not a holder of that pass."))
        if resident is not None:
            if not resident["household__path"].startswith(gate.community.path):
                raise BadItem(
                    "resident_id",
                    _("Not a resident of this community: register them as a visitor."),
                )
            if entry_pass is None and pass_state is None:
                entry_pass = batch.pass_of_household.get(resident["household_id"])
            path = resident["household__path"]
        elif entry_pass is not None:
            path = entry_pass["household__path"]
        if entry_pass is not None:
            scanned = token[1] if token else entry_pass["version"]
            pass_state = {
                "status": entry_pass["status"],
                "version_ok": scanned == entry_pass["version"],
                "valid_from": entry_pass["valid_from"],
                "valid_until": entry_pass["valid_until"],
                "exit_dates": batch.exits[entry_pass["pk"]],
            }
    status = {"status": resident["health_status"]} if resident else None
    zone = batch.zone_at(path, item.device_time)
    result = decide(facts, pass_state, status, zone, rules)
    if (
        entry_pass is not None
        and result["decision"] == Decision.ALLOW
        and item.direction == Direction.OUT
    ):
        batch.exits[entry_pass["pk"]].append(day)
    values = {
        "entry_pass": entry_pass["pk"] if entry_pass else None,
        "pass_version": token[1] if token and entry_pass else None,
        "rules_version": version,
    }
    return result, values


def _reject(result: PassageResult, field_name: str, message: str) -> None:
    result.status, result.field, result.message = REJECTED, field_name, message


def _answer_duplicate(result: PassageResult, first: dict[str, Any]) -> None:
    result.status, result.id = DUPLICATE, first["pk"]
    result.decision, result.reasons = first["decision"], first["reasons"]
    result.alert, result.disagrees = first["alert"], first["disagrees"]


COL = {name: n for n, name in enumerate(FIELDS)}


@retried
def passages_batch(*, actor: User, items: Sequence[Any]) -> list[PassageResult]:
    """Record up to 1,000 passages, each once per client UUID: a result per item, in order.

    Checking the items, reading their QR codes and loading what the decisions need happen
    before the transaction (on SQLite the write lock is taken at its start); finding resends,
    deciding, inserting and alerting are one transaction.
    """
    now = timezone.now()
    batch = read_batch(items, parse_item, PassageResult, now)
    results, parsed = batch.answers, batch.fresh
    tokens = {i.pass_code: read_pass_token(i.pass_code) for _n, i in parsed if i.pass_code}
    # What the decisions read (gates, rules, passes, residents, zones, earlier exits) is read
    # before the transaction too: on SQLite a writing transaction holds the database's one
    # write lock, which the other workers wait for. A passage recorded by another device in
    # between is not seen by the exit quota, as under PostgreSQL's READ COMMITTED.
    known = _Batch(actor, [i for _n, i in parsed], tokens) if parsed else None

    with transaction.atomic():
        # Already recorded (a resend): answer with the first recording's decision.
        earlier = {
            p["client_uuid"]: p
            for p in Passage.objects.filter(client_uuid__any=batch.uuids).values(
                "pk", "client_uuid", "decision", "reasons", "alert", "disagrees"
            )
        }
        fresh = [(n, i) for n, i in parsed if i.client_uuid not in earlier]
        for n, i in parsed:
            if i.client_uuid in earlier:
                _answer_duplicate(results[n], earlier[i.client_uuid])
        if fresh and known is not None:
            _record(actor, now, fresh, results, known)
    return batch.finish()


def _record(
    actor: User,
    now: dt.datetime,
    fresh: list[tuple[int, Item]],
    results: list[PassageResult],
    batch: _Batch,
) -> None:
    in_batch = {i.client_uuid for _n, i in fresh}
    rows: list[tuple[int, list[Any]]] = []
    later: list[tuple[int, list[Any], uuid.UUID]] = []  # corrections of items in this batch
    # In time order, so that an exit quota counts the exits before each passage.
    for n, item in sorted(fresh, key=lambda pair: pair[1].device_time):
        result = results[n]
        gate = batch.gates.get(item.gate_id)
        if gate is None:
            _reject(result, "gate_id", _("Unknown gate, or not one you guard."))
            continue
        target = batch.corrected.get(item.corrects) if item.corrects else None
        if item.corrects and (
            (target is None and item.corrects not in in_batch)
            or (target is not None and target["community_id"] != gate.community_id)
        ):
            _reject(result, "corrects", _("The passage to correct was not found."))
            continue
        try:
            decision, values = _decide_item(batch, item, gate)
        except BadItem as bad:
            _reject(result, bad.field, bad.message)
            continue
        disagrees = bool(item.device_decision) and item.device_decision != decision["decision"]
        result.decision, result.reasons = decision["decision"], decision["reasons"]
        result.alert, result.disagrees = decision["alert"], disagrees
        row = [
            item.client_uuid, gate.pk, gate.community_id, item.direction, item.device_time, now,
            actor.pk, item.subject,
            item.resident_id if item.subject == Subject.RESIDENT else None,
            values["entry_pass"], values["pass_version"], item.visitor_name,
            item.visitor_phone, item.plate, item.temperature, item.health_code,
            item.travel_star, decision["decision"], decision["reasons"], decision["alert"],
            item.device_decision, disagrees, values["rules_version"],
            target["pk"] if target else None, item.note,
        ]  # fmt: skip
        if item.corrects and target is None:
            later.append((n, row, item.corrects))
        else:
            rows.append((n, row))

    created = _insert(rows, results)
    second: list[tuple[int, list[Any]]] = []
    for n, row, corrected in later:
        if corrected not in created:
            _reject(results[n], "corrects", _("The passage to correct was not recorded."))
            continue
        row[COL["corrects"]] = created[corrected]
        second.append((n, row))
    created.update(_insert(second, results))
    alerts: list[tuple[list[Any], int]] = []
    for n, row in [*rows, *second]:
        if results[n].status == REJECTED:  # refused by the database
            continue
        pk = created.get(row[COL["client_uuid"]])
        if pk is None:  # another device's batch recorded this UUID a moment ago
            results[n].status = DUPLICATE
            continue
        results[n].id = pk
        if row[COL["alert"]]:
            alerts.append((row, pk))
    _notify_alerts(batch, alerts)


def _insert(rows: list[tuple[int, list[Any]]], results: list[PassageResult]) -> dict[Any, int]:
    """Insert the rows ({client UUID: id} of those that went in); a row the database refuses
    (what it refers to went away meanwhile) is answered alone."""
    created, refused = insert_each(Passage, FIELDS, [r for _n, r in rows], key="client_uuid")
    for k, name in refused.items():
        n = rows[k][0]
        _reject(results[n], _ITEM_FIELD.get(name, "item"), refused_message())
        results[n].decision, results[n].reasons, results[n].alert = "", [], False
    return created


def _notify_alerts(batch: _Batch, alerts: list[tuple[list[Any], int]]) -> None:
    """Tell the community's staff at once about a fever, a red or yellow code, or someone in
    isolation at the gate."""
    if not alerts:
        return
    staff = users_with_by_place(
        Capability.VIEW_PASSAGES, {row[COL["community"]] for row, _pk in alerts}, inherited=False
    )
    messages = []
    for row, pk in alerts:
        gate = batch.gates[row[COL["gate"]]]
        resident = batch.residents.get(row[COL["resident"]]) if row[COL["resident"]] else None
        who = (
            resident["name"]
            if resident
            else row[COL["visitor_name"]] or row[COL["plate"]] or _("a resident")
        )
        why = "; ".join(
            reason_text(r, batch.rules[gate.community_id][1])
            for r in row[COL["reasons"]]
            if r in ALERTS
        )
        title = _("%(gate)s: %(who)s — %(why)s") % {"gate": gate.name, "who": who, "why": why}
        messages.append(
            Message(
                users=staff.get(row[COL["community"]], ()),
                kind="gate_alert",
                title=title,
                url=reverse("checkpoints:passage", args=[pk]),
            )
        )
    notify_many(messages)
