"""`shequ import <list> FILE`: one way for every list (residents, places, …) to run an import
from the command line and print what became of it (core.imports does the import)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from shequ.core.models import User


def run_import_file(*, actor: User, **kwargs: Any) -> None:
    """Import `file` as `kind` under `actor` (see `_run_import_file`), in the actor's
    language, given back when it returns or exits: the CLI runs in-process in tests too."""
    from django.utils import translation

    with translation.override(actor.language):
        _run_import_file(actor=actor, **kwargs)


def _run_import_file(
    *,
    kind: str,
    file: str,
    actor: User,
    target: Callable[[User], Any],
    options: dict[str, Any],
    as_json: bool,
) -> None:
    """Import `file` as `kind` under `actor` into `target(actor)` (a place or None), in this
    process, and print the summary, the columns as read and the problems. Exits 1 when the
    file is refused, 2 on bad arguments."""
    from shequ.core import imports
    from shequ.core.errors import PermissionDenied, ValidationError
    from shequ.core.models import ImportStatus

    path = Path(file)
    if not path.is_file():
        typer.secho(f"error: no file {file!r}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2)
    try:
        with path.open("rb") as fh:
            job = imports.import_job_create(
                actor=actor,
                kind=kind,
                upload=fh,
                filename=path.name,
                place=target(actor),
                options=options,
                enqueue=False,
            )
    except PermissionDenied as exc:
        typer.secho(f"error: --user {actor.username}: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2) from None
    except ValidationError as exc:
        for field, message in exc.errors.items():
            typer.secho(f"error: {field}: {message}", fg=typer.colors.RED, err=True)
        # A refused file (wrong type, empty) exits 1 like a refused import; bad arguments 2.
        raise typer.Exit(code=1 if "file" in exc.errors else 2) from None
    job = imports.run_import(job.pk)
    errors = [
        {"row": e.row, "column": e.column, "value": e.value, "reason": e.reason}
        for e in job.row_errors.all()
    ]
    columns = job.options.get("columns", {"read": [], "ignored": []})
    if as_json:
        typer.echo(
            json.dumps(
                {**job.summary(), "status": job.status, "columns": columns, "errors": errors},
                ensure_ascii=False,
            )
        )
    else:
        typer.echo(f"{job.get_status_display()}: {job.message}".rstrip(": "))
        typer.echo(
            f"created {job.created}, updated {job.updated}, unchanged {job.unchanged}, "
            f"rejected {job.rejected}"
        )
        for c in columns["read"]:
            typer.echo(f"  column {c['header']} → {c['column']}")
        for c in columns["ignored"]:
            why = f" ({c['column']} is read from another column)" if c["column"] else ""
            typer.echo(f"  column {c['header']} was ignored{why}")
        for e in errors[:50]:
            typer.echo(f"  row {e['row']} {e['column']} {e['value']}: {e['reason']}")
        if len(errors) > 50:
            typer.echo(f"  … and {len(errors) - 50} more (use --json for all)")
    if job.status != ImportStatus.DONE:
        raise typer.Exit(code=1)
