from io import StringIO

from django.core.management import call_command


def test_every_model_change_has_its_migration(db):
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out)
    except SystemExit as exc:  # --check exits 1 when a migration is missing
        raise AssertionError(f"missing migration:\n{out.getvalue()}") from exc
    assert "No changes detected" in out.getvalue()
