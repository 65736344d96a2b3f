"""The code base keeps one shape (ARCHITECTURE.md "Inside an app"; README "Rules the code keeps").

- Views and API functions reach the database only through selectors and services:
  scripts/orm_in_views.py finds every ORM call written in a view or API module.
- Every feature app has the same files in the same roles.
- No module grows past MAX_LINES; a larger one is split along its seams.

A module still being brought into shape is listed below with what it has today; the lists may
only shrink (a count that grows, or a new entry, fails; a module brought into shape must leave).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "shequ"
APPS = ["places", "residents", "mobilization", "duty", "testing", "checkpoints"]
APP_FILES = ["models.py", "selectors.py", "services.py", "urls.py", "admin.py", "api.py"]
MAX_LINES = 600
# (app, file) still missing today: only ever fewer.
MISSING_TODAY: set[tuple[str, str]] = set()

# ORM calls still written in a face module, by module (relative to src/): only ever lower these.
ORM_IN_FACES_TODAY: dict[str, int] = {}


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
        str(path.relative_to(SRC.parent)): len(script.orm_calls(path))
        for path in script.face_modules(SRC)
    }
    grown = {
        module: (n, ORM_IN_FACES_TODAY.get(module, 0))
        for module, n in found.items()
        if n > ORM_IN_FACES_TODAY.get(module, 0)
    }
    assert not grown, (
        "ORM calls written in views/API (module: (found, allowed)); move them into "
        f"selectors or services (python scripts/orm_in_views.py lists them): {grown}"
    )
    done = [m for m in ORM_IN_FACES_TODAY if not found.get(m)]
    assert not done, f"no ORM calls left in {done}: drop them from ORM_IN_FACES_TODAY"


@pytest.mark.parametrize("app", APPS)
def test_every_app_has_the_same_files(app: str) -> None:
    missing = [
        name
        for name in APP_FILES
        if not (SRC / app / name).exists() and (app, name) not in MISSING_TODAY
    ]
    assert not [n for n in APP_FILES if (app, n) in MISSING_TODAY and (SRC / app / n).exists()], (
        f"{app}/ has a file MISSING_TODAY still lists: drop it from the list"
    )
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
