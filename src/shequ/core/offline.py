"""The offline pages' service worker (web's static/shequ/offline-sw.js), served by each page under
its own URL so that the worker's scope covers that page (or a wider one, `scope`), with the
page's cache name, the static files to keep and the pages it keeps (`pages`); and the list of
what a phone forgets at logout (OFFLINE_STORES)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.templatetags.static import static

WORKER = "shequ/offline-sw.js"


def _contents(name: str) -> bytes:
    found = finders.find(name)
    return Path(found).read_bytes() if found else name.encode()


def worker_response(
    *,
    cache: str,
    static_files: Sequence[str],
    pages: Sequence[str] | None = None,
    scope: str | None = None,
) -> HttpResponse:
    """The worker for one page. Its version hashes the worker and the *contents* of the files
    it keeps, so a phone fetches the new gate.js (say) as soon as it changes.

    `pages`: the paths (regular expressions, JavaScript syntax) of the pages the worker keeps
    for reading offline; None keeps every page under its scope. `scope`: a scope wider than
    the worker's folder (sent as the Service-Worker-Allowed header), for a worker that keeps a
    page outside its folder — only the `pages` named are then kept, the others pass by."""
    body = _contents(WORKER).decode("utf-8")
    names = [*static_files, "shequ/offline.js"]
    digest = hashlib.sha256(body.encode())
    for name in names:
        digest.update(_contents(name))
    settings: dict[str, object] = {
        "cache": cache,
        "version": digest.hexdigest()[:12],
        "static": [static(n) for n in names],
    }
    if pages is not None:
        settings["pages"] = list(pages)
    head = json.dumps(settings)
    response = HttpResponse(
        f"self.SHEQU_OFFLINE = {head};\n{body}", content_type="text/javascript; charset=utf-8"
    )
    if scope is not None:
        response["Service-Worker-Allowed"] = scope
    return response


@dataclass(frozen=True)
class OfflineStore:
    """What an offline page keeps on a phone: its IndexedDB database (Dexie), the tables of it
    holding what the server sent (residents, passes: dropped at logout), and the prefix of its
    service worker's caches (dropped too). Tables not named — the queue of records not yet
    sent — stay for the same user's next login: dropping them would lose work. A worker
    without a database names none ("")."""

    database: str
    forget: tuple[str, ...]
    cache: str


# The one list of what a phone forgets at logout (web/static/shequ/forget.js reads it from the
# login page). A new offline page adds its store here, or its data outlives the session.
OFFLINE_STORES: tuple[OfflineStore, ...] = (
    OfflineStore(database="shequ-gate", forget=("snapshots",), cache="shequ-gate"),
    OfflineStore(database="shequ-station", forget=("snapshots",), cache="shequ-station"),
    # The inspector's phone page (inspections/phone_views.py): the plans go, the visits stay.
    OfflineStore(database="shequ-inspect", forget=("snapshots",), cache="shequ-inspect"),
    # The cadre's disinfection checklist (patrols/phone_views.py): the checklist goes, the
    # rounds not yet sent stay.
    OfflineStore(database="shequ-patrols", forget=("snapshots",), cache="shequ-patrols"),
    # A building's doors on a cadre's phone (outreach/door_views.py): the doors go, outcomes stay.
    OfflineStore(database="shequ-doors", forget=("snapshots",), cache="shequ-doors"),
    # The Web Push worker (notify/views.py) keeps no database, and only static files cached.
    OfflineStore(database="", forget=(), cache="shequ-notify"),
)


def forget_list() -> list[dict[str, object]]:
    """OFFLINE_STORES as the forget script reads them (JSON)."""
    return [
        {"database": s.database, "forget": list(s.forget), "cache": s.cache} for s in OFFLINE_STORES
    ]
