"""`shequ partitions ensure|list`: the monthly partitions of the event tables on PostgreSQL
(core.partitions; the worker makes them too, once a day). Registered on `shequ` by cli.py."""

from __future__ import annotations

from typing import Annotated

import typer

partitions_app = typer.Typer(
    help="Monthly partitions of the event tables (PostgreSQL).", no_args_is_help=True
)


@partitions_app.command("ensure")
def partitions_ensure(
    months_ahead: Annotated[
        int, typer.Option(min=0, max=36, help="Months after this one to make ahead.")
    ] = 3,
) -> None:
    """Make this month's and the coming months' partitions where missing; rows the DEFAULT
    partition holds for such a month move into it."""
    from shequ.cli import _setup

    _setup()
    from django.db import connection

    from shequ.core.partitions import ensure_partitions

    if connection.vendor != "postgresql":
        typer.echo("SQLite: plain tables, no partitions to make.")
        return
    made = ensure_partitions(months_ahead=months_ahead)
    for name, moved in made:
        typer.echo(f"made {name}" + (f" ({moved:,} rows moved from DEFAULT)" if moved else ""))
    typer.echo(f"partitions made: {len(made)}")


@partitions_app.command("list")
def partitions_list() -> None:
    """Each partitioned table, its partitions and their rows (the planner's estimate)."""
    from shequ.cli import _setup

    _setup()
    from django.db import connection

    from shequ.core.partitions import partition_rows, partitioned_tables

    tables = partitioned_tables(connection)
    if not tables:
        typer.echo("No partitioned tables (SQLite, or not migrated).")
    for table, column in tables.items():
        typer.echo(f"{table} (by month of {column})")
        for name, rows in partition_rows(connection, table):
            typer.echo(f"  {name:<40} {rows:>12,}")


def register(app: typer.Typer) -> None:
    """Add `shequ partitions` to the command."""
    app.add_typer(partitions_app, name="partitions")
