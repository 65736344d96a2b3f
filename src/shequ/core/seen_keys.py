"""The keys an import has met so far in a pass (a document's blind index → the first row that
had it), looked up and stored a chunk of rows at a time: in memory while they are few, in a
scratch SQLite file past SPILL_AT, so a sheet of a million rows checks its repeats in flat
memory (a key in a dict costs ~0.2 KB: 200 MB at a million).

The scratch file is SQLite's own temporary database (deleted when it is closed, and by the
OS at the latest when the process ends); it holds no document number, only a 128-bit BLAKE2
of each key under a random key of this pass, which nothing outside the process can match.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from collections.abc import Iterable

SPILL_AT = 200_000
_IN_ONE_QUERY = 500  # keys per SELECT … IN (…): well under SQLite's variable limit

# A key's state: (first row × 2 + 1 if that row was good, whether its "appears again" error
# was already given).
State = tuple[int, bool]


class SeenKeys:
    def __init__(self, spill_at: int | None = None) -> None:
        self.spill_at = SPILL_AT if spill_at is None else spill_at
        self.memory: dict[str, State] = {}
        self.db: sqlite3.Connection | None = None
        self.salt = secrets.token_bytes(16)

    @property
    def spilled(self) -> bool:
        return self.db is not None

    def get_many(self, keys: Iterable[str]) -> dict[str, State]:
        """{key: state} of the keys met before (the others are not in the answer)."""
        if self.db is None:
            memory = self.memory
            return {k: memory[k] for k in set(keys) if k in memory}
        wanted = {self._hashed(k): k for k in set(keys)}
        hashed = list(wanted)
        found: dict[str, State] = {}
        for i in range(0, len(hashed), _IN_ONE_QUERY):
            part = hashed[i : i + _IN_ONE_QUERY]
            marks = ",".join("?" * len(part))
            rows = self.db.execute(
                f"SELECT key, first, flagged FROM seen WHERE key IN ({marks})",  # noqa: S608
                part,
            )
            found.update((wanted[h], (first, bool(flagged))) for h, first, flagged in rows)
        return found

    def put_many(self, states: dict[str, State]) -> None:
        """Keep (or replace) these keys' states."""
        if self.db is None:
            self.memory.update(states)
            if len(self.memory) > self.spill_at:
                self._spill()
            return
        self.db.execute("BEGIN")
        self.db.executemany(
            "INSERT OR REPLACE INTO seen (key, first, flagged) VALUES (?, ?, ?)",
            ((self._hashed(k), first, flagged) for k, (first, flagged) in states.items()),
        )
        self.db.execute("COMMIT")

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None
        self.memory = {}

    def _hashed(self, key: str) -> bytes:
        return hashlib.blake2b(key.encode(), key=self.salt, digest_size=16).digest()

    def _spill(self) -> None:
        # "": a temporary on-disk database of SQLite's own; no journal, no fsync (a scratch
        # file that a crash may lose: the import then fails and is run again).
        self.db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode = OFF")
        self.db.execute("PRAGMA synchronous = OFF")
        self.db.execute(
            "CREATE TABLE seen (key BLOB PRIMARY KEY, first INTEGER, flagged INTEGER) WITHOUT ROWID"
        )
        moved, self.memory = self.memory, {}
        self.put_many(moved)
