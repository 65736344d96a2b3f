"""One community of the generated city, as rows: its places, gates, sampling site, residents,
entry passes, cadres, samples of each round, a week of passages and the counts coverage reads
(testing/counts.py). Rows are built here and COPYed by the caller; only one community is held
in memory at a time.

Rows are written straight in COPY's text format (a line per row, fields joined by tabs, the
values' text as PostgreSQL reads it) for the big tables: converting millions of tuples value
by value was half of the generator's time.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
import random
import secrets
from bisect import bisect
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate
from operator import mul
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shequ.citygen.shape import COMPOUND_WORDS, HOUSEHOLD_SIZES, PEOPLE_PER_GRID, VACANT
from shequ.core import pii
from shequ.places.households import household_code, household_name
from shequ.residents.demo import GIVEN, SURNAMES
from shequ.residents.idcard import CHECK_CHARS, WEIGHTS, check_char

BORN0 = dt.date(1930, 1, 1)
RESIDENT_REGION = "629998"  # not a real region: nobody real has these numbers
CADRE_REGION = "629997"
CADRE_SHARE = 0.005


class Sealer:
    """PII as the model stores it: AES-GCM bound to the column ("v1:" token), and the
    keyed blind index; the keys derived once (pii derives them per call). Every value gets
    its own random nonce, drawn from the OS a few thousand at a time."""

    NONCES = 4096

    def __init__(self, master: str) -> None:
        aes_key, self.mac_key = pii._keys(master)
        self.aes = AESGCM(aes_key)
        self._nonces = b""
        self._at = 0
        # HMAC-SHA256 (RFC 2104) with the key's inner and outer hashes started once: a third
        # of the time of hmac.new per value, the same digest (tests/pg/test_city_seed.py).
        key = self.mac_key.ljust(64, b"\0")
        assert len(key) == 64  # the blind-index key is 32 bytes
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def _nonce(self) -> bytes:
        size = pii.NONCE_BYTES
        if self._at + size > len(self._nonces):
            self._nonces, self._at = os.urandom(size * self.NONCES), 0
        at = self._at
        self._at = at + size
        return self._nonces[at : at + size]

    def seal(self, text: str, context: bytes) -> str:
        nonce = self._nonce()
        sealed = self.aes.encrypt(nonce, text.encode(), context)
        return pii.TOKEN_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()

    def index(self, value: str, kind: str) -> str:
        inner = self._inner.copy()
        inner.update(f"{kind}:{value}".encode())
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()


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
    # The tallies of residents and samples per building are written here when the database's
    # counting triggers are off for the load (testing/counts.py); the triggers keep them
    # otherwise. The counts per community and day are the ingest's: always written here.
    tallies: bool = True
    zone: dt.tzinfo = dt.UTC  # the site's time zone: the local day of a sample
    district_tables: frozenset[str] = frozenset()  # tables with a district_id column


@dataclass
class Rows:
    """The rows of one community, table by table (COPY order: parents first), each a line of
    COPY text without its newline."""

    tables: dict[str, list[str]] = field(default_factory=dict)

    def add(self, table: str, row: tuple) -> None:
        """A row of a small table, from its values."""
        self.lines(table).append("\t".join(map(_text, row)))

    def lines(self, table: str) -> list[str]:
        """The lines of a big table, for the generator to append to directly."""
        found = self.tables.get(table)
        if found is None:
            found = self.tables[table] = []
        return found

    def text(self, table: str, suffix: str = "") -> bytes:
        """The table's rows as COPY text, `suffix` (e.g. a tab and the district's id, for a
        last column every row shares) added to each."""
        end = f"{suffix}\n"
        return (end.join(self.tables[table]) + end).encode()


def _text(value: Any) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    return str(value)  # no tab, newline or backslash in any generated value


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
# The counts coverage and "sampled today" read (testing/counts.py); no id of ours.
TALLIES: dict[str, list[str]] = {
    "testing_residenttally": ["building_id", "residents"],
    "testing_sampledtally": ["round_id", "building_id", "sampled"],
    "testing_daysampled": ["community_id", "day", "sampled"],
}


_V4_CLEAR = ~((0xF << 76) | (0x3 << 62))
_V4_SET = (0x4 << 76) | (0x2 << 62)


def _uuid(rng: random.Random) -> str:
    """A random (version 4) UUID as 32 hex digits, as uuid.UUID(int=…, version=4) makes it."""
    return f"{rng.getrandbits(128) & _V4_CLEAR | _V4_SET:032x}"


def _below(getrandbits: Any, n: int, bits: int) -> int:
    """`rng.choice`'s and `rng.randrange`'s draw (Random._randbelow), without their layers of
    calls: the same numbers from the same generator. `bits` is n.bit_length()."""
    r = getrandbits(bits)
    while r >= n:
        r = getrandbits(bits)
    return r


def _weighted(weights: list[int]) -> tuple[list[int], float, int]:
    """For `rng.choices(population, weights)[0]` drawn as it does: (cumulative weights,
    their total, the last index)."""
    cumulative = list(accumulate(weights))
    return cumulative, cumulative[-1] + 0.0, len(weights) - 1


_SIZES, _SIZE_WEIGHTS = HOUSEHOLD_SIZES[0], _weighted(HOUSEHOLD_SIZES[1])
_UNIT_WEIGHTS = _weighted([70, 20, 6, 2, 1, 1])
_SPAN = 37.1 - 36.0  # rng.uniform(36.0, 37.1) is 36.0 + _SPAN * rng.random()
_NS, _NG = len(SURNAMES), len(GIVEN)
_BS, _BG = _NS.bit_length(), _NG.bit_length()


@lru_cache(maxsize=4096)
def _flat(unit: str, room: str) -> tuple[str, str]:
    """A flat's code (after its building's) and name: the households module's, once each."""
    return household_code("", unit, room), household_name(unit, room)


@lru_cache(maxsize=32768)
def _birth(day: int, region: str) -> tuple[str, str, int]:
    """Born `day` days after 1930-01-01: (ISO date, the ID number's first 14 characters, their
    weighted sum for the check character)."""
    born = BORN0 + dt.timedelta(days=day)
    first14 = f"{region}{born:%Y%m%d}"
    return born.isoformat(), first14, sum(map(mul, map(int, first14), WEIGHTS))


def _id_number(first14: str, total: int, seq: int) -> str:
    """first14 + a 3-digit sequence + the check character (residents.idcard.check_char)."""
    tail = f"{seq:03d}"
    total += int(tail[0]) * WEIGHTS[14] + int(tail[1]) * WEIGHTS[15] + int(tail[2]) * WEIGHTS[16]
    return f"{first14}{tail}{CHECK_CHARS[total % 11]}"


_EPOCH, _US = dt.datetime(1970, 1, 1, tzinfo=dt.UTC), dt.timedelta(microseconds=1)
_DAY_US = 86_400_000_000
_DAYS: dict[int, str] = {}
_CLOCK: dict[int, str] = {}


def _micros(moment: dt.datetime) -> int:
    """An aware datetime as whole microseconds since 1970 (UTC): sums of these are exactly
    the sums of the datetimes, without making a datetime each time."""
    return (moment - _EPOCH) // _US


def _stamp(micros: int) -> str:
    """`_micros`'s inverse as COPY text of a timestamptz (UTC), at half the time of str() of
    a datetime."""
    day, micros = divmod(micros, _DAY_US)
    date = _DAYS.get(day)
    if date is None:
        date = _DAYS[day] = (_EPOCH + dt.timedelta(days=day)).date().isoformat()
    second, micros = divmod(micros, 1_000_000)
    clock = _CLOCK.get(second)
    if clock is None:
        hours, rest = divmod(second, 3600)
        clock = _CLOCK[second] = f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
    return f"{date} {clock}.{micros:06d}+00"


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

    residents: list[tuple[int, str, int]] = []  # (id, health status, building)
    passes: list[tuple[int, int, list[int]]] = []  # (pass id, gate, holders)
    households = _households(ctx, rows, rng, cid, cpath, code, name, people)
    entry = rows.lines("checkpoints_entrypass")
    holders = rows.lines("checkpoints_entrypass_holders")
    valid = f"{ctx.today - dt.timedelta(days=7)}\t{ctx.today + dt.timedelta(days=30)}"
    issued = f"{ctx.now}\t{ctx.now}\t{cid}"
    in_building: dict[int, int] = {}
    for household_id, size, gate, building in households:
        members = _residents(ctx, rows, rng, household_id, size)
        in_building[building] = in_building.get(building, 0) + len(members)
        residents.extend((pk, status, building) for pk, status in members)
        pass_id = ids.take("checkpoints_entrypass")
        entry.append(f"{pass_id}\t1\tactive\t{valid}\t\t{issued}\t{household_id}\t{ctx.hq}")
        for resident_id, _status in members:
            holders.append(f"{ids.take('checkpoints_entrypass_holders')}\t{pass_id}\t{resident_id}")
        passes.append((pass_id, gate, [r for r, _s in members]))
    _cadres(ctx, rows, rng, cid, people)
    days: dict[dt.date, set[int]] = {}
    for spec in ctx.rounds:
        if district_id in spec.districts:
            _round(ctx, rows, rng, spec, cid, stations, residents, days)
    _passages(ctx, rows, rng, cid, passes)
    if ctx.tallies:
        tally = rows.lines("testing_residenttally")
        tally.extend(f"{building}\t{n}" for building, n in in_building.items())
    for day, sampled in days.items():
        rows.lines("testing_daysampled").append(f"{cid}\t{day}\t{len(sampled)}")
    return rows


def _households(
    ctx: Context, rows: Rows, rng: random.Random, cid: int, cpath: str, code: str, name: str,
    people: int,
) -> list[tuple[int, int, int, int]]:  # fmt: skip
    """Grids → compounds (each with its gate) → buildings (1–6 units, 6–18 floors, 2 flats a
    floor) → households, until the community's people have homes: [(household id, people in
    it, its compound's gate, its building)]."""
    ids = ctx.ids
    places = rows.lines("places_place")
    random_ = rng.random
    sizes, (cumulative, total, last) = _SIZES, _SIZE_WEIGHTS
    out: list[tuple[int, int, int, int]] = []
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
                word in ("家属院", "庭院") or random_() < 0.15, "", "",
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
                places.append(f"{bid}\tbuilding\t{pid}\t{bcode}\t{b}号楼\t{bpath}\t6\tf\t\t")
                floors = rng.randint(6, 18)
                unit_cum, unit_total, unit_last = _UNIT_WEIGHTS
                units = bisect(unit_cum, random_() * unit_total, 0, unit_last) + 1
                for u in range(1, units + 1):
                    unit = str(u) if units > 1 else ""
                    for floor in range(1, floors + 1):
                        for flat in (1, 2):
                            flat_code, flat_name = _flat(unit, f"{floor}{flat:02d}")
                            hid = ids.take("places_place")
                            places.append(
                                f"{hid}\thousehold\t{bid}\t{bcode}{flat_code}\t{flat_name}\t"
                                f"{bpath}{hid}/\t7\tf\t{unit}\t"
                            )
                            if placed >= quota or random_() < VACANT:
                                continue
                            drawn = sizes[bisect(cumulative, random_() * total, 0, last)]
                            size = min(drawn, quota - placed)
                            out.append((hid, size, gate, bid))
                            placed += size
    return out


def _residents(
    ctx: Context, rows: Rows, rng: random.Random, household_id: int, size: int
) -> list[tuple[int, str]]:
    sealer = ctx.sealer
    assert sealer is not None
    seal, index = sealer.seal, sealer.index
    lines = rows.lines("residents_resident")
    bits, random_ = rng.getrandbits, rng.random
    tail = f"{household_id}\t{{}}\towner\t0\t\t{{}}\t{ctx.now}\t{ctx.now}"
    out = []
    for member in range(size):
        i = ctx.resident_seq[0]
        ctx.resident_seq[0] = i + 1
        pk = ctx.ids.take("residents_resident")
        # Unique for i < 15,000,000: (birth day, sequence) determines i.
        seq = 2 * (i // 30000) + (i % 2)
        born, first14, total = _birth(i % 30000, RESIDENT_REGION)
        number = _id_number(first14, total, seq)
        phone = f"100{i:08d}" if i % 10 else ""
        r = random_()
        status = (
            "hospital" if r < 0.003 else "central_isolation" if r < 0.005
            else "home_isolation" if r < 0.01 else "normal"
        )  # fmt: skip
        # rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(("", rng.choice(GIVEN)))
        name = SURNAMES[_below(bits, _NS, _BS)] + GIVEN[_below(bits, _NG, _BG)]
        second = GIVEN[_below(bits, _NG, _BG)]
        if _below(bits, 2, 2):
            name += second
        lines.append(
            f"{pk}\t{name}\t{'male' if seq % 2 else 'female'}\t{born}\tresident_id\t"
            f"{seal(number, b'residents.resident.document_number')}\t"
            f"{index(number, 'document')}\t"
            + (
                f"{seal(phone, b'residents.resident.phone')}\t{index(phone, 'phone')}\t"
                if phone
                else "\t\t"
            )
            + tail.format("head" if member == 0 else "other", status)
        )
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
    stations: list[int], residents: list[tuple[int, str, int]],
    days: dict[dt.date, set[int]],
) -> None:  # fmt: skip
    """The community's samples of one round, ten to a tube; a finished round's tubes are all
    negative, today's are in every state (resulted, at the lab, closed, still open). The
    counts: residents sampled per building, and per local day (`days`)."""
    ids = ctx.ids
    random_, share = rng.random, spec.share
    queue = [
        (pk, building)
        for pk, status, building in residents
        if status not in ("hospital", "central_isolation") and random_() < share
    ]
    if not queue:
        return
    transfer = ids.take("testing_transfer")
    step = dt.timedelta(hours=9) / len(queue)
    pools = [queue[k : k + 10] for k in range(0, len(queue), 10)]
    samples = rows.lines("testing_sample")
    per_building: dict[int, int] = {}
    zone, tail = ctx.zone, f"\t{ctx.hq}"
    head = f"\t{spec.id}\t"
    next_day, sampled = _micros(spec.start), set()  # next local midnight; who was sampled
    sent = 0
    start_us, step_us = _micros(spec.start), step // _US
    for k, pool in enumerate(pools):
        tube = ids.take("testing_tube")
        opened = spec.start + step * k * 10
        opened_us = start_us + step_us * k * 10
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
        for j, (resident, building) in enumerate(pool):
            at = opened_us + step_us * j
            if at >= next_day:  # samples come in time order: the local day changes rarely
                local = (_EPOCH + at * _US).astimezone(zone)
                sampled = days.setdefault(local.date(), set())
                midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(0))
                next_day = _micros(midnight.replace(tzinfo=zone))
            text = _stamp(at)
            samples.append(
                f"{ids.take('testing_sample')}\t{_uuid(rng)}{head}{tube}\t{resident}\tf\tf\tf\t"
                f"{text}\t{text}{tail}"
            )
            per_building[building] = per_building.get(building, 0) + 1
            sampled.add(resident)
    rows.add("testing_transfer", (
        transfer, f"JJ{spec.number}-{cid}", sent, spec.start + dt.timedelta(hours=9),
        spec.start + dt.timedelta(hours=10), sent, "", cid, ctx.lab, spec.id, ctx.hq,
    ))  # fmt: skip
    if ctx.tallies:
        tally = rows.lines("testing_sampledtally")
        tally.extend(f"{spec.id}\t{building}\t{n}" for building, n in per_building.items())


def _passages(
    ctx: Context, rows: Rows, rng: random.Random, cid: int,
    passes: list[tuple[int, int, list[int]]],
) -> None:  # fmt: skip
    """A week at the gates: each day about one household in seven sends someone out and
    back a few hours later."""
    if not passes:
        return
    lines = rows.lines("checkpoints_passage")
    random_, bits, take = rng.random, rng.getrandbits, ctx.ids.take
    midnight = _micros(dt.datetime.combine(ctx.today, dt.time(0), tzinfo=ctx.now.tzinfo))
    now, minute, second = _micros(ctx.now), 60_000_000, 1_000_000
    middle = "\tresident\t1\t\t\t\t"
    rest = "\tgreen\tf\tallow\t[]\tf\tallow\tf\t0\t\t"
    for back in range(7, 0, -1):
        day = midnight - (back - 1) * _DAY_US
        for pass_id, gate, holders in passes:
            if not holders or random_() >= 1 / 7:
                continue
            resident = holders[_below(bits, len(holders), len(holders).bit_length())]
            # rng.randint(6 * 60, 18 * 60) minutes out, rng.randint(20, 300) more to come back
            out_at = day + minute * (360 + _below(bits, 721, 10))
            in_at = out_at + minute * (20 + _below(bits, 281, 9))
            end = f"{rest}{cid}\t\\N\t{pass_id}\t{gate}\t{ctx.gate_user}\t{resident}"
            for direction, at in (("out", out_at), ("in", in_at)):
                if at > now:
                    continue
                uid = _uuid(rng)
                # rng.randint(1, 30) seconds to the server, rng.uniform(36.0, 37.1) degrees
                server = at + second * (1 + _below(bits, 30, 5))
                temperature = round(36.0 + _SPAN * random_(), 1)
                lines.append(
                    f"{take('checkpoints_passage')}\t{uid}\t{direction}\t{_stamp(at)}\t"
                    f"{_stamp(server)}{middle}{temperature}{end}"
                )
