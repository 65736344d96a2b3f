"""How the PostgreSQL tools are called: the password only in the environment, names as
`--opt=value` (a name starting with "-" cannot become an option), a clear error without them."""

from __future__ import annotations

import pytest

from shequ.core import backup as backups

SETTINGS = {
    "NAME": "-shequ",
    "USER": "shequ",
    "PASSWORD": "s3cret-pw",
    "HOST": "db.internal",
    "PORT": 5433,
    "OPTIONS": {"sslmode": "require"},
}


def test_the_password_goes_in_the_environment_never_in_the_arguments() -> None:
    args, env = backups._pg_connection_args(SETTINGS)

    assert not any("s3cret-pw" in a for a in args)
    assert env["PGPASSWORD"] == "s3cret-pw"
    assert env["PGSSLMODE"] == "require"
    assert args == [
        "--dbname=-shequ",
        "--host=db.internal",
        "--port=5433",
        "--username=shequ",
    ]


def test_no_password_leaves_none_from_the_callers_environment(monkeypatch) -> None:
    monkeypatch.setenv("PGPASSWORD", "someone-elses")
    _args, env = backups._pg_connection_args({**SETTINGS, "PASSWORD": ""})
    assert "PGPASSWORD" not in env


def test_a_missing_tool_is_named_with_how_to_install_it(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(backups.BackupError, match=r"pg_dump is not on PATH.*postgresql-client"):
        backups._pg_tool("pg_dump")


def test_migrations_are_read_from_the_copy_block_of_a_dump() -> None:
    script = [
        "SET statement_timeout = 0;",
        "COPY public.django_migrations (id, app, name, applied) FROM stdin;",
        "1\tcontenttypes\t0001_initial\t2026-01-01 00:00:00+00",
        "2\tcore\t0001_initial\t2026-01-01 00:00:00+00",
        "\\.",
        "1\tnot\tcopy\tdata",
    ]
    rows = list(backups._copy_rows(script, ("app", "name")))
    assert rows == [("contenttypes", "0001_initial"), ("core", "0001_initial")]
