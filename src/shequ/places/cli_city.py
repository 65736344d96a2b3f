"""`shequ init` (a new deployment: the city and its first HQ login) and `shequ import places`
(the city's place tree from a sheet). Registered on the `shequ` command by cli.py."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

PASSWORD_ENV = "SHEQU_ADMIN_PASSWORD"  # noqa: S105 - the variable's name, not a password


def _password(password_file: str) -> str:
    """The administrator's password: from a file, from $SHEQU_ADMIN_PASSWORD, else asked for
    twice without echo. Never an option on the command line (it would stay in the shell's
    history and in `ps`)."""
    if password_file:
        path = Path(password_file)
        if not path.is_file():
            typer.secho(f"error: no file {password_file!r}", fg=typer.colors.RED, err=True)
            raise typer.Exit(code=2)
        return path.read_text(encoding="utf-8").strip("\r\n")
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    return str(typer.prompt("Password for the HQ login", hide_input=True, confirmation_prompt=True))


def init(
    city: Annotated[str, typer.Option(help="The city's name, e.g. 兰州市.")],
    code: Annotated[str, typer.Option(help="The city's code, e.g. 620100 (统计用区划代码).")],
    admin: Annotated[str, typer.Option(help="Login name of the first HQ administrator.")] = "hq",
    display_name: Annotated[str, typer.Option(help="Name shown on pages.")] = "",
    language: Annotated[str, typer.Option(help="zh-hans or en.")] = "zh-hans",
    password_file: Annotated[
        str,
        typer.Option(help=f"Read the password from this file (else ${PASSWORD_ENV}, else asked)."),
    ] = "",
) -> None:
    """Set up an empty deployment: create the database, the city and its first HQ login, and
    print what to do next. Refused on a database that already holds data."""
    from shequ.cli import _migrate, _setup

    _setup()
    from shequ.core.errors import ValidationError
    from shequ.places.services import city_init

    _migrate()
    from shequ.places.selectors import city_summary

    if (held := city_summary()) is not None:
        # Before asking for a password that could not be used.
        typer.secho(f"error: database: {held}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1)
    password = _password(password_file)
    try:
        place, user = city_init(
            city_name=city,
            city_code=code,
            username=admin,
            password=password,
            display_name=display_name,
            language=language,
        )
    except ValidationError as exc:
        for field, message in exc.errors.items():
            typer.secho(f"error: {field}: {message}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1 if "database" in exc.errors else 2) from None
    typer.echo(f"Created the city {place.name} ({place.code}) and its HQ login {user.username}.")
    typer.echo("")
    typer.echo("Next:")
    typer.echo("  1. Places: write the template, fill it in (one row per household), import it:")
    typer.echo("       shequ import places-template places.xlsx")
    typer.echo(f"       shequ import places places.xlsx --user {user.username}")
    typer.echo("  2. Residents, per community or for the city:")
    typer.echo(f"       shequ import residents residents.xlsx --user {user.username}")
    typer.echo("  3. Agencies and their staff: create each agency in /admin/ (as a superuser:")
    typer.echo("     shequ manage createsuperuser), then import its staff on Mobilization ›")
    typer.echo("     Staff › Import. More logins:")
    typer.echo("       shequ createuser NAME --role street_officer --place CODE")
    typer.echo("  4. Serve (with the background worker that runs imports):")
    typer.echo("       shequ serve --host 0.0.0.0 --port 8000")
    typer.echo(f"     and log in as {user.username}. Production settings: docs/operations.md.")


def import_places(
    file: Annotated[str, typer.Argument(help="The .xlsx or .csv file.")],
    user: Annotated[str, typer.Option(help="The city HQ login the import runs under.")] = "",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check only; save nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Import the city's places (city HQ only). Exits 1 when the file is refused, 2 on bad
    arguments."""
    from shequ.cli import _fail, _named_user, _setup

    _setup()
    from shequ.core.cli_imports import run_import_file
    from shequ.places.selectors import import_city

    if not Path(file).is_file():
        raise _fail(f"no file {file!r}")
    actor = _named_user(user, "the city HQ login the import runs under")
    run_import_file(
        kind="places",
        file=file,
        actor=actor,
        target=import_city,
        options={"dry_run": dry_run},
        as_json=as_json,
    )


def places_template(
    file: Annotated[str, typer.Argument(help="Where to write the .xlsx.")],
) -> None:
    """Write the places template: the columns, example rows under the city (they import as
    they are) and a sheet explaining each column."""
    from shequ.cli import _fail, _setup

    _setup()
    from shequ.places.import_template import template_workbook
    from shequ.places.selectors import the_city

    path = Path(file)
    if path.exists():
        raise _fail(f"{file!r} exists already; name a new file")
    if path.suffix.lower() != ".xlsx":
        raise _fail("name an .xlsx file")
    city = the_city()
    path.write_bytes(template_workbook(city.code if city is not None else ""))
    typer.echo(f"wrote {path}: fill in one row per household, then `shequ import places {path}`")


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    """Add `init`, `import places` and `import places-template` to the `shequ` command."""
    app.command("init")(init)
    import_app.command("places")(import_places)
    import_app.command("places-template")(places_template)
