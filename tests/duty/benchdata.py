"""Where the shared benchmark data is: `../shared` beside the checkout (as in CI), or
$SHEQU_SHARED_DIR."""

from __future__ import annotations

import os
from pathlib import Path

_REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("SHEQU_SHARED_DIR") or _REPO.parent / "shared")
if not SHARED.is_dir() and Path("/work/shared").is_dir():  # a scratch clone elsewhere
    SHARED = Path("/work/shared")
BENCH = SHARED / "benchdata" / "shift_scheduling"
