"""The code base keeps one shape (ARCHITECTURE.md "Inside an app"; README "Rules the code keeps").

- Views and API functions reach the database only through selectors and services:
  scripts/orm_in_views.py finds every ORM call written in a view or API module.
- Every feature app has the same files in the same roles.
- No module grows past MAX_LINES; a larger one is split along its seams.

A module still over the limit is listed below with its length today; it may only shrink, and
leaves the list once split.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "shequ"
APPS = [
    "places",
    "residents",
    "mobilization",
    "duty",
    "testing",
    "checkpoints",
    "reports",
    "patrols",
    "notices",
    "outreach",
]
APP_FILES = ["models.py", "selectors.py", "services.py", "urls.py", "admin.py", "api.py"]
MAX_LINES = 600
# Modules over MAX_LINES today, with their length: only ever shorter, until split.
LONG_TODAY: dict[str, int] = {}


def _orm_script():
    spec = importlib.util.spec_from_file_location("orm_in_views", ROOT / "scripts/orm_in_views.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_views_and_api_reach_the_database_only_through_selectors_and_services() -> None:
    script = _orm_script()
    found = {
        str(path.relative_to(SRC.parent)): [f"{line}: {what}" for line, what in calls]
        for path in script.face_modules(SRC)
        if (calls := script.orm_calls(path))
    }
    assert not found, (
        "ORM calls written in views/API: move them into selectors (reads) or services "
        f"(writes); python scripts/orm_in_views.py lists them: {found}"
    )


@pytest.mark.parametrize("app", APPS)
def test_every_app_has_the_same_files(app: str) -> None:
    missing = [name for name in APP_FILES if not (SRC / app / name).exists()]
    assert not missing, f"{app}/ lacks {missing} (see places/ and residents/)"


def test_no_module_grows_past_the_limit() -> None:
    lengths = {
        str(path.relative_to(SRC.parent)): len(path.read_text(encoding="utf-8").splitlines())
        for path in SRC.rglob("*.py")
        if "migrations" not in path.parts
    }
    too_long = {m: n for m, n in lengths.items() if n > max(MAX_LINES, LONG_TODAY.get(m, 0))}
    assert not too_long, f"split these along their seams (over {MAX_LINES} lines): {too_long}"
    done = [m for m in LONG_TODAY if lengths.get(m, 0) <= MAX_LINES]
    assert not done, f"{done} within {MAX_LINES} lines now: drop them from LONG_TODAY"
