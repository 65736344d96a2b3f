"""The passage log partitioned by month of `device_time` on PostgreSQL (core.partitions,
docs/operations.md "PostgreSQL layout"); SQLite keeps a plain table.

`corrects` loses its database foreign key first: a key cannot point at a partitioned table.
The append-only trigger is made again on the partitioned table, which gives it to every
partition; on SQLite the column change rebuilds the table, which drops the trigger, so it is
put back as in 0003. The primary key becomes (id, device_time) and the client UUID's unique
constraint (client_uuid, device_time); the UUID alone stays unique over every partition
through a side table of the UUIDs taken (checkpoints_passage_client_uuids, kept by triggers):
two devices may send the same passage with different clocks."""

import django.db.models.deletion
from django.db import migrations, models

SQLITE_TRIGGER = """
CREATE TRIGGER IF NOT EXISTS checkpoints_passage_no_update BEFORE UPDATE ON checkpoints_passage
BEGIN
    SELECT RAISE(ABORT, 'the passage log is append-only: record a correction instead');
END;
"""


def partition(apps, schema_editor):
    from shequ.core.partitions import keep_unique_across_partitions, partition_by_month

    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_TRIGGER)
    partition_by_month(schema_editor, "checkpoints_passage", "device_time")
    keep_unique_across_partitions(schema_editor, "checkpoints_passage", "client_uuid")


def keep_the_trigger(apps, schema_editor):
    # Backwards, the column change rebuilds the SQLite table again: put the trigger back.
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_TRIGGER)


def unpartition(apps, schema_editor):
    from shequ.core.partitions import drop_unique_across_partitions, unpartition

    drop_unique_across_partitions(schema_editor, "checkpoints_passage", "client_uuid")
    unpartition(schema_editor, "checkpoints_passage", "device_time")


class Migration(migrations.Migration):

    dependencies = [
        ('checkpoints', '0004_passage_retention_purge'),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, keep_the_trigger),
        migrations.AlterField(
            model_name='passage',
            name='corrects',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='corrections', to='checkpoints.passage'),
        ),
        migrations.RunPython(partition, unpartition),
    ]
