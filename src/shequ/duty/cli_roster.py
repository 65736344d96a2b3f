"""`shequ roster generate`: a Curtois & Qu-format instance of any shape, feasible by
construction (see duty/roster/curtois/generate.py). Registered on `shequ roster` by cli.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer


def generate(
    days: Annotated[int, typer.Option(help="Horizon in days (published: 14-364).")] = 28,
    staff: Annotated[int, typer.Option(help="Number of staff (published: 8-150).")] = 30,
    shift_types: Annotated[int, typer.Option(help="Shift types (published: 1-32).")] = 4,
    seed: Annotated[int, typer.Option(help="Seed: the same seed gives the same file.")] = 0,
    output: Annotated[str, typer.Option("-o", "--output", help="Instance file to write.")] = "",
    hidden: Annotated[
        str, typer.Option(help="Also write the hidden roster (JSON) that proves it feasible.")
    ] = "",
) -> None:
    """Write a generated instance as tight as the published ones, with a known feasible
    roster (its objective is printed and recorded in the file's first line)."""
    from shequ.duty.roster.curtois.generate import generate as make

    try:
        made = make(days=days, staff=staff, shift_types=shift_types, seed=seed)
    except ValueError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2) from None
    if output:
        Path(output).write_text(made.text, encoding="utf-8")
    else:
        typer.echo(made.text)
    if hidden:
        body = {"objective": made.hidden_objective, "roster": made.hidden}
        Path(hidden).write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    if output:
        typer.echo(
            f"{output}: {days} days × {staff} staff × {shift_types} shift types, seed {seed}; "
            f"hidden roster objective {made.hidden_objective}"
        )


def register(roster_app: typer.Typer) -> None:
    """Add the generator to `shequ roster`."""
    roster_app.command("generate")(generate)
