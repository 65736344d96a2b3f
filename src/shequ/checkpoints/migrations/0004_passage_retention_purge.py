"""The retention purge (`shequ purge`, src/shequ/retention.py) may delete passages past the
retention window on PostgreSQL: the append-only trigger lets a DELETE through only in a
transaction that set `shequ.retention_purge` to 'on'. UPDATE stays refused always; the ORM
still refuses both. SQLite's trigger never refused deletes (see 0002)."""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION checkpoints_passage_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('shequ.retention_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the passage log is append-only: record a correction instead';
END;
$$ LANGUAGE plpgsql;
"""
PG_BACKWARD = """
CREATE OR REPLACE FUNCTION checkpoints_passage_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the passage log is append-only: record a correction instead';
END;
$$ LANGUAGE plpgsql;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("checkpoints", "0003_passage_composite_indexes_only")]
    operations = [migrations.RunPython(forward, backward)]
