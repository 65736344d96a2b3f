"""The patrol job by hand: `shequ patrols-missed` (the worker runs it periodically too).
Registered on the `shequ` command by cli.py."""

from __future__ import annotations

import typer


def patrols_missed() -> None:
    """Flag the disinfection rounds missed (a due slot with no round in its window) and tell
    each community's staff once per missed slot (the worker also runs this)."""
    from shequ.cli import _setup

    _setup()
    from shequ.patrols.missed import flag_missed

    typer.echo(f"missed disinfection rounds told: {flag_missed()}")


def register(app: typer.Typer) -> None:
    """Add the patrol job's command to `shequ`."""
    app.command("patrols-missed")(patrols_missed)
