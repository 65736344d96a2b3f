"""The `shequ` command: demo, init, serve, seed, createuser, token, import, vapid-keys, and
Django's own commands (`init` and `import places` live in places/cli_city.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from shequ.core.models import User

app = typer.Typer(
    help="Shequ (社区): community-level epidemic response.",
    no_args_is_help=True,
    add_completion=False,
)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
app.add_typer(token_app, name="token")
import_app = typer.Typer(help="Import spreadsheets (.xlsx or .csv).", no_args_is_help=True)
app.add_typer(import_app, name="import")
teams_app = typer.Typer(help="Teams of mobilized cadres.", no_args_is_help=True)
app.add_typer(teams_app, name="teams")
roster_app = typer.Typer(help="Duty rosters.", no_args_is_help=True)
app.add_typer(roster_app, name="roster")
reports_app = typer.Typer(help="Daily reports.", no_args_is_help=True)
app.add_typer(reports_app, name="reports")

DEMO_HOST = "127.0.0.1"
DEMO_PORT = 8000


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
    import django

    django.setup()


def _fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code=2)


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


@app.command()
def seed(
    scenario: Annotated[str, typer.Option(help="Which data set to build.")] = "demo",
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same city.")] = 42,
    residents: Annotated[int, typer.Option(help="Synthetic residents to add.")] = 20_000,
    cadres: Annotated[int, typer.Option(help="Synthetic cadres to add.")] = 3000,
) -> None:
    """Build a scenario's places and users (safe to run again: nothing is duplicated)."""
    _setup()
    from shequ import scenarios

    if scenario not in scenarios.SCENARIOS:
        raise _fail(
            f"unknown scenario {scenario!r}; choose one of {', '.join(scenarios.SCENARIOS)}"
        )
    _migrate()
    typer.echo(f"Seeding scenario {scenario} (seed {seed}):")
    try:
        summary = scenarios.SCENARIOS[scenario](
            seed=seed, residents=residents, cadres=cadres, say=typer.echo
        )
    except RuntimeError as error:  # e.g. the city scenario on SQLite
        raise _fail(str(error)) from error
    typer.echo(summary.describe())


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = DEMO_HOST,
    port: Annotated[int, typer.Option(help="Port to listen on.")] = DEMO_PORT,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    task_worker: Annotated[
        bool, typer.Option("--task-worker/--no-task-worker", help="Run background tasks too.")
    ] = True,
) -> None:
    """Serve the site with granian (WSGI) and a background-task worker beside it, started
    again whenever it exits."""
    _setup()
    from django.core.management import call_command

    from shequ.core.workers import WorkerSupervisor

    call_command("collectstatic", interactive=False, verbosity=0)
    from granian import Granian
    from granian.constants import Interfaces

    supervisor = None
    if task_worker:
        # Imports and other long jobs; a separate process so a big import never slows pages.
        supervisor = WorkerSupervisor([sys.executable, "-m", "shequ", "worker"])
        supervisor.start()
    typer.echo(f"Shequ at http://{host}:{port}/  (Ctrl-C stops it)")
    try:
        Granian(
            "shequ.wsgi:application",
            address=host,
            port=port,
            interface=Interfaces.WSGI,
            workers=workers,
            respawn_failed_workers=True,  # a web worker that dies is replaced, not the end
        ).serve()
    finally:
        if supervisor is not None:
            supervisor.stop()


@app.command()
def demo(
    seed_value: Annotated[int, typer.Option("--seed", help="Random seed of the demo city.")] = 42,
    residents: Annotated[int, typer.Option(help="Synthetic residents to add.")] = 20_000,
    port: Annotated[int, typer.Option(help="Port to serve on.")] = DEMO_PORT,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Set up, print, do not serve.")
    ] = False,
) -> None:
    """Migrate, seed the demo city, print the logins, and serve on 127.0.0.1."""
    _setup()
    from shequ import scenarios

    typer.echo("Migrating the database …")
    _migrate()
    typer.echo(f"Seeding the demo city (seed {seed_value}; about a minute the first time):")
    summary = scenarios.SCENARIOS["demo"](seed=seed_value, residents=residents, say=typer.echo)
    typer.echo(summary.describe())
    typer.echo("")
    typer.echo(f"Open http://{DEMO_HOST}:{port}/ and log in as one of:")
    for login in summary.logins:
        typer.echo(f"  {login.username:<14} {login.password:<16} {login.role:<20} {login.place}")
    if not no_serve:
        serve(host=DEMO_HOST, port=port, workers=1)


@app.command()
def createuser(
    username: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Option(help="Role, e.g. street_officer.")] = "",
    place: Annotated[str, typer.Option(help="Code of the place the role covers.")] = "",
    agency: Annotated[str, typer.Option(help="Code of the agency (agency roles).")] = "",
    display_name: Annotated[str, typer.Option(help="Name shown on pages.")] = "",
    phone: Annotated[str, typer.Option(help="Mobile number (stored encrypted).")] = "",
    language: Annotated[str, typer.Option(help="zh-hans or en.")] = "zh-hans",
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="Password.")
    ] = "",
) -> None:
    """Create a login, optionally with one role over a place or an agency."""
    _setup()
    from django.db import transaction

    from shequ.core import services
    from shequ.core.errors import ValidationError
    from shequ.mobilization.models import Agency
    from shequ.places.models import Place

    try:
        with transaction.atomic():
            user = services.user_create(
                actor=None,
                username=username,
                password=password,
                display_name=display_name,
                phone=phone,
                language=language,
            )
            if role:
                bound_place = Place.objects.filter(code=place).first() if place else None
                bound_agency = Agency.objects.filter(code=agency).first() if agency else None
                if place and bound_place is None:
                    raise ValidationError({"place": f"no place has code {place!r}"})
                if agency and bound_agency is None:
                    raise ValidationError({"agency": f"no agency has code {agency!r}"})
                services.role_grant(
                    actor=None, user=user, role=role, place=bound_place, agency=bound_agency
                )
    except ValidationError as exc:
        for field, message in exc.errors.items():
            typer.secho(f"error: {field}: {message}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2) from None
    typer.echo(
        f"created user {user.username}" + (f" ({role} of {place or agency})" if role else "")
    )


@token_app.command("create")
def token_create(
    username: Annotated[str, typer.Argument(help="Whose token.")],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "cli",
) -> None:
    """Make an API token; it is printed once and only its hash is kept."""
    _setup()
    from shequ.core import services
    from shequ.core.errors import ValidationError
    from shequ.core.models import User

    user = User.objects.filter(username=username).first()
    if user is None:
        raise _fail(f"no user {username!r}; create one with `shequ createuser`")
    try:
        _token, secret = services.api_token_create(actor=None, user=user, name=name)
    except ValidationError as exc:
        raise _fail(str(exc)) from None
    typer.echo(secret)
    typer.secho("Keep it now: it cannot be shown again.", err=True)


@app.command()
def worker(
    batch: Annotated[bool, typer.Option(help="Run what is queued, then exit.")] = False,
) -> None:
    """Run background tasks (imports, exports) from the database queue, with a heartbeat
    (see /api/v1/health); at start it fails the imports of workers that died."""
    _setup()
    from shequ.core.workers import run_worker

    run_worker(batch=batch)


@reports_app.command("compile")
def reports_compile(
    day: Annotated[
        str, typer.Option(help="The local day, YYYY-MM-DD (default: today in city time).")
    ] = "",
) -> None:
    """Compile every community's daily report of a day from the records (again if it was:
    corrections and submitted reports keep their values)."""
    _setup()
    import datetime as dt

    from django.utils import timezone

    from shequ.reports import selectors, services

    try:
        the_day = dt.date.fromisoformat(day) if day else timezone.localdate()
    except ValueError:
        raise _fail(f"--day {day!r} is not a date like 2026-04-01") from None
    count = services.compile_reports(community_ids=selectors.all_community_ids(), day=the_day)
    typer.echo(f"Compiled {count} daily reports of {the_day.isoformat()}.")


@import_app.command("residents")
def import_residents(
    file: Annotated[str, typer.Argument(help="The .xlsx or .csv file.")],
    user: Annotated[
        str, typer.Option(help="Whose import this is (required: its scope and audit).")
    ] = "",
    community: Annotated[str, typer.Option(help="Code of the community to import into.")] = "",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check only; save nothing.")] = False,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Land the good rows, report the rest.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Import residents. Exits 1 when the file is refused, 2 on bad arguments."""
    _setup()
    from shequ.core.cli_imports import run_import_file
    from shequ.residents.selectors import import_target

    if not Path(file).is_file():
        raise _fail(f"no file {file!r}")
    actor = _named_user(user, "the login whose scope and audit the import runs under")
    run_import_file(
        kind="residents",
        file=file,
        actor=actor,
        target=lambda who: import_target(who, community),
        options={"skip_invalid": skip_invalid, "dry_run": dry_run},
        as_json=as_json,
    )


def _import_file(
    kind: str, file: str, user: str, dry_run: bool, skip_invalid: bool, as_json: bool
) -> None:
    """Import `file` as a list of `kind` by --user, here (no place: agencies, staff)."""
    from shequ.core.cli_imports import run_import_file

    actor = _named_user(user, "the login whose scope and audit the import runs under")
    run_import_file(
        kind=kind,
        file=file,
        actor=actor,
        target=lambda who: None,
        options={"skip_invalid": skip_invalid, "dry_run": dry_run},
        as_json=as_json,
    )


FileArg = Annotated[str, typer.Argument(help="The .xlsx or .csv file.")]
UserOpt = Annotated[str, typer.Option(help="Whose import this is (required: scope and audit).")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Check only; save nothing.")]
SkipInvalid = Annotated[
    bool, typer.Option("--skip-invalid", help="Land the good rows, report the rest.")
]
AsJson = Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")]


def _list_import(kind: str, doc: str) -> None:
    """Register `shequ import <kind> FILE`: a list imported with no place (agencies, staff)."""

    def command(
        file: FileArg,
        user: UserOpt = "",
        dry_run: DryRun = False,
        skip_invalid: SkipInvalid = False,
        as_json: AsJson = False,
    ) -> None:
        _setup()
        _import_file(kind, file, user, dry_run, skip_invalid, as_json)

    command.__doc__ = doc
    import_app.command(kind)(command)


_list_import(
    "agencies", "Import agencies (name, code, level, parent code); HQ only. Exits 1 when refused."
)
_list_import(
    "staff", "Import staff with their phone logins (coordinators, HQ). Exits 1 when refused."
)


@teams_app.command("form")
def teams_form(
    order: Annotated[int, typer.Option(help="Id of the mobilization order.")],
    user: Annotated[str, typer.Option(help="Who forms them (required: scope and audit).")] = "",
    size: Annotated[int, typer.Option(help="People per team.")] = 3,
    leader_rank: Annotated[
        str, typer.Option(help="Leaders' lowest rank: ting/chu/ke/keyuan.")
    ] = "chu",
    agency_mode: Annotated[str, typer.Option(help="any, same or mix.")] = "any",
    time_limit: Annotated[float, typer.Option(help="Solver seconds.")] = 10.0,
    confirm: Annotated[bool, typer.Option("--confirm", help="Confirm the teams at once.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Form balanced teams from the order's reported-in pool (OR-Tools CP-SAT)."""
    _setup()
    import json

    from shequ.core.errors import PermissionDenied, ValidationError
    from shequ.mobilization import formation
    from shequ.mobilization.models import Order

    actor = _named_user(user, "the login whose scope and audit the teams are formed under")
    the_order = Order.objects.filter(pk=order).first()
    if the_order is None:
        raise _fail(f"no order {order}: name an existing --order")
    try:
        rules = formation.rules_from(size, leader_rank, agency_mode, time_limit)
        draft = formation.team_draft_create(actor=actor, order=the_order, rules=rules)
        if confirm:
            formation.team_draft_confirm(actor=actor, draft=draft)
    except (ValidationError, PermissionDenied) as exc:
        raise _fail(str(exc)) from None
    result = {
        "draft": draft.pk,
        "confirmed": confirm,
        "teams": draft.teams,
        "balance": draft.balance,
        "problems": draft.problems,
        "seconds": round(draft.seconds, 2),
    }
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    typer.echo(f"{len(draft.teams)} teams in {draft.seconds:.1f} s (draft {draft.pk})")
    for key, row in draft.balance.items():
        typer.echo(
            f"  {key:14} min {row['min']:.1f}  max {row['max']:.1f}  spread {row['spread']:.1f}"
        )
    for problem in draft.problems:
        typer.echo(f"  ! {problem}")


@roster_app.command("bench")
def roster_bench(
    instance_file: Annotated[str, typer.Argument(help="A Curtois & Qu instance (.txt).")],
    time_limit: Annotated[float, typer.Option(help="Solver seconds.")] = 60.0,
    threads: Annotated[int, typer.Option(help="Solver threads.")] = 2,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Solve a nurse-rostering benchmark instance and re-check the roster independently."""
    import json
    from pathlib import Path

    from shequ.duty.roster.curtois import evaluate, parse_instance, solve

    path = Path(instance_file)
    if not path.is_file():
        raise _fail(f"no file {instance_file!r}")
    try:
        instance = parse_instance(path)
    except ValueError as exc:
        raise _fail(f"{path.name}: {exc}") from None
    solution = solve(instance, time_limit_s=time_limit, threads=threads)
    checked = evaluate(instance, solution.roster) if solution.feasible else None
    result = {
        "instance": path.stem,
        "feasible": bool(solution.feasible and checked is not None and checked.feasible),
        "objective": solution.objective,
        "evaluated_objective": checked.penalty if checked is not None else None,
        "seconds": round(solution.seconds, 2),
        "roster": solution.roster,
    }
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
    else:
        typer.echo(
            f"{result['instance']}: feasible={result['feasible']} "
            f"objective={result['objective']} evaluated={result['evaluated_objective']} "
            f"in {result['seconds']} s ({solution.status})"
        )
        if checked is not None and checked.violations:
            for violation in checked.violations[:20]:
                typer.echo(f"  ! {violation}")
    if not result["feasible"]:
        raise typer.Exit(code=1)


@app.command()
def backup(
    to: Annotated[
        str, typer.Option("--to", help="File to write (default var/backups/shequ-<time>.*).")
    ] = "",
) -> None:
    """Back up the whole database (SQLite: online copy; PostgreSQL: pg_dump -Fc)."""
    _setup()
    from pathlib import Path

    from shequ.core import backup as backups

    try:
        written = backups.backup(to=Path(to) if to else None)
    except backups.BackupError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1) from None
    typer.echo(f"backup written to {written} ({written.stat().st_size:,} bytes)")
    typer.secho(
        "Phones and ID numbers in it are encrypted: keep SHEQU_PII_KEY (or var/secrets.json) "
        "apart from the backup; a restore needs it to read them.",
        err=True,
    )


@app.command()
def restore(
    file: Annotated[str, typer.Argument(help="A file made by `shequ backup`.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace a database that already holds data.")
    ] = False,
) -> None:
    """Replace the database with a backup, then migrate it if it is older than this code."""
    _setup()
    from pathlib import Path

    from shequ.core import backup as backups

    try:
        result = backups.restore(path=Path(file), force=force)
    except backups.BackupError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1) from None
    typer.echo(f"restored {result.path}")
    if result.migrated:
        typer.echo(f"migrated forward: {', '.join(result.migrated)}")
    if result.pii_readable is False:
        typer.secho(
            "warning: this SHEQU_PII_KEY does not open the backup's phones and ID numbers; "
            "set the key the backup was made under before serving.",
            fg=typer.colors.YELLOW,
            err=True,
        )


@app.command()
def purge(
    before: Annotated[
        str, typer.Option("--before", help="Cut-off day (YYYY-MM-DD): older data goes.")
    ],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count only; delete nothing.")] = False,
    user: Annotated[str, typer.Option(help="The city HQ login the audit row names.")] = "",
    batch_size: Annotated[int, typer.Option(help="Rows per delete transaction.")] = 5000,
) -> None:
    """Delete health and movement data past retention (see docs/operations.md)."""
    _setup()
    import datetime as dt

    from shequ import retention
    from shequ.core.errors import PermissionDenied, ValidationError

    try:
        cutoff = dt.date.fromisoformat(before)
    except ValueError:
        raise _fail(f"--before must be a day like 2022-05-01, not {before!r}") from None
    actor = _named_user(user, "the city HQ login running this")
    try:
        counts = retention.purge(actor=actor, before=cutoff, dry_run=dry_run, batch=batch_size)
    except PermissionDenied as exc:
        raise _fail(f"--user {user}: {exc}") from None
    except ValidationError as exc:
        for message in exc.errors.values():
            typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1) from None
    verb = "would delete" if dry_run else "deleted"
    for key, count in counts.items():
        typer.echo(f"{verb} {count:>10,}  {key}")
    typer.echo(f"{verb} {sum(counts.values()):>10,}  in all (before {cutoff})")


@app.command("vapid-keys")
def vapid_keys() -> None:
    """Print a new Web Push (VAPID) key pair as the two settings to set (docs/notifications.md).
    A new pair makes phones subscribed with the old one silent until they subscribe again."""
    from shequ.notify.keys import generate_vapid_keys

    public, private = generate_vapid_keys()
    typer.echo(f"SHEQU_VAPID_PUBLIC_KEY={public}")
    typer.echo(f"SHEQU_VAPID_PRIVATE_KEY={private}")


def _named_user(username: str, role: str) -> User:
    """The login named by --user. There is no default: a command that picked one (the only
    city HQ, say) would run with the whole city's scope without anyone having said so."""
    from shequ.core.models import User

    if not username:
        raise _fail(f"--user is required: name {role}")
    actor = User.objects.filter(username=username, is_active=True).first()
    if actor is None:
        raise _fail(f"no active user named {username!r} (--user)")
    return actor


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def manage(ctx: typer.Context) -> None:
    """Run a Django management command, e.g. `shequ manage migrate`."""
    _setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["shequ manage", *ctx.args])


def _register_city_commands() -> None:
    from shequ.assistance.cli_jobs import register as register_care
    from shequ.core.cli_partitions import register as register_partitions
    from shequ.duty.cli_roster import register as register_roster
    from shequ.patrols.cli_jobs import register as register_patrols
    from shequ.places.cli_city import register

    register(app, import_app)
    register_care(app)
    register_patrols(app)
    register_roster(roster_app)
    register_partitions(app)


_register_city_commands()


def main() -> None:
    app(prog_name="shequ")


if __name__ == "__main__":
    sys.exit(main())
