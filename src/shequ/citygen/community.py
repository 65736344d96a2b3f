"""One community of the generated city, as rows: its places, gates, sampling site, residents,
entry passes, cadres, samples of each round and a week of passages. Rows are built here and
COPYed by the caller; only one community is held in memory at a time.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
import random
import secrets
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shequ.citygen.shape import COMPOUND_WORDS, HOUSEHOLD_SIZES, PEOPLE_PER_GRID, VACANT
from shequ.core import pii
from shequ.places.households import household_code, household_name
from shequ.residents.demo import GIVEN, SURNAMES
from shequ.residents.idcard import check_char

BORN0 = dt.date(1930, 1, 1)
RESIDENT_REGION = "629998"  # not a real region: nobody real has these numbers
CADRE_REGION = "629997"
CADRE_SHARE = 0.005


class Sealer:
    """PII as the model stores it: AES-GCM bound to the column ("v1:" token), and the
    keyed blind index; the keys derived once (pii derives them per call)."""

    def __init__(self, master: str) -> None:
        aes_key, self.mac_key = pii._keys(master)
        self.aes = AESGCM(aes_key)

    def seal(self, text: str, context: bytes) -> str:
        nonce = os.urandom(pii.NONCE_BYTES)
        sealed = self.aes.encrypt(nonce, text.encode(), context)
        return pii.TOKEN_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()

    def index(self, value: str, kind: str) -> str:
        return hmac.new(self.mac_key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


BLOCK = 100_000  # ids per community and table: community n takes start + n * BLOCK onwards


@dataclass
class Ids:
    """The next free id of each table in one community's block (ids are given here: paths
    and keys need them; blocks let communities be built in any order, in any process)."""

    next: dict[str, int]

    @classmethod
    def block(cls, starts: dict[str, int], number: int) -> Ids:
        return cls({table: start + number * BLOCK for table, start in starts.items()})

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


@dataclass
class RoundSpec:
    id: int
    number: int  # 1, 2, … (barcodes)
    districts: frozenset[int]  # district ids covered
    share: float  # of residents sampled
    running: bool  # today's round: tubes in every state; earlier rounds: all negative
    day: dt.date
    start: dt.datetime


@dataclass
class Context:
    """What every community needs: ids, users, rounds, times, the sealer."""

    ids: Ids
    sealer: Sealer | None
    hq: int
    lab: int
    gate_user: int
    order: int
    agencies: list[int]
    rounds: list[RoundSpec]
    now: dt.datetime
    today: dt.date
    resident_seq: list[int] = field(default_factory=lambda: [0])  # residents so far (ID no.)
    cadre_seq: list[int] = field(default_factory=lambda: [0])
    starts: dict[str, int] = field(default_factory=dict)  # each table's first id
    seed: int = 0


@dataclass
class Rows:
    """The rows of one community, table by table (COPY order: parents first)."""

    tables: dict[str, list[tuple]] = field(default_factory=dict)

    def add(self, table: str, row: tuple) -> None:
        self.tables.setdefault(table, []).append(row)


COLUMNS: dict[str, list[str]] = {
    "places_place": ["id", "kind", "parent_id", "code", "name", "path", "depth",
                     "no_property_management", "unit", "level_word"],
    "duty_post": ["id", "name", "kind", "opens", "closes", "active", "token", "created_at",
                  "community_id", "place_id"],
    "testing_site": ["id", "name", "opens", "closes", "active", "community_id", "post_id"],
    "testing_station": ["id", "name", "site_id"],
    "residents_resident": ["id", "name", "gender", "birth_date", "document_type",
                           "document_number", "document_hmac", "phone", "phone_hmac",
                           "household_id", "relation", "occupancy", "tags", "notes",
                           "health_status", "created_at", "updated_at"],
    "checkpoints_entrypass": ["id", "version", "status", "valid_from", "valid_until", "note",
                              "issued_at", "changed_at", "community_id", "household_id",
                              "issued_by_id"],
    "checkpoints_entrypass_holders": ["id", "entrypass_id", "resident_id"],
    "mobilization_staff": ["id", "kind", "name", "id_number", "id_hmac", "phone", "phone_hmac",
                           "rank", "party_member", "birth_year", "gender", "skills", "fitness",
                           "available", "vetting", "created_at", "agency_id",
                           "residence_community_id", "user_id", "vetted_by_id", "availability",
                           "organisation", "vetting_note"],
    "mobilization_enlistment": ["id", "state", "token", "signed_up_at", "reported_at",
                                "released_at", "community_id", "reported_by_id", "order_id",
                                "staff_id"],
    "testing_transfer": ["id", "code", "tube_count", "sent_at", "received_at", "received_count",
                         "discrepancy", "community_id", "received_by_id", "round_id",
                         "sent_by_id"],
    "testing_tube": ["id", "round_id", "barcode", "community_id", "station_id", "pool_size",
                     "retest", "status", "opened_at", "opened_by_id", "closed_at", "transfer_id",
                     "result", "result_at", "result_by_id"],
    "testing_sample": ["id", "client_uuid", "round_id", "tube_id", "resident_id", "retest",
                       "at_home", "out_of_scope", "sampled_at", "received_at", "operator_id"],
    "checkpoints_passage": ["id", "client_uuid", "direction", "device_time", "server_time",
                            "subject", "pass_version", "visitor_name", "visitor_phone", "plate",
                            "temperature", "health_code", "travel_star", "decision", "reasons",
                            "alert", "device_decision", "disagrees", "rules_version", "note",
                            "community_id", "corrects_id", "entry_pass_id", "gate_id",
                            "recorded_by_id", "resident_id"],
}  # fmt: skip
BIG_TABLES = list(COLUMNS)[4:]  # residents onwards: indexes set aside while loading


_V4_CLEAR = ~((0xF << 76) | (0x3 << 62))
_V4_SET = (0x4 << 76) | (0x2 << 62)


def _uuid(rng: random.Random) -> str:
    """A random (version 4) UUID as 32 hex digits, as uuid.UUID(int=…, version=4) makes it."""
    return f"{rng.getrandbits(128) & _V4_CLEAR | _V4_SET:032x}"


def build_community(
    ctx: Context,
    *,
    seed: int,
    number: int,
    people: int,
    street: tuple[int, str, str],  # (id, code, path)
    district_id: int,
    name: str,
    code: str,
) -> Rows:
    """All rows of community `number` (deterministic for the seed and the number)."""
    rng = random.Random(f"city-{seed}-community-{number}")  # noqa: S311 - synthetic data
    rows = Rows()
    ids = ctx.ids
    street_id, _street_code, street_path = street
    cid = ids.take("places_place")
    cpath = f"{street_path}{cid}/"
    rows.add("places_place", (cid, "community", street_id, code, name, cpath, 3, False, "", ""))
    site = ids.take("testing_site")
    rows.add("testing_site", (site, "广场采样点", dt.time(7), dt.time(20), True, cid, None))
    stations = [ids.take("testing_station") for _ in range(2)]
    for n, station in enumerate(stations, start=1):
        rows.add("testing_station", (station, f"{n}号台", site))

    residents: list[tuple[int, str]] = []  # (id, health status)
    passes: list[tuple[int, int, list[int]]] = []  # (pass id, gate, holders)
    households = _households(ctx, rows, rng, cid, cpath, code, name, people)
    for household_id, size, gate in households:
        members = _residents(ctx, rows, rng, household_id, size)
        residents.extend(members)
        pass_id = ids.take("checkpoints_entrypass")
        rows.add("checkpoints_entrypass", (
            pass_id, 1, "active", ctx.today - dt.timedelta(days=7),
            ctx.today + dt.timedelta(days=30), "", ctx.now, ctx.now, cid, household_id, ctx.hq,
        ))  # fmt: skip
        for resident_id, _status in members:
            rows.add("checkpoints_entrypass_holders",
                     (ids.take("checkpoints_entrypass_holders"), pass_id, resident_id))  # fmt: skip
        passes.append((pass_id, gate, [r for r, _s in members]))
    _cadres(ctx, rows, rng, cid, people)
    for spec in ctx.rounds:
        if district_id in spec.districts:
            _round(ctx, rows, rng, spec, cid, stations, residents)
    _passages(ctx, rows, rng, cid, passes)
    return rows


def _households(
    ctx: Context, rows: Rows, rng: random.Random, cid: int, cpath: str, code: str, name: str,
    people: int,
) -> list[tuple[int, int, int]]:  # fmt: skip
    """Grids → compounds (each with its gate) → buildings (1–6 units, 6–18 floors, 2 flats a
    floor) → households, until the community's people have homes: [(household id, people in
    it, its compound's gate)]."""
    ids = ctx.ids
    out: list[tuple[int, int, int]] = []
    grids = max(1, round(people / PEOPLE_PER_GRID))
    per_grid = [people * (g + 1) // grids - people * g // grids for g in range(grids)]
    short = name.removesuffix("社区")
    for g, quota in enumerate(per_grid, start=1):
        gid = ids.take("places_place")
        gpath, gcode = f"{cpath}{gid}/", f"{code}-G{g}"
        rows.add("places_place", (gid, "grid", cid, gcode, f"{name}第{g}网格", gpath, 4, False,
                                  "", ""))  # fmt: skip
        placed, k = 0, 0
        while placed < quota:
            k += 1
            pid = ids.take("places_place")
            ppath, pcode = f"{gpath}{pid}/", f"{gcode}-C{k}"
            word = rng.choice(COMPOUND_WORDS)
            rows.add("places_place", (
                pid, "compound", gid, pcode, f"{short}{g}-{k}号{word}", ppath, 5,
                word in ("家属院", "庭院") or rng.random() < 0.15, "", "",
            ))  # fmt: skip
            gate = ids.take("duty_post")
            rows.add("duty_post", (
                gate, f"{g}-{k}号门", "checkpoint", dt.time(0), dt.time(0), True,
                secrets.token_urlsafe(16), ctx.now, cid, pid,
            ))  # fmt: skip
            for b in range(1, rng.randint(2, 8) + 1):
                if placed >= quota:
                    break
                bid = ids.take("places_place")
                bpath, bcode = f"{ppath}{bid}/", f"{pcode}-B{b}"
                rows.add("places_place", (bid, "building", pid, bcode, f"{b}号楼", bpath, 6,
                                          False, "", ""))  # fmt: skip
                floors = rng.randint(6, 18)
                units = rng.choices(range(1, 7), weights=[70, 20, 6, 2, 1, 1])[0]
                for u in range(1, units + 1):
                    unit = str(u) if units > 1 else ""
                    for floor in range(1, floors + 1):
                        for flat in (1, 2):
                            room = f"{floor}{flat:02d}"
                            hid = ids.take("places_place")
                            rows.add("places_place", (
                                hid, "household", bid, household_code(bcode, unit, room),
                                household_name(unit, room), f"{bpath}{hid}/", 7, False, unit,
                                "",
                            ))  # fmt: skip
                            if placed >= quota or rng.random() < VACANT:
                                continue
                            size = min(rng.choices(*HOUSEHOLD_SIZES)[0], quota - placed)
                            out.append((hid, size, gate))
                            placed += size
    return out


def _residents(
    ctx: Context, rows: Rows, rng: random.Random, household_id: int, size: int
) -> list[tuple[int, str]]:
    sealer = ctx.sealer
    assert sealer is not None
    out = []
    for member in range(size):
        i = ctx.resident_seq[0]
        ctx.resident_seq[0] = i + 1
        pk = ctx.ids.take("residents_resident")
        # Unique for i < 15,000,000: (birth day, sequence) determines i.
        seq = 2 * (i // 30000) + (i % 2)
        born = BORN0 + dt.timedelta(days=i % 30000)
        first17 = f"{RESIDENT_REGION}{born:%Y%m%d}{seq:03d}"
        number = first17 + check_char(first17)
        phone = f"100{i:08d}" if i % 10 else ""
        r = rng.random()
        status = (
            "hospital" if r < 0.003 else "central_isolation" if r < 0.005
            else "home_isolation" if r < 0.01 else "normal"
        )  # fmt: skip
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(("", rng.choice(GIVEN)))
        rows.add("residents_resident", (
            pk, name, "male" if seq % 2 else "female", born, "resident_id",
            sealer.seal(number, b"residents.resident.document_number"),
            sealer.index(number, "document"),
            sealer.seal(phone, b"residents.resident.phone") if phone else "",
            sealer.index(phone, "phone") if phone else "",
            household_id, "head" if member == 0 else "other", "owner", 0, "", status,
            ctx.now, ctx.now,
        ))  # fmt: skip
        out.append((pk, status))
    return out


def _cadres(ctx: Context, rows: Rows, rng: random.Random, cid: int, people: int) -> None:
    """0.5 % of the people: agencies' cadres living here, enlisted by the city's order and
    reported in at their community (most of them)."""
    sealer = ctx.sealer
    assert sealer is not None
    for _ in range(round(people * CADRE_SHARE)):
        i = ctx.cadre_seq[0]
        ctx.cadre_seq[0] = i + 1
        born = dt.date(1965, 1, 1) + dt.timedelta(days=i % 12000)
        first17 = f"{CADRE_REGION}{born:%Y%m%d}{i // 12000:03d}"
        number = first17 + check_char(first17)
        phone = f"1009{i:07d}"
        staff = ctx.ids.take("mobilization_staff")
        rows.add("mobilization_staff", (
            staff, "cadre", rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
            sealer.seal(number, b"mobilization.staff.id_number"), sealer.index(number, "document"),
            sealer.seal(phone, b"mobilization.staff.phone"), sealer.index(phone, "phone"),
            rng.choice(("chu", "ke", "keyuan", "keyuan")), rng.random() < 0.6, born.year,
            "male" if i % 2 else "female", 0, "fit", True, "approved", ctx.now,
            rng.choice(ctx.agencies), cid, None, None, "", "", "",
        ))  # fmt: skip
        reported = rng.random() < 0.85
        rows.add("mobilization_enlistment", (
            ctx.ids.take("mobilization_enlistment"), "reported_in" if reported else "notified",
            secrets.token_urlsafe(16), None, ctx.now if reported else None, None,
            cid if reported else None, ctx.hq if reported else None, ctx.order, staff,
        ))  # fmt: skip


def _round(
    ctx: Context, rows: Rows, rng: random.Random, spec: RoundSpec, cid: int,
    stations: list[int], residents: list[tuple[int, str]],
) -> None:  # fmt: skip
    """The community's samples of one round, ten to a tube; a finished round's tubes are all
    negative, today's are in every state (resulted, at the lab, closed, still open)."""
    ids = ctx.ids
    queue = [
        pk
        for pk, status in residents
        if status not in ("hospital", "central_isolation") and rng.random() < spec.share
    ]
    if not queue:
        return
    transfer = ids.take("testing_transfer")
    step = dt.timedelta(hours=9) / len(queue)
    pools = [queue[k : k + 10] for k in range(0, len(queue), 10)]
    sent = 0
    for k, pool in enumerate(pools):
        tube = ids.take("testing_tube")
        opened = spec.start + step * k * 10
        if not spec.running:
            status, result, to = "resulted", "negative", transfer
        elif k >= len(pools) - 2:
            status, result, to = ("open" if len(pool) < 10 else "closed"), "", None
        elif k % 10 < 6:
            status, result, to = "resulted", "negative", transfer
        elif k % 10 < 9:
            status, result, to = "received", "", transfer
        else:
            status, result, to = "closed", "", None
        sent += to is not None
        closed = opened + step * len(pool) if status != "open" else None
        result_at = closed + dt.timedelta(hours=4) if result else None
        rows.add("testing_tube", (
            tube, spec.id, f"R{spec.number}-C{cid}-{k + 1:05d}", cid, stations[k % 2], 10, False,
            status, opened, ctx.hq, closed, to, result, result_at, ctx.lab if result else None,
        ))  # fmt: skip
        for j, resident in enumerate(pool):
            at = opened + step * j
            rows.add("testing_sample", (
                ids.take("testing_sample"), _uuid(rng), spec.id, tube, resident, False, False,
                False, at, at, ctx.hq,
            ))  # fmt: skip
    rows.add("testing_transfer", (
        transfer, f"JJ{spec.number}-{cid}", sent, spec.start + dt.timedelta(hours=9),
        spec.start + dt.timedelta(hours=10), sent, "", cid, ctx.lab, spec.id, ctx.hq,
    ))  # fmt: skip


def _passages(
    ctx: Context, rows: Rows, rng: random.Random, cid: int,
    passes: list[tuple[int, int, list[int]]],
) -> None:  # fmt: skip
    """A week at the gates: each day about one household in seven sends someone out and
    back a few hours later."""
    if not passes:
        return
    midnight = dt.datetime.combine(ctx.today, dt.time(0), tzinfo=ctx.now.tzinfo)
    for back in range(7, 0, -1):
        day = midnight - dt.timedelta(days=back - 1)
        for pass_id, gate, holders in passes:
            if not holders or rng.random() >= 1 / 7:
                continue
            resident = rng.choice(holders)
            out_at = day + dt.timedelta(minutes=rng.randint(6 * 60, 18 * 60))
            in_at = out_at + dt.timedelta(minutes=rng.randint(20, 300))
            for direction, at in (("out", out_at), ("in", in_at)):
                if at > ctx.now:
                    continue
                rows.add(
                    "checkpoints_passage",
                    _passage(ctx, rng, cid, gate, pass_id, resident, direction, at),
                )


def _passage(
    ctx: Context, rng: random.Random, cid: int, gate: int, pass_id: int, resident: int,
    direction: str, at: dt.datetime,
) -> tuple[Any, ...]:  # fmt: skip
    return (
        ctx.ids.take("checkpoints_passage"), _uuid(rng), direction, at,
        at + dt.timedelta(seconds=rng.randint(1, 30)), "resident", 1, "", "", "",
        round(rng.uniform(36.0, 37.1), 1), "green", False, "allow", "[]", False, "allow", False,
        0, "", cid, None, pass_id, gate, ctx.gate_user, resident,
    )  # fmt: skip
