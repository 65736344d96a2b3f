"""Recording swabs from station and home-sampling devices, online or queued offline.

An item is a swab (`kind` "swab": scan the tube, then the person) or the closing of a tube
(`kind` "close"). The batch contract is `core.batches`'s: each item carries the device's
client UUID and is recorded at most once; each is answered (created / duplicate / rejected
with the field and the fix), and valid items land even when others fail. The first swab
with a new barcode opens that tube (its pool size from the round; 1 for a retest); a tube
takes no more swabs than its pool size and closes itself when full; a "close" follows
`services.tube_close_refusal` (open, holds a swab, a tube of the closer's community), and
both are written by `services.tubes_close`. A person is sampled once
per round: a second swab is refused with where and when they were sampled — unless they were
recalled (positive or invalid pool), when the swab is a retest in a single tube. Someone
outside the round's scope is sampled but flagged.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.core import pii
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
from shequ.core.device_items import BadItem, id_field, plain_text, time_field
from shequ.residents.models import Resident, document_q
from shequ.testing import counts, selectors, services
from shequ.testing.barcodes import tube_barcode_problem
from shequ.testing.models import (
    PoolSize,
    Round,
    RoundStatus,
    Sample,
    Site,
    Station,
    Tube,
    TubeStatus,
)
from shequ.testing.signals import HomeVisit, home_swabs_recorded, home_visits
from shequ.testing.tube_stock import tubes_used

if TYPE_CHECKING:
    from shequ.core.models import User

MAX_AGE = dt.timedelta(days=3)
# Lazy: translated only for an item that has the fault.
_TIME_MESSAGES = {
    "not_iso": gettext_lazy("Send the time of the swab as ISO 8601 text."),
    "in_future": gettext_lazy("This time is in the future: check the device's clock."),
    "too_old": gettext_lazy("This swab is over 3 days old; enter it by hand."),
}
__all__ = ["CREATED", "DUPLICATE", "REJECTED", "SwabResult", "swabs_batch"]
SWAB, CLOSE = "swab", "close"

FIELDS = [
    "client_uuid", "round", "tube", "resident", "retest", "at_home", "out_of_scope",
    "sampled_at", "received_at", "operator",
]  # fmt: skip


@dataclass
class SwabResult(ItemAnswer):
    """The batch's answer (`ItemAnswer`) with the tube's state after the item."""

    tube: str = ""
    tube_count: int = 0
    tube_closed: bool = False
    out_of_scope: bool = False
    retest: bool = False


# A row the database refused: the item's field that names what it refers to.
_ITEM_FIELD = {"round": "round_id", "tube": "tube", "resident": "resident_id"}


@dataclass
class _Item:
    client_uuid: uuid.UUID
    kind: str
    round_id: int
    barcode: str
    station_id: int | None
    resident_id: int | None
    id_hmac: str
    home_task_id: int | None
    at: dt.datetime


def _parse(raw: dict[str, Any], client_uuid: uuid.UUID, now: dt.datetime) -> _Item:
    kind = raw.get("kind", SWAB)
    if not isinstance(kind, str) or kind not in (SWAB, CLOSE):
        raise BadItem("kind", _("Choose one of: swab, close."))
    round_id = id_field(raw, "round_id")
    if round_id is None:
        raise BadItem("round_id", _("Say which round."))
    barcode = raw.get("tube")
    # A swab may open a tube: never one named after a person's ID card or pass. (Closing
    # names a tube that exists, whatever it was called when it was opened.)
    if kind == SWAB and isinstance(barcode, str) and barcode.strip():
        problem = tube_barcode_problem(barcode)
        if problem:
            raise BadItem("tube", problem)
    if not isinstance(barcode, str) or not barcode.strip() or len(barcode.strip()) > 40:
        raise BadItem("tube", _("Scan the tube's barcode (at most 40 characters)."))
    barcode = plain_text("tube", barcode.strip())
    at = time_field(raw, "sampled_at", now, max_age=MAX_AGE, **_TIME_MESSAGES)
    resident_id = id_field(raw, "resident_id")
    id_number = raw.get("id_number") or ""
    if not isinstance(id_number, str) or len(id_number) > 30:
        raise BadItem("id_number", _("Send the ID number as text."))
    id_number = plain_text("id_number", id_number)
    if kind == SWAB and resident_id is None and not id_number.strip():
        raise BadItem("resident_id", _("Scan the person's code or ID card, or find them by name."))
    id_hmac = ""
    if id_number.strip():
        id_hmac = pii.blind_index(pii.normalize_document(id_number), kind="document")
    return _Item(
        client_uuid=client_uuid,
        kind=kind,
        round_id=round_id,
        barcode=barcode,
        station_id=id_field(raw, "station_id"),
        resident_id=resident_id,
        id_hmac=id_hmac,
        home_task_id=id_field(raw, "home_task_id"),
        at=at,
    )


class _Batch:
    def __init__(self, actor: User, items: list[_Item]) -> None:
        self.actor = actor
        self.rounds = {
            r.pk: r
            for r in Round.objects.filter(pk__in={i.round_id for i in items}).prefetch_related(
                "places"
            )
        }
        sites = selectors.sampling_sites(actor).values("pk")
        self.stations = {
            s.pk: s
            for s in Station.objects.filter(
                pk__any=list({i.station_id for i in items if i.station_id}), site__in=sites
            ).select_related("site", "site__community")
        }
        # Home visits are outreach's tasks: asked for by signal, only those the actor may use.
        self.tasks = home_visits(actor, {i.home_task_id for i in items if i.home_task_id})
        by_hmac = {i.id_hmac for i in items if i.id_hmac}
        people = (
            Resident.objects.filter(
                Q(pk__any=list({i.resident_id for i in items if i.resident_id}))
                | document_q(list(by_hmac))
            )
            .order_by()
            .values("pk", "name", "document_hmac", "household__path", "health_status")
        )
        self.residents = {r["pk"]: r for r in people}
        self.by_hmac = {r["document_hmac"]: r["pk"] for r in self.residents.values()}
        ids = list(self.residents)
        round_ids = list(self.rounds)
        self.sampled: dict[tuple[int, int], dict] = {
            (s["round_id"], s["resident_id"]): s for s in _sampled_before(round_ids, ids)
        }
        # Recalled: a member of a recalled pool of the round, not retested since.
        members = set(
            Sample.objects.filter(
                round_id__in=round_ids,
                resident__pk__any=ids,
                retest=False,
                tube__recall__isnull=False,
            ).values_list("round_id", "resident_id")
        )
        retested = set(
            Sample.objects.filter(
                round_id__in=round_ids, resident__pk__any=ids, retest=True
            ).values_list("round_id", "resident_id")
        )
        self.recalled = members - retested

    def community_of(self, task: HomeVisit | None) -> int | None:
        """The community of a home visit's building (where its tubes belong)."""
        return task.community_id if task is not None else None

    def resident_of(self, item: _Item) -> dict:
        pk = item.resident_id if item.resident_id else self.by_hmac.get(item.id_hmac)
        if pk is None or pk not in self.residents:
            raise BadItem("resident_id", _("Unknown person: find them by name or register them."))
        return self.residents[pk]


_SAMPLED = (
    "round_id", "resident_id", "sampled_at", "tube__barcode", "tube__station__name",
    "tube__station__site__name",
)  # fmt: skip


def _sampled_before(round_ids: list[int], resident_ids: list[int]) -> list[dict[str, Any]]:
    """The first swab in each round of each of these people, with where it was taken.

    On PostgreSQL, one probe of the round's (round, person) unique index per person. Left to
    itself, the planner filters the whole round's samples instead whenever its statistics
    predate the round (a new round's id is in no histogram until the next ANALYZE, which on a
    table of many rounds may not come before the round ends): a batch's cost then grows with
    the round. A LATERAL subquery per person cannot be planned that way.
    """
    if not round_ids or not resident_ids:
        return []
    if connection.vendor != "postgresql":
        return list(
            Sample.objects.filter(
                round_id__in=round_ids, resident__pk__any=resident_ids, retest=False
            ).values(*_SAMPLED)
        )
    q = connection.ops.quote_name
    sample, tube = q(Sample._meta.db_table), q(Tube._meta.db_table)
    station, site = q(Station._meta.db_table), q(Site._meta.db_table)
    # Only table names from the models' metadata go into the text; values are parameters.
    sql = f"""
        SELECT s.round_id, s.resident_id, s.sampled_at, t.barcode, st.name, si.name
        FROM unnest(%s::bigint[]) AS r(round_id)
        CROSS JOIN unnest(%s::bigint[]) AS p(resident_id)
        CROSS JOIN LATERAL (
            SELECT round_id, resident_id, sampled_at, tube_id FROM {sample}
            WHERE round_id = r.round_id AND resident_id = p.resident_id AND NOT retest
            LIMIT 1
        ) AS s
        JOIN {tube} AS t ON t.id = s.tube_id
        LEFT JOIN {station} AS st ON st.id = t.station_id
        LEFT JOIN {site} AS si ON si.id = st.site_id
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [round_ids, resident_ids])
        return [dict(zip(_SAMPLED, row, strict=True)) for row in cursor.fetchall()]


def _where(s: dict) -> str:
    place = " ".join(x for x in (s["tube__station__site__name"], s["tube__station__name"]) if x)
    return _("already sampled this round at %(place)s, %(time)s, tube %(tube)s") % {
        "place": place or _("home"),
        "time": timezone.localtime(s["sampled_at"]).strftime("%m-%d %H:%M"),
        "tube": s["tube__barcode"],
    }


@retried
@transaction.atomic
def swabs_batch(*, actor: User, items: Sequence[Any]) -> list[SwabResult]:
    """Record up to 1,000 swabs and tube closings, each once per client UUID, in order."""
    now = timezone.now()
    batch = read_batch(items, _parse, SwabResult, now)
    results = batch.answers
    earlier = {
        s["client_uuid"]: s
        for s in Sample.objects.filter(client_uuid__any=batch.uuids).values(
            "pk", "client_uuid", "tube__barcode", "retest", "out_of_scope"
        )
    }
    fresh: list[tuple[int, _Item]] = []
    for n, item in batch.fresh:
        seen = earlier.get(item.client_uuid)
        if seen is None:
            fresh.append((n, item))
            continue
        r = results[n]
        r.status, r.id, r.tube = DUPLICATE, seen["pk"], seen["tube__barcode"]
        r.retest, r.out_of_scope = seen["retest"], seen["out_of_scope"]
    if fresh:
        _record(actor, now, fresh, results)
    return batch.finish()


def _tubes(
    batch: _Batch, items: list[_Item], now: dt.datetime
) -> tuple[dict[tuple[int, str], dict], set[tuple[int, str]]]:
    """Every tube the items name, created when new (by the first swab into it), locked in id
    order so that two devices filling one tube take turns; with its current swab count."""
    wanted = {(i.round_id, i.barcode) for i in items if i.round_id in batch.rounds}
    existing = {
        (t.round_id, t.barcode)
        for t in Tube.objects.filter(
            round_id__in={k[0] for k in wanted}, barcode__in={k[1] for k in wanted}
        ).only("round_id", "barcode")
    }
    rows = []
    opening: set[tuple[int, str]] = set()
    # The first swab (in time) that names a new barcode, from a station or a home visit the
    # operator may use, opens the tube.
    for item in sorted(items, key=lambda i: i.at):
        key = (item.round_id, item.barcode)
        if key not in wanted or key in existing or key in opening or item.kind != SWAB:
            continue
        station = batch.stations.get(item.station_id) if item.station_id else None
        task = batch.tasks.get(item.home_task_id) if item.home_task_id else None
        community_id = station.site.community_id if station else None
        if community_id is None and task is not None:
            community_id = task.community_id
        if community_id is None:
            continue  # the item is rejected below
        opening.add(key)
        round_ = batch.rounds[item.round_id]
        person = batch.residents.get(item.resident_id or batch.by_hmac.get(item.id_hmac, 0))
        retest = bool(person and (item.round_id, person["pk"]) in batch.recalled) or bool(
            task and task.retest
        )
        rows.append(
            Tube(
                round_id=item.round_id,
                barcode=item.barcode,
                community_id=community_id,
                station_id=station.pk if station else None,
                pool_size=PoolSize.SINGLE if retest else round_.pool_size,
                retest=retest,
                opened_at=now,
                opened_by=batch.actor,
            )
        )
    # Two devices opening the same barcode at once: one row, both go on to lock it below.
    Tube.objects.bulk_create(rows, ignore_conflicts=True)
    found = {
        (t["round_id"], t["barcode"]): t
        for t in Tube.objects.select_for_update()
        .filter(round_id__in={k[0] for k in wanted}, barcode__in={k[1] for k in wanted})
        .order_by("pk")
        .values("pk", "round_id", "barcode", "community_id", "station_id", "pool_size",
                "retest", "status")
    }  # fmt: skip
    # Counted after the lock: swabs another device added a moment ago are included.
    counts = dict(
        Sample.objects.filter(tube__pk__any=[t["pk"] for t in found.values()])
        .values("tube_id")
        .annotate(n=Count("id"))
        .values_list("tube_id", "n")
    )
    for t in found.values():
        t["n"] = counts.get(t["pk"], 0)
    return found, opening


def _record(
    actor: User, now: dt.datetime, fresh: list[tuple[int, _Item]], results: list[SwabResult]
) -> None:
    items = [i for _n, i in fresh]
    batch = _Batch(actor, items)
    tubes, opened = _tubes(batch, items, now)
    rows: list[tuple[int, list[Any]]] = []
    to_close: set[int] = set()
    done_tasks: dict[int, int] = {}  # home task → item number
    in_batch: set[tuple[int, int]] = set()
    for n, item in sorted(fresh, key=lambda pair: pair[1].at):
        result = results[n]
        try:
            row = _swab(batch, item, tubes, in_batch, now, result, to_close)
        except BadItem as bad:
            result.status, result.field, result.message = REJECTED, bad.field, bad.message
            continue
        if row is not None:
            rows.append((n, row))
            if item.home_task_id:
                done_tasks[item.home_task_id] = n
    at = [FIELDS.index(f) for f in ("round", "resident", "retest")]
    counts.lock_building_tallies([tuple(r[k] for k in at) for _n, r in rows])
    created, refused = insert_each(Sample, FIELDS, [r for _n, r in rows], key="client_uuid")
    counts.day_sampled_add(created.values())
    by_pk = {t["pk"]: t for t in tubes.values()}
    for k, name in refused.items():
        n, row = rows[k]
        by_pk[row[FIELDS.index("tube")]]["n"] -= 1  # not in the tube after all
        r = results[n]
        r.reject(_ITEM_FIELD.get(name, "item"), refused_message())
        r.tube, r.tube_count, r.tube_closed, r.out_of_scope, r.retest = "", 0, False, False, False
    for n, row in rows:
        if results[n].status == REJECTED:
            continue
        pk = created.get(row[0])
        if pk is None:
            results[n].status = DUPLICATE
        else:
            results[n].id = pk
    if to_close:
        services.tubes_close(actor=actor, tube_ids=to_close, at=now)
    done = {task_id: results[n].id for task_id, n in done_tasks.items() if results[n].id}
    if done:
        home_swabs_recorded.send(sender=HomeVisit, actor=actor, done=done, at=now)
    # A tube opened by a swab that was then refused holds nobody: it was never really opened.
    empty = [t["pk"] for key, t in tubes.items() if key in opened and t["n"] == 0]
    if empty:
        Tube.objects.filter(pk__in=empty, samples__isnull=True).delete()
    tubes_used(stations=batch.stations, actor=batch.actor, tubes=tubes, opened=opened)


def _swab(
    batch: _Batch,
    item: _Item,
    tubes: dict[tuple[int, str], dict],
    in_batch: set[tuple[int, int]],
    now: dt.datetime,
    result: SwabResult,
    to_close: set[int],
) -> list[Any] | None:
    round_ = batch.rounds.get(item.round_id)
    if round_ is None:
        raise BadItem("round_id", _("No such round."))
    if round_.status == RoundStatus.FINISHED:
        raise BadItem("round_id", _("This round is finished."))
    station = batch.stations.get(item.station_id) if item.station_id else None
    task = batch.tasks.get(item.home_task_id) if item.home_task_id else None
    if item.station_id and station is None:
        raise BadItem("station_id", _("Unknown station, or not one where you sample."))
    if item.home_task_id and (task is None or task.round_id != round_.pk):
        raise BadItem("home_task_id", _("Unknown home-sampling task, or not yours."))
    if station is None and task is None:
        raise BadItem("station_id", _("Say at which station (or for which home visit) you sample."))
    tube = tubes.get((item.round_id, item.barcode))
    if tube is None:
        raise BadItem(
            "tube", _("Tube %s was never opened: scan it before the person.") % item.barcode
        )
    if item.kind == CLOSE:
        problem = services.tube_close_refusal(
            barcode=item.barcode,
            status=TubeStatus.CLOSED if tube["pk"] in to_close else tube["status"],
            swabs=tube["n"],
            community_id=tube["community_id"],
            here_community_id=station.site.community_id if station else batch.community_of(task),
        )
        if problem:
            raise BadItem("tube", problem)
        to_close.add(tube["pk"])
        result.tube, result.tube_count, result.tube_closed = item.barcode, tube["n"], True
        return None
    if tube["status"] != TubeStatus.OPEN or tube["pk"] in to_close:
        raise BadItem("tube", _("Tube %s is closed: open a new tube.") % item.barcode)
    if station is not None and tube["station_id"] not in (None, station.pk):
        raise BadItem("tube", _("Tube %s is open at another station.") % item.barcode)
    if tube["n"] >= tube["pool_size"]:
        raise BadItem(
            "tube",
            _("Tube %(tube)s is full (%(n)d): open a new tube.")
            % {"tube": item.barcode, "n": tube["pool_size"]},
        )
    person = batch.resident_of(item)
    key = (round_.pk, person["pk"])
    recalled = key in batch.recalled
    if (key in batch.sampled or key in in_batch) and not recalled:
        earlier = batch.sampled.get(key)
        message = _where(earlier) if earlier else _("already sampled in this batch")
        raise BadItem("resident_id", f"{person['name']}: {message}")
    retest = key in batch.sampled and recalled
    if retest and not tube["retest"]:
        raise BadItem(
            "tube", _("%s was recalled: use a single tube for the retest.") % person["name"]
        )
    if not retest and tube["retest"]:
        raise BadItem("tube", _("Tube %s is a single retest tube.") % item.barcode)
    in_batch.add(key)
    tube["n"] += 1
    if tube["n"] >= tube["pool_size"]:
        to_close.add(tube["pk"])
    out = not selectors.path_in_scope(round_, person["household__path"])
    result.tube, result.tube_count = item.barcode, tube["n"]
    result.tube_closed = tube["pk"] in to_close
    result.out_of_scope, result.retest = out, retest
    return [
        item.client_uuid, round_.pk, tube["pk"], person["pk"], retest, task is not None, out,
        item.at, now, batch.actor.pk,
    ]  # fmt: skip
