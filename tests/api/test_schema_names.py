"""Each API schema's class name is unique across the apps: the OpenAPI document names its
components by class name, so a second `CallIn` silently replaced the first one's description
(the duty API's urgent calls were documented with the hotline's fields)."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "shequ"


def test_no_two_schemas_share_a_class_name() -> None:
    names: Counter[str] = Counter()
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and any(
                getattr(base, "id", getattr(base, "attr", "")).endswith("Schema")
                for base in node.bases
            ):
                names[node.name] += 1
    twice = sorted(name for name, n in names.items() if n > 1)
    assert not twice, f"rename these API schemas so each name is one app's: {twice}"
