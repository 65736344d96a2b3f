"""One list of what a phone forgets at logout (core.offline.OFFLINE_STORES): every offline
store of every page is on it, and the login page after a logout hands it to forget.js."""

from __future__ import annotations

import json
import re
from pathlib import Path

from shequ.core.offline import OFFLINE_STORES

SRC = Path(__file__).resolve().parents[2] / "src" / "shequ"


def _scripts() -> list[Path]:
    return [p for p in SRC.glob("*/static/**/*.js") if "vendor" not in p.parts]


def test_every_offline_database_of_every_page_is_forgotten_at_logout():
    opened = {
        name
        for path in _scripts()
        for name in re.findall(r'new Dexie\("([^"]+)"\)', path.read_text())
    }
    assert opened, "no offline page found: the scan is looking in the wrong place"
    assert opened == {store.database for store in OFFLINE_STORES if store.database}


def test_every_offline_pages_cache_is_forgotten_at_logout():
    named = {
        name
        for path in SRC.rglob("*.py")
        for name in re.findall(r'worker_response\(\s*cache="([^"]+)"', path.read_text())
    }
    assert named == {store.cache for store in OFFLINE_STORES}


def test_the_login_page_after_a_logout_hands_over_the_list(client, personas):
    client.force_login(personas.staff_a)
    response = client.post("/logout/")
    assert response["Location"] == "/login/?bye=1"
    html = client.get(response["Location"]).content.decode()
    found = re.search(r'<script id="sq-forget" type="application/json">(.*?)</script>', html)
    assert found
    stores = {s["database"]: s for s in json.loads(found.group(1))}
    assert stores["shequ-station"]["forget"] == ["snapshots"]
    assert stores["shequ-gate"]["cache"] == "shequ-gate"
    assert "shequ/forget.js" in html
    assert "sq-forget" not in client.get("/login/").content.decode()  # only after a logout
