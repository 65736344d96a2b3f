"""`district_id` on the entry passes, their holders and the passage log (PostgreSQL only:
core/districts.py, docs/operations.md "Distributing by district with Citus"): filled for the
rows there are, then kept by a trigger from the row's place. The passage log stays
append-only, except for that one column (a place moved under another district takes its
passages along). SQLite keeps its tables as they are."""

from django.db import migrations

from shequ.core.districts import steps

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION checkpoints_passage_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('shequ.retention_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    {district}RAISE EXCEPTION 'the passage log is append-only: record a correction instead';
END;
$$ LANGUAGE plpgsql;
"""
ONLY_THE_DISTRICT = """IF TG_OP = 'UPDATE'
        AND to_jsonb(NEW) - 'district_id' = to_jsonb(OLD) - 'district_id' THEN
        RETURN NEW;
    END IF;
    """


def only_the_district(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY.format(district=ONLY_THE_DISTRICT))


def nothing_at_all(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY.format(district=""))


class Migration(migrations.Migration):

    dependencies = [
        ('checkpoints', '0005_passage_partitioned_by_month'),
        ('places', '0004_district_id'),
    ]

    # The log lets the column change before it is filled (backwards: after it is gone).
    operations = [
        migrations.RunPython(only_the_district, nothing_at_all),
        steps('checkpoints_entrypass', 'checkpoints_entrypass_holders', 'checkpoints_passage'),
    ]
