"""The care jobs by hand: `shequ help-escalate`, `shequ isolation-late`, `shequ watch-run`
(the worker runs each periodically too). Registered on the `shequ` command by cli.py."""

from __future__ import annotations

import typer


def help_escalate() -> None:
    """Tell community staff of help requests past due, and the street of those still open
    SHEQU_HELP_STREET_AFTER_MINUTES later; each once (the worker also runs this)."""
    from shequ.cli import _setup

    _setup()
    from shequ.assistance.escalation import escalate_overdue

    done = escalate_overdue()
    typer.echo(f"escalated: {done.community} to community staff, {done.street} to streets")


def isolation_late() -> None:
    """Tell community staff of residents at home isolation who missed today's passed report
    deadlines (noon, 20:00); each resident and deadline once (the worker also runs this)."""
    from shequ.cli import _setup

    _setup()
    from shequ.assistance.late_reports import notify_late_reports

    typer.echo(f"late isolation reports told: {notify_late_reports()}")


def watch_run() -> None:
    """Make today's watch-list checks (people at risk in lockdown and control zones) and,
    from SHEQU_WATCH_EVENING_HOUR, tell community staff who is still not reached; each once
    (the worker also runs this)."""
    from shequ.cli import _setup

    _setup()
    from shequ.assistance.watch_jobs import watch_run as run

    made, told = run()
    typer.echo(f"watch list: {made} checks made, {told} not reached told to community staff")


def register(app: typer.Typer) -> None:
    """Add the care jobs' commands to `shequ`."""
    app.command("help-escalate")(help_escalate)
    app.command("isolation-late")(isolation_late)
    app.command("watch-run")(watch_run)
