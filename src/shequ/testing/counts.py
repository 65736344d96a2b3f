"""Counts kept as the data changes, so that coverage and "sampled today" read a row per
building or community instead of every resident (issue #19: the HQ's today at a million
residents; bench/README.md, "The HQ's today").

- `ResidentTally` (residents per building) and `SampledTally` (per round and building, the
  residents living there now with a first sample in the round) are kept by database triggers
  (migration 0002, both engines): on residents (added, deleted, moved to another household),
  samples (added, deleted, changed) and places (a household hung under another building).
  Every writer is followed, the ORM's `update()` and bulk loads included; nothing is cached.
  The exempt are few and counted live (`exempt_per_building`). Where a count lives (the
  resident's building now) is exactly where `selectors.coverage` counts them.
- `DaySampled` (per community and local day, residents with a first sample in one of the
  community's tubes, each once) is kept by the ingest (`day_sampled_add`, the only writer of
  samples), in the swab batch's transaction: samples never change, so the count never does.

`recount()` rebuilds all three from the rows (the migration's backfill, bench loads); the
tests compare the counts with the slow exact computation (`per_building_exact`, kept for
that) after moves, retests, exemptions and status changes, on SQLite and PostgreSQL
(tests/testing/test_coverage_counts.py).
"""

# ruff: noqa: S608 - the SQL here is built only from the models' table names and fixed text
# (the triggers' NEW./OLD. columns); every value is a parameter.
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

from django.db import connection, connections, router
from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from shequ.places.models import Place
from shequ.residents.models import Resident
from shequ.testing.models import DaySampled, Exemption, ResidentTally, Sample, SampledTally

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from shequ.testing.models import Round

RT, ST = ResidentTally._meta.db_table, SampledTally._meta.db_table
RES, PLACE, SAMPLE = Resident._meta.db_table, Place._meta.db_table, Sample._meta.db_table

# -- the triggers (installed by migration 0002) -----------------------------------------------


def _residents_add(household: str, sign: str) -> list[str]:
    """Statements adding `sign` 1 to the tally of the household's building (a decrement
    never creates a row: a flush deleting the tallies first leaves nothing behind)."""
    out = [] if sign == "-" else [
        f"INSERT INTO {RT} (building_id, residents) SELECT parent_id, 0 FROM {PLACE} "
        f"WHERE id = {household} AND parent_id IS NOT NULL ON CONFLICT (building_id) DO NOTHING"
    ]  # fmt: skip
    out.append(
        f"UPDATE {RT} SET residents = residents {sign} 1 "
        f"WHERE building_id = (SELECT parent_id FROM {PLACE} WHERE id = {household})"
    )
    return out


def _sampled_add(round_id: str, resident: str, sign: str) -> list[str]:
    building = (
        f"SELECT h.parent_id FROM {RES} r JOIN {PLACE} h ON h.id = r.household_id "
        f"WHERE r.id = {resident}"
    )
    out = [] if sign == "-" else [
        f"INSERT INTO {ST} (round_id, building_id, sampled) SELECT {round_id}, h.parent_id, 0 "
        f"FROM {RES} r JOIN {PLACE} h ON h.id = r.household_id "
        f"WHERE r.id = {resident} AND h.parent_id IS NOT NULL "
        f"ON CONFLICT (round_id, building_id) DO NOTHING"
    ]  # fmt: skip
    out.append(
        f"UPDATE {ST} SET sampled = sampled {sign} 1 "
        f"WHERE round_id = {round_id} AND building_id = ({building})"
    )
    return out


def _resident_moved() -> list[str]:
    rounds = f"SELECT round_id FROM {SAMPLE} WHERE resident_id = NEW.id AND NOT retest"
    return [
        *_residents_add("OLD.household_id", "-"),
        *_residents_add("NEW.household_id", "+"),
        f"INSERT INTO {ST} (round_id, building_id, sampled) SELECT s.round_id, h.parent_id, 0 "
        f"FROM {SAMPLE} s JOIN {PLACE} h ON h.id = NEW.household_id "
        f"WHERE s.resident_id = NEW.id AND NOT s.retest AND h.parent_id IS NOT NULL "
        f"ON CONFLICT (round_id, building_id) DO NOTHING",
        f"UPDATE {ST} SET sampled = sampled - 1 WHERE building_id = "
        f"(SELECT parent_id FROM {PLACE} WHERE id = OLD.household_id) AND round_id IN ({rounds})",
        f"UPDATE {ST} SET sampled = sampled + 1 WHERE building_id = "
        f"(SELECT parent_id FROM {PLACE} WHERE id = NEW.household_id) AND round_id IN ({rounds})",
    ]


def _household_rehung() -> list[str]:
    """A place hung under another parent: its residents (a household's) go with it."""
    here = f"(SELECT COUNT(*) FROM {RES} WHERE household_id = NEW.id)"
    sampled = (
        f"(SELECT COUNT(*) FROM {SAMPLE} s JOIN {RES} r ON r.id = s.resident_id "
        f"WHERE r.household_id = NEW.id AND NOT s.retest AND s.round_id = {ST}.round_id)"
    )
    return [
        f"INSERT INTO {RT} (building_id, residents) SELECT NEW.parent_id, 0 "
        f"WHERE NEW.parent_id IS NOT NULL AND {here} > 0 ON CONFLICT (building_id) DO NOTHING",
        f"UPDATE {RT} SET residents = residents - {here} WHERE building_id = OLD.parent_id",
        f"UPDATE {RT} SET residents = residents + {here} WHERE building_id = NEW.parent_id",
        f"INSERT INTO {ST} (round_id, building_id, sampled) SELECT DISTINCT s.round_id, "
        f"NEW.parent_id, 0 FROM {SAMPLE} s JOIN {RES} r ON r.id = s.resident_id "
        f"WHERE r.household_id = NEW.id AND NOT s.retest AND NEW.parent_id IS NOT NULL "
        f"ON CONFLICT (round_id, building_id) DO NOTHING",
        f"UPDATE {ST} SET sampled = sampled - {sampled} WHERE building_id = OLD.parent_id",
        f"UPDATE {ST} SET sampled = sampled + {sampled} WHERE building_id = NEW.parent_id",
    ]


# (name, table, event, condition or "", statements)
TRIGGERS: list[tuple[str, str, str, str, list[str]]] = [
    ("res_ins", RES, "INSERT", "", _residents_add("NEW.household_id", "+")),
    ("res_del", RES, "DELETE", "", _residents_add("OLD.household_id", "-")),
    ("res_move", RES, "UPDATE OF household_id", "OLD.household_id <> NEW.household_id",
     _resident_moved()),
    ("smp_ins", SAMPLE, "INSERT", "NOT NEW.retest",
     _sampled_add("NEW.round_id", "NEW.resident_id", "+")),
    ("smp_del", SAMPLE, "DELETE", "NOT OLD.retest",
     _sampled_add("OLD.round_id", "OLD.resident_id", "-")),
    ("smp_upd_old", SAMPLE, "UPDATE OF round_id, resident_id, retest", "NOT OLD.retest",
     _sampled_add("OLD.round_id", "OLD.resident_id", "-")),
    ("smp_upd_new", SAMPLE, "UPDATE OF round_id, resident_id, retest", "NOT NEW.retest",
     _sampled_add("NEW.round_id", "NEW.resident_id", "+")),
    ("place_rehung", PLACE, "UPDATE OF parent_id", "{distinct}", _household_rehung()),
]  # fmt: skip


# PostgreSQL counts an INSERT or DELETE of residents or samples once per statement, from its
# transition table: a COPY of 100,000 residents is one grouped statement, not 200,000 (and a
# swab batch one, not one per sample). The rows are grouped by building in one order, so two
# writers at once take the tally rows' locks in the same order. (A trigger with a column list,
# the moves above, cannot have a transition table: those stay per row.)
_GROUPED: dict[str, str] = {
    "res_ins": (
        f"INSERT INTO {RT} AS t (building_id, residents) SELECT h.parent_id, COUNT(*) "
        f"FROM changed r JOIN {PLACE} h ON h.id = r.household_id "
        f"WHERE h.parent_id IS NOT NULL GROUP BY h.parent_id ORDER BY h.parent_id "
        f"ON CONFLICT (building_id) DO UPDATE SET residents = t.residents + EXCLUDED.residents"
    ),
    "res_del": (
        f"UPDATE {RT} t SET residents = t.residents - d.n FROM (SELECT h.parent_id AS b, "
        f"COUNT(*) AS n FROM changed r JOIN {PLACE} h ON h.id = r.household_id "
        f"GROUP BY h.parent_id) d WHERE t.building_id = d.b"
    ),
    "smp_ins": (
        f"INSERT INTO {ST} AS t (round_id, building_id, sampled) "
        f"SELECT s.round_id, h.parent_id, COUNT(*) FROM changed s "
        f"JOIN {RES} r ON r.id = s.resident_id JOIN {PLACE} h ON h.id = r.household_id "
        f"WHERE NOT s.retest AND h.parent_id IS NOT NULL GROUP BY s.round_id, h.parent_id "
        f"ORDER BY s.round_id, h.parent_id "
        f"ON CONFLICT (round_id, building_id) DO UPDATE SET sampled = t.sampled + EXCLUDED.sampled"
    ),
    "smp_del": (
        f"UPDATE {ST} t SET sampled = t.sampled - d.n FROM (SELECT s.round_id AS g, "
        f"h.parent_id AS b, COUNT(*) AS n FROM changed s JOIN {RES} r ON r.id = s.resident_id "
        f"JOIN {PLACE} h ON h.id = r.household_id WHERE NOT s.retest "
        f"GROUP BY s.round_id, h.parent_id) d WHERE t.round_id = d.g AND t.building_id = d.b"
    ),
}  # fmt: skip


def _condition(text: str, vendor: str) -> str:
    distinct = (
        "OLD.parent_id IS DISTINCT FROM NEW.parent_id"
        if vendor == "postgresql"
        else "OLD.parent_id IS NOT NEW.parent_id"
    )
    return text.replace("{distinct}", distinct)


def install_sql(vendor: str) -> list[str]:
    """The statements creating the triggers on `vendor` ("postgresql" or "sqlite")."""
    out = []
    for name, table, event, when, body in TRIGGERS:
        trigger, cond = f"testing_tally_{name}", _condition(when, vendor)
        if vendor != "postgresql":
            statements = "\n".join(f"    {s};" for s in body)
            out.append(
                f"CREATE TRIGGER {trigger} AFTER {event} ON {table} FOR EACH ROW "
                + (f"WHEN {cond} " if cond else "")
                + f"BEGIN\n{statements}\nEND"
            )
            continue
        if name in _GROUPED:
            body = [_GROUPED[name]]
            transition = "NEW" if event == "INSERT" else "OLD"
            each = f"REFERENCING {transition} TABLE AS changed FOR EACH STATEMENT "
        else:
            each = "FOR EACH ROW " + (f"WHEN ({cond}) " if cond else "")
        statements = "\n".join(f"    {s};" for s in body)
        out.append(
            f"CREATE OR REPLACE FUNCTION {trigger}() RETURNS trigger AS $$\nBEGIN\n"
            f"{statements}\n    RETURN NULL;\nEND;\n$$ LANGUAGE plpgsql"
        )
        out.append(
            f"CREATE TRIGGER {trigger} AFTER {event} ON {table} {each}EXECUTE FUNCTION {trigger}()"
        )
    return out


def uninstall_sql(vendor: str) -> list[str]:
    out = []
    for name, table, _event, _when, _body in TRIGGERS:
        trigger = f"testing_tally_{name}"
        if vendor == "postgresql":
            out.append(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
            out.append(f"DROP FUNCTION IF EXISTS {trigger}()")
        else:
            out.append(f"DROP TRIGGER IF EXISTS {trigger}")
    return out


def recount(apps: Any = None) -> None:
    """Rebuild every count from the rows (inside the caller's transaction): the migration's
    backfill (`apps`: its historical models), and bench loads that COPY with the triggers
    off."""
    day_sampled = apps.get_model("testing", "DaySampled") if apps else DaySampled
    sample = apps.get_model("testing", "Sample") if apps else Sample
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {RT}")
        cursor.execute(
            f"INSERT INTO {RT} (building_id, residents) SELECT h.parent_id, COUNT(*) "
            f"FROM {RES} r JOIN {PLACE} h ON h.id = r.household_id "
            f"WHERE h.parent_id IS NOT NULL GROUP BY h.parent_id"
        )
        cursor.execute(f"DELETE FROM {ST}")
        cursor.execute(
            f"INSERT INTO {ST} (round_id, building_id, sampled) "
            f"SELECT s.round_id, h.parent_id, COUNT(*) FROM {SAMPLE} s "
            f"JOIN {RES} r ON r.id = s.resident_id JOIN {PLACE} h ON h.id = r.household_id "
            f"WHERE NOT s.retest AND h.parent_id IS NOT NULL GROUP BY s.round_id, h.parent_id"
        )
    day_sampled.objects.all().delete()
    rows = (
        sample.objects.filter(retest=False)
        .annotate(day=TruncDate("sampled_at"))
        .values("tube__community_id", "day")
        .annotate(n=Count("resident_id", distinct=True))
        .order_by()
    )
    day_sampled.objects.bulk_create(
        [
            day_sampled(community_id=r["tube__community_id"], day=r["day"], sampled=r["n"])
            for r in rows
        ],
        batch_size=2000,
    )


# -- the ingest ---------------------------------------------------------------------------------


def lock_building_tallies(rows: Sequence[tuple[int, int, bool]]) -> None:
    """Before a swab batch inserts its samples ((round id, resident id, retest) each): make
    the tally rows of their buildings exist and lock them in one order, so that two batches
    touching the same buildings wait for each other instead of deadlocking in the triggers
    (PostgreSQL; SQLite has one writer)."""
    firsts = {(r, p) for r, p, retest in rows if not retest and p is not None}
    if not firsts or connection.vendor != "postgresql":
        return
    building = dict(
        Resident.objects.filter(pk__in={p for _r, p in firsts}).values_list(
            "pk", "household__parent_id"
        )
    )
    keys = sorted({(r, building[p]) for r, p in firsts if building.get(p) is not None})
    if not keys:
        return
    SampledTally.objects.bulk_create(
        [SampledTally(round_id=r, building_id=b) for r, b in keys], ignore_conflicts=True
    )
    q = Q(pk__in=[])
    for r, b in keys:
        q |= Q(round_id=r, building_id=b)
    list(SampledTally.objects.filter(q).select_for_update().order_by("round_id", "building_id"))


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def day_sampled_add(sample_ids: Collection[int]) -> None:
    """Count the swab batch's new first samples (`sample_ids`) into `DaySampled`, a resident
    once per community and day: the counts' rows are locked (in one order) before looking
    for an earlier sample of the same resident that day, so two batches at once cannot both
    count them. Inside the batch's transaction."""
    if not sample_ids:
        return
    fresh = list(
        Sample.objects.filter(pk__in=list(sample_ids), retest=False).values_list(
            "pk", "tube__community_id", "sampled_at", "resident_id"
        )
    )
    if not fresh:
        return
    keyed = [(c, timezone.localdate(at), r, pk) for pk, c, at, r in fresh]
    keys = sorted({(c, day) for c, day, _r, _pk in keyed})
    DaySampled.objects.bulk_create(
        [DaySampled(community_id=c, day=day) for c, day in keys], ignore_conflicts=True
    )
    q = Q(pk__in=[])
    for c, day in keys:
        q |= Q(community_id=c, day=day)
    list(DaySampled.objects.filter(q).select_for_update().order_by("community_id", "day"))
    days = {day for _c, day in keys}
    start, end = _day_bounds(min(days))[0], _day_bounds(max(days))[1]
    before = {
        (c, timezone.localdate(at), r)
        for c, at, r in Sample.objects.filter(
            retest=False,
            resident_id__in={r for _c, _d, r, _pk in keyed},
            tube__community_id__in={c for c, _d in keys},
            sampled_at__gte=start,
            sampled_at__lt=end,
        )
        .exclude(pk__in=[pk for *_x, pk in keyed])
        .values_list("tube__community_id", "sampled_at", "resident_id")
    }
    new: dict[tuple[int, dt.date], set[int]] = defaultdict(set)
    for c, day, r, _pk in keyed:
        if (c, day, r) not in before:
            new[(c, day)].add(r)
    for (c, day), residents in sorted(new.items()):
        DaySampled.objects.filter(community_id=c, day=day).update(
            sampled=F("sampled") + len(residents)
        )


def sampled_on(community_ids: Collection[int], day: dt.date) -> dict[int, int]:
    """Residents sampled (first samples) per community on local day `day`. One query."""
    return dict(
        DaySampled.objects.filter(community_id__in=list(community_ids), day=day).values_list(
            "community_id", "sampled"
        )
    )


# -- coverage per building ---------------------------------------------------------------------

Row = tuple[int, str, int, int, int]  # building id, its path, residents, sampled, exempt


def _paths_q(round_: Round, within: Place, column: str) -> tuple[str, list[Any]]:
    """SQL keeping the places (by `column`, a path) under `within` and in the round's scope."""
    from shequ.testing.selectors import path_in_scope, scope_paths

    sql, params = f"{column} LIKE %s", [within.path + "%"]
    if not path_in_scope(round_, within.path):
        paths = scope_paths(round_) or ["-"]
        sql += " AND (" + " OR ".join([f"{column} LIKE %s"] * len(paths)) + ")"
        params += [p + "%" for p in paths]
    return sql, params


def exempt_per_building(round_: Round, residents: QuerySet[Resident]) -> dict[int, int]:
    """Per building, `residents` not sampled in the round and exempt (in hospital or
    centralized isolation, or an exemption row): few, read through the health status index
    and the round's exemption rows, two queries."""
    from shequ.testing.selectors import EXEMPT_STATUSES, was_sampled

    base = residents.filter(~was_sampled(round_))
    by_status = base.filter(health_status__in=EXEMPT_STATUSES)
    by_row = base.filter(
        pk__in=Exemption.objects.filter(round=round_).values("resident_id")
    ).exclude(health_status__in=EXEMPT_STATUSES)
    out: dict[int, int] = defaultdict(int)
    for qs in (by_status, by_row):
        for bid, n in (
            qs.values(bid=F("household__parent_id"))
            .annotate(n=Count("pk"))
            .order_by()
            .values_list("bid", "n")
        ):
            out[bid] += n
    return out


def per_building(round_: Round, within: Place, residents: QuerySet[Resident]) -> list[Row]:
    """(building id, path, residents, sampled, exempt) for the round's residents under
    `within` (`residents`: `selectors.scope_residents`), from the tallies: one query for the
    buildings' counts and two for the exempt, whatever the number of residents."""
    where, params = _paths_q(round_, within, "b.path")
    sql = f"""
        SELECT b.id, b.path, t.residents, COALESCE(s.sampled, 0)
        FROM {RT} t JOIN {PLACE} b ON b.id = t.building_id
        LEFT JOIN {ST} s ON s.building_id = t.building_id AND s.round_id = %s
        WHERE {where}
    """
    # On the replica when the caller reads from it (core/replica.py), as the ORM's reads do.
    with connections[router.db_for_read(Sample)].cursor() as cursor:
        cursor.execute(sql, [round_.pk, *params])
        rows = cursor.fetchall()
    exempt = exempt_per_building(round_, residents)
    return [(bid, path, n, s, exempt.get(bid, 0)) for bid, path, n, s in rows]


def sampled_on_exact(community_ids: Collection[int], day: dt.date) -> dict[int, int]:
    """`sampled_on` counted from the samples (the tests' reference)."""
    start, end = _day_bounds(day)
    return dict(
        Sample.objects.filter(
            tube__community_id__in=list(community_ids),
            retest=False,
            sampled_at__gte=start,
            sampled_at__lt=end,
        )
        .values("tube__community_id")
        .annotate(n=Count("resident_id", distinct=True))
        .order_by()
        .values_list("tube__community_id", "n")
    )
