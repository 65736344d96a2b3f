"""Communities built in worker processes, as COPY text; the parent only sends it on.

Each community is independent given the seed, its number, its id block and where its
residents' and cadres' numbering starts, so workers build them in any order and the parent
COPYs them in order. At most a few communities wait in memory: the memory stays bounded
whatever the size of the city.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from shequ.citygen import community as gen

_CTX: gen.Context | None = None  # the worker's own


@dataclass(frozen=True)
class Job:
    number: int
    people: int
    street: tuple[int, str, str]
    district_id: int
    name: str
    code: str
    resident_base: int
    cadre_base: int


def _init(ctx: gen.Context, starts: dict[str, int], seed: int, master: str) -> None:
    global _CTX
    # What the worker inherits (Django and all) is never garbage: the collector need not walk
    # it again (nor touch, and so copy, the parent's pages).
    gc.freeze()
    ctx.sealer = gen.Sealer(master)  # keys derived in the worker
    ctx.starts, ctx.seed = starts, seed
    _CTX = ctx


def build(job: Job) -> tuple[int, dict[str, tuple[int, bytes]]]:
    """One community: {table: (rows, COPY text)}."""
    ctx = _CTX
    assert ctx is not None
    ctx.ids = gen.Ids.block(ctx.starts, job.number)
    limits = {t: v + gen.BLOCK for t, v in ctx.ids.next.items()}
    ctx.resident_seq[0] = job.resident_base
    ctx.cadre_seq[0] = job.cadre_base
    rows = gen.build_community(
        ctx,
        seed=ctx.seed,
        number=job.number,
        people=job.people,
        street=job.street,
        district_id=job.district_id,
        name=job.name,
        code=job.code,
    )
    over = [t for t, v in ctx.ids.next.items() if v > limits[t]]
    assert not over, f"community {job.number} outgrew its id block in {over}"
    # A table that has a `district_id` column (a later layout) gets the community's district
    # as its last column: every row of a community is in its district.
    district = f"\t{job.district_id}"
    return job.number, {
        t: (len(r), rows.text(t, district if t in ctx.district_tables else ""))
        for t, r in rows.tables.items()
        if r
    }


def _threads() -> int:
    """This process's threads: all of them where the OS lists them (Linux), else those
    `threading` knows."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


def run(
    ctx: gen.Context,
    starts: dict[str, int],
    seed: int,
    master: str,
    jobs: list[Job],
    workers: int,
) -> Iterator[tuple[int, dict[str, tuple[int, bytes]]]]:
    """The communities' COPY text, in order; `workers` processes (0: in this process).

    The workers are forked (they inherit Django and the context, and never touch the
    database). A fork copies only the calling thread: from a process running other threads
    (a test runner's I/O thread) a child can inherit a lock one of them held and wait on it
    forever — a seed under pytest-xdist hung so. Such a process builds in itself instead;
    `shequ seed` runs single-threaded and forks. The threads are counted by the OS: a
    thread started with `_thread` (execnet's, under pytest-xdist) is not in `threading`'s
    count, and a seed under xdist hung again that way."""
    if workers > 0 and _threads() > 1:
        workers = 0
    if workers <= 0:
        _init(ctx, starts, seed, master)
        for job in jobs:
            yield build(job)
        return
    fork = multiprocessing.get_context("fork")  # the workers never touch the database
    with fork.Pool(workers, initializer=_init, initargs=(ctx, starts, seed, master)) as pool:
        pending: deque = deque()
        submit: Callable = pool.apply_async
        for job in jobs:
            pending.append(submit(build, (job,)))
            if len(pending) >= 2 * workers:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()
