"""Count database calls written in views and API modules (they belong in selectors/services).

Views and API functions call a selector to read and a service to write (ARCHITECTURE.md,
"Inside an app"); this lists every place that reaches the ORM itself: `Model.objects`,
queryset methods that exist only on querysets, `.save()` / `.delete()` on rows, and
`get_object_or_404`. `tests/test_layout.py` keeps the count at zero.

    python scripts/orm_in_views.py          # every finding, then a count per file
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "shequ"
QUERYSET_ONLY = {
    "filter", "exclude", "annotate", "aggregate", "values_list", "select_related",
    "prefetch_related", "order_by", "exists", "bulk_create", "bulk_update", "get_or_create",
    "update_or_create", "select_for_update", "only", "defer", "distinct", "in_bulk",
    "save", "delete", "refresh_from_db",
}  # fmt: skip
SHORTCUTS = {"get_object_or_404", "get_list_or_404"}


def face_modules(src: Path = SRC) -> list[Path]:
    """The modules of the two faces: views (pages) and api (the ninja routers)."""
    found = []
    for path in sorted(src.rglob("*.py")):
        rel = path.relative_to(src).parts
        if "migrations" in rel:
            continue
        name = path.stem
        if name in {"views", "api"} or name.endswith("_views") or "views" in rel[:-1]:
            found.append(path)
    return found


def orm_calls(path: Path) -> list[tuple[int, str]]:
    """(line, what) for every database call written in the module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "objects":
            found.append((node.lineno, f"{ast.unparse(node)}"))
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in QUERYSET_ONLY:
                found.append((node.lineno, f".{func.attr}()"))
            elif isinstance(func, ast.Name) and func.id in SHORTCUTS:
                found.append((node.lineno, f"{func.id}()"))
    return sorted(set(found))


def main() -> int:
    total = 0
    counts = []
    for path in face_modules():
        calls = orm_calls(path)
        rel = path.relative_to(SRC.parent)
        for line, what in calls:
            print(f"{rel}:{line}: {what}")
        if calls:
            counts.append((len(calls), str(rel)))
        total += len(calls)
    for n, rel in sorted(counts, reverse=True):
        print(f"{n:5d}  {rel}")
    print(f"{total} database calls in views and API modules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
