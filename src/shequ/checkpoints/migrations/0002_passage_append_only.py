"""The passage log is append-only in the database too: a trigger refuses UPDATE (both
engines) and DELETE (PostgreSQL; TRUNCATE, which test and admin flushes use, is not a row
delete). SQLite keeps deletes possible so that Django's test flush (DELETE FROM) still works;
the ORM refuses them on both engines."""

from django.db import migrations

PG_FORWARD = """
CREATE FUNCTION checkpoints_passage_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the passage log is append-only: record a correction instead';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER checkpoints_passage_no_update BEFORE UPDATE OR DELETE ON checkpoints_passage
    FOR EACH ROW EXECUTE FUNCTION checkpoints_passage_append_only();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS checkpoints_passage_no_update ON checkpoints_passage;
DROP FUNCTION IF EXISTS checkpoints_passage_append_only();
"""
SQLITE_FORWARD = """
CREATE TRIGGER checkpoints_passage_no_update BEFORE UPDATE ON checkpoints_passage
BEGIN
    SELECT RAISE(ABORT, 'the passage log is append-only: record a correction instead');
END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS checkpoints_passage_no_update;"


def forward(apps, schema_editor):
    sql = PG_FORWARD if schema_editor.connection.vendor == "postgresql" else SQLITE_FORWARD
    schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in PG_BACKWARD.strip().splitlines():
            schema_editor.execute(statement)
    else:
        schema_editor.execute(SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("checkpoints", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
