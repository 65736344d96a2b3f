"""Where the Curtois & Qu benchmark data is: `../shared` beside the repository (where CI has
it), or $SHEQU_SHARED_DIR.

A test reads it through `bench_path`, which skips the test, with where the data was looked for,
when it is absent; under CI (CI=true, as `.ci/run` sets) it fails instead, as a missing
PostgreSQL or browser does, so that CI never passes without these tests.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("SHEQU_SHARED_DIR") or REPO.parent / "shared")
BENCH = SHARED / "benchdata" / "shift_scheduling"
INSTANCES = BENCH / "instances"


def missing_message(instances: Path = INSTANCES) -> str | None:
    """Why the benchmark tests cannot run, or None when the instances are there."""
    if instances.is_dir():
        return None
    return (
        f"benchmark instances not found at {instances}: clone beside ../shared "
        "(or set SHEQU_SHARED_DIR) to run these"
    )


def bench_path(*parts: str, instances: Path = INSTANCES) -> Path:
    """A path inside the benchmark data; skips the calling test (fails it under CI=true) when
    the instances are absent."""
    import pytest  # only here: bench/roster_curtois.py imports this module and needs no pytest

    message = missing_message(instances)
    if message is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message} (CI requires them)", pytrace=False)
        pytest.skip(message)
    return instances.parent.joinpath(*parts)
